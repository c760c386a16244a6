"""Parsing and printing byte sizes and rates ("16M", "8MiB", "100Mbit")."""

from __future__ import annotations

import math
import re

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

_UNITS = {
    "": 1,
    "b": 1,
    "k": KiB,
    "kib": KiB,
    "kb": 1000,
    "m": MiB,
    "mib": MiB,
    "mb": 1000**2,
    "g": GiB,
    "gib": GiB,
    "gb": 1000**3,
    "t": 1024 * GiB,
    "tib": 1024 * GiB,
    "tb": 1000**4,
    # network rates, in bits
    "kbit": 1000 / 8,
    "mbit": 1000**2 / 8,
    "gbit": 1000**3 / 8,
    "kbps": 1000 / 8,
    "mbps": 1000**2 / 8,
    "gbps": 1000**3 / 8,
}

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*(?:/s)?\s*$")


def parse_size(text: str) -> int:
    """Parse "16M" (MiB), "16MB" (decimal), "100Mbit" (bits) or plain bytes.

    Raises ValueError with a readable message on anything else.
    """
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (try e.g. 16M, 8MiB, 100Mbit)")
    number, unit = match.groups()
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise ValueError(f"unknown unit {unit!r} in {text!r} (use K, M, G, MB, Mbit ...)")
    return int(float(number) * factor)


def format_size(n: float) -> str:
    """Human-readable binary size: 1.5 MiB, 820 KiB, 12 B."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_rate(bytes_per_second: float) -> str:
    """A speed in the same binary units as sizes: 12.5 MiB/s."""
    return f"{format_size(bytes_per_second)}/s"


def format_duration(seconds: float | None) -> str:
    """A time left: 1h02m, 3m05s, 42s; '--' when unknown. Rounded up: with
    anything left it never says 0s (the window said "0s left" of 4 MiB)."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--"
    s = math.ceil(seconds)
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"
