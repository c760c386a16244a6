"""The command line: the same publishing service as the window, with terminal progress
or JSON lines (see ``shared/DESIGN.md`` for the contract).

:func:`main` is the program's entry point. It loads nothing heavy itself: an
upload first starts the process its preview workers are forked from, which loads
Pillow on the other core while the commands (``commands.py``) load on this one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``lytsite-desktop --help``); returns the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["upload"] and "--no-previews" not in args:
        from lytsite_desktop.core.previews.pool import prestart

        prestart(wanted=_previews_on, wait=False)  # Settings read beside the commands' loading
    from lytsite_desktop.cli.commands import run

    return run(argv)


def _previews_on() -> bool:
    """Are previews on in Settings? (An unreadable settings file: the command says
    so; until then, as if they were.)"""
    from lytsite_desktop.core.config.paths import AppPaths
    from lytsite_desktop.core.config.settings import Settings

    try:
        return Settings.load(AppPaths.discover().config_file).previews.enabled
    except ValueError:
        return True
