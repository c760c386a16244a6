"""The window's status line while the Upload tab works: the queue in one sentence."""

from __future__ import annotations

from lytsite_desktop.core.sizes import format_duration, format_rate, format_size
from lytsite_desktop.gui.upload.queue_model import Totals


def status_line(t: Totals, ready: int) -> str:
    """ "3 of 12 files · 40 MiB of 120 MiB · 4.2 MiB/s, 19 s left · 1 failed" """
    if not t.files:
        return f"{ready} file(s) ready to publish" if ready else "Ready"
    parts = [
        f"{t.done} of {t.files} files",
        f"{format_size(t.bytes_done)} of {format_size(t.bytes)}",
    ]
    if t.waiting and t.waiting == t.files - t.done:
        parts.append("waiting for the network")
    elif t.speed > 0 and t.done < t.files:
        parts.append(f"{format_rate(t.speed)}, {format_duration(t.left)} left")
    if t.failed:
        parts.append(f"{t.failed} failed")
    if t.problems > t.failed:
        parts.append(f"{t.problems - t.failed} could not be read")
    return " · ".join(parts)
