"""The command line: the same publishing service as the window, with terminal progress
or JSON lines (see ``shared/DESIGN.md`` for the contract)."""

from lytsite_desktop.cli.main import main

__all__ = ["main"]
