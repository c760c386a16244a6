"""`python -m lytsite_desktop` is the same program as `lytsite-desktop`."""

import multiprocessing
import sys

from lytsite_desktop.cli import main

if __name__ == "__main__":  # preview workers are spawned processes: never run main() twice
    multiprocessing.freeze_support()
    sys.exit(main())
