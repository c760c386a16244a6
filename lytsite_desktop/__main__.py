"""`python -m lytsite_desktop` is the same program as `lytsite-desktop`."""

import multiprocessing
import sys

from lytsite_desktop.cli import entry

if __name__ == "__main__":  # preview workers are spawned processes: never run the program twice
    multiprocessing.freeze_support()
    sys.exit(entry())
