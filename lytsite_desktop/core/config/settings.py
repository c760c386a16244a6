"""One typed settings object, stored as JSON in the config folder (never any secret)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lytsite_desktop.core.sizes import MiB

#: Default part size for multipart uploads. Chosen by benchmark (see README,
#: "Benchmarks"): 16 MiB keeps per-request overhead negligible on fast links and
#: bounds what a crash can cost to concurrency x 16 MiB (on a slow link, to about
#: 15 s of it: core/transfer/linkrate.PARTS_SECONDS).
DEFAULT_PART_SIZE = 16 * MiB
#: Files smaller than this go up in a single PUT.
DEFAULT_MULTIPART_THRESHOLD = 32 * MiB
MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * 1024 * MiB
MAX_PARTS = 10_000


@dataclass
class TransferSettings:
    """How uploads behave. Every field has a documented default."""

    #: Parts (or small files) in flight at once, across all files.
    concurrency: int = 8
    #: Multipart part size in bytes (grown per file so no file needs > 10,000 parts).
    part_size: int = DEFAULT_PART_SIZE
    #: Files below this size are sent in one PUT.
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD
    #: On a fast, clean link, bigger files (up to 8 times the threshold) are sent
    #: in one PUT too when sending one again would take at most this many seconds
    #: at the rate seen (core/transfer/linkrate.py); 0: never.
    one_put_seconds: float = 2.0
    #: Global upload bandwidth limit in bytes per second; None means unlimited.
    bwlimit: int | None = None
    #: Seconds to wait for a TCP connection / for the server to answer.
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def validate(self) -> None:
        if not 1 <= self.concurrency <= 64:
            raise ValueError("concurrency must be between 1 and 64")
        if not MIN_PART_SIZE <= self.part_size <= MAX_PART_SIZE:
            raise ValueError("part size must be between 5 MiB and 5 GiB")
        if self.multipart_threshold < MIN_PART_SIZE:
            raise ValueError("the multipart threshold must be at least 5 MiB")
        if self.one_put_seconds < 0:
            raise ValueError("one_put_seconds cannot be negative")
        if self.bwlimit is not None and self.bwlimit < 16 * 1024:
            raise ValueError("the bandwidth limit must be at least 16 KiB/s")


@dataclass
class PreviewSettings:
    """How previews and thumbnails are made (see README, "Dual quality")."""

    #: Make previews at all; off publishes originals only.
    enabled: bool = True
    #: Long edge of the preview in pixels (never upscaled).
    size: int = 1800
    #: WebP quality of the preview (0-100).
    quality: int = 85
    #: Long edge of the grid thumbnail in pixels.
    thumb_size: int = 480
    thumb_quality: int = 80
    #: Worker processes making previews; None: one per CPU core, at most 4.
    workers: int | None = None
    #: Seconds one file may take before its preview is given up (the original is
    #: still published).
    timeout: float = 60.0
    #: Images above this many megapixels are refused (decompression bombs).
    max_megapixels: int = 300
    #: Address-space cap of a preview worker process, in MiB (Linux); None: no cap.
    memory_limit_mib: int | None = 4096

    def validate(self) -> None:
        if not 200 <= self.size <= 8000:
            raise ValueError("the preview size must be between 200 and 8000 pixels")
        if not 64 <= self.thumb_size <= self.size:
            raise ValueError("the thumbnail size must be between 64 pixels and the preview size")
        if not (1 <= self.quality <= 100 and 1 <= self.thumb_quality <= 100):
            raise ValueError("WebP quality must be between 1 and 100")
        if self.workers is not None and not 1 <= self.workers <= 16:
            raise ValueError("preview workers must be between 1 and 16")
        if self.timeout <= 0 or self.max_megapixels <= 0:
            raise ValueError("the preview time limit and pixel limit must be positive")

    @property
    def worker_count(self) -> int:
        return self.workers or max(1, min(4, os.cpu_count() or 1))


#: Where a watermark may go (core/previews/watermark.py draws it).
WATERMARK_POSITIONS = ("top-left", "top", "top-right", "left", "centre", "right",
                       "bottom-left", "bottom", "bottom-right")  # fmt: skip


@dataclass
class WatermarkSettings:
    """A watermark burned into previews at ingest (originals are never touched)."""

    text: str = ""
    #: A PNG logo (used instead of the text when set).
    logo: str = ""
    position: str = "bottom-right"
    #: Width of the mark, percent of the picture's width.
    size: int = 20
    #: Percent.
    opacity: int = 50
    #: Thumbnails get it too.
    thumbs: bool = False
    #: The projects (as their addresses: "ana-joao") that get it; empty: every one.
    projects: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return bool(self.text.strip() or self.logo)

    def applies_to(self, project: str) -> bool:
        return self.enabled and (not self.projects or project in self.projects)

    def validate(self) -> None:
        if self.position not in WATERMARK_POSITIONS:
            raise ValueError(
                f"the watermark's place must be one of {', '.join(WATERMARK_POSITIONS)}"
            )
        if not (1 <= self.size <= 100 and 1 <= self.opacity <= 100):
            raise ValueError("the watermark's size and opacity must be between 1 and 100 %")


@dataclass
class DestinationConfig:
    """A saved destination. The secret key is in the OS keyring, never here."""

    name: str
    url: str
    access_key_id: str | None = None
    #: True when a secret for this destination was stored in the keyring.
    keyring_secret: bool = False
    #: Where the bucket is public (an R2 custom domain, a public bucket URL): the
    #: web gallery's address starts here. None: not shared publicly.
    public_url: str | None = None


@dataclass
class Settings:
    transfer: TransferSettings = field(default_factory=TransferSettings)
    previews: PreviewSettings = field(default_factory=PreviewSettings)
    destinations: dict[str, DestinationConfig] = field(default_factory=dict)
    #: Name of the destination used when none is given; None = first saved, else local library.
    default_destination: str | None = None
    #: The window resumes interrupted uploads by itself when it starts.
    auto_resume: bool = False
    #: The first-run welcome was seen (and answered); it is not shown again.
    welcomed: bool = False
    #: The studio's name, shown on the client's page (empty: none).
    studio: str = ""
    #: The photographer's e-mail address, for the client's page (empty: none).
    email: str = ""
    watermark: WatermarkSettings = field(default_factory=WatermarkSettings)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings; a missing file gives the defaults."""
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read settings file {path}: {exc}") from exc
        known = TransferSettings.__dataclass_fields__
        transfer = TransferSettings(
            **{k: v for k, v in raw.get("transfer", {}).items() if k in known}
        )
        known = PreviewSettings.__dataclass_fields__
        previews = PreviewSettings(
            **{k: v for k, v in raw.get("previews", {}).items() if k in known}
        )
        dests = {
            name: DestinationConfig(name=name, **{k: v for k, v in d.items() if k != "name"})
            for name, d in raw.get("destinations", {}).items()
        }
        known = WatermarkSettings.__dataclass_fields__
        watermark = WatermarkSettings(
            **{k: v for k, v in (raw.get("watermark") or {}).items() if k in known}
        )
        return cls(
            transfer,
            previews,
            dests,
            raw.get("default_destination"),
            bool(raw.get("auto_resume", False)),
            bool(raw.get("welcomed", False)),
            str(raw.get("studio") or ""),
            str(raw.get("email") or ""),
            watermark,
        )

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "transfer": asdict(self.transfer),
            "previews": asdict(self.previews),
            "destinations": {n: asdict(d) for n, d in self.destinations.items()},
            "default_destination": self.default_destination,
            "auto_resume": self.auto_resume,
            "welcomed": self.welcomed,
            "studio": self.studio,
            "email": self.email,
            "watermark": asdict(self.watermark),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
