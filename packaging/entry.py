"""The bundle's entry point (PyInstaller runs this file as the program)."""

import multiprocessing
import sys

from lytsite_desktop.cli import entry

if __name__ == "__main__":
    # Preview workers are spawned copies of this program: they must run the worker,
    # never the program a second time.
    multiprocessing.freeze_support()
    sys.exit(entry())
