"""Where lytsite-desktop keeps its config, state (the journal) and cache."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "lytsite-desktop"


def resources_dir() -> Path:
    """The project's resources/ folder (icons, desktop files): inside a PyInstaller
    bundle (sys._MEIPASS), else beside the package in the source tree."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"


@dataclass(frozen=True)
class AppPaths:
    """The folders the app writes to.

    ``LYTSITE_HOME=DIR`` moves all of them under DIR (tests, portable installs);
    otherwise they follow the platform's conventions via platformdirs.
    """

    config_dir: Path
    state_dir: Path
    cache_dir: Path
    data_dir: Path
    #: Where downloaded originals go (a folder per project).
    downloads_dir: Path

    @classmethod
    def discover(cls, environ: dict[str, str] | None = None) -> AppPaths:
        env = os.environ if environ is None else environ
        home = env.get("LYTSITE_HOME")
        if home:
            root = Path(home).expanduser().resolve()
            return cls(
                root / "config", root / "state", root / "cache", root / "data", root / "downloads"
            )
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir),
            Path(dirs.user_state_dir),
            Path(dirs.user_cache_dir),
            Path(dirs.user_data_dir),
            Path(platformdirs.user_downloads_dir()) / "lytsite",
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.json"

    @property
    def journal_file(self) -> Path:
        return self.state_dir / "journal.sqlite3"

    @property
    def default_library(self) -> Path:
        """The local folder used as destination when none is configured."""
        return self.data_dir / "library"
