"""The command line: the same publishing service as the window, with terminal progress
or JSON lines (see ``shared/DESIGN.md`` for the contract).

:func:`entry` is the program's entry point (the ``lytsite-desktop`` script,
``python -m lytsite_desktop``, the bundle); :func:`main` runs one command. It
loads nothing heavy itself: an upload of photos first starts the process its
preview workers are forked from, which loads Pillow on the other core while the
commands (``commands.py``) load on this one. An upload whose first files are no
pictures (documents, archives) leaves that to the first file that wants a
preview, if any does.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from lytsite_desktop.core.platform.collector import collector_paused

__all__ = ["entry", "main"]


def entry() -> int:
    """The program: :func:`main` with the process's arguments; returns the exit status."""
    code = main()
    # What is alive now lives until the process ends. Left to the collector, it is
    # all walked again while the interpreter shuts down (botocore's service models
    # among it): 0.12 s after an upload to a bucket, 0.01 s once set aside.
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``lytsite-desktop --help``); returns the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    with collector_paused():  # loading allocates much and frees little
        if args[:1] == ["upload"] and "--no-previews" not in args:
            from lytsite_desktop.core.previews.pool import prestart

            # Any argument naming a file or folder may be a source (a look, not a parse).
            paths = [a for a in args[1:] if not a.startswith("-") and os.path.exists(a)]
            # Settings and the first files read first (a look of a few milliseconds):
            # the server then loads on the other core from the start.
            prestart(wanted=lambda: _previews_wanted(paths))
        from lytsite_desktop.cli.commands import run
    return run(argv)


def _previews_wanted(paths: list[str]) -> bool:
    """Are previews on in Settings, and is one of the first files a picture, PDF or
    video? (An unreadable settings file: the command says so; until then, as if
    previews were on.)"""
    from lytsite_desktop.core.config.paths import AppPaths
    from lytsite_desktop.core.config.settings import Settings
    from lytsite_desktop.core.previews.claims import first_files_want_workers

    try:
        on = Settings.load(AppPaths.discover().config_file).previews.enabled
    except ValueError:
        on = True
    return on and first_files_want_workers(paths)
