"""Run the CLI as on a computer where CRC-32C has no C implementation (or as the
versions before it did): parts carry CRC-32 instead."""

import sys

from lytsite_desktop.cli import main
from lytsite_desktop.core.destinations import s3_location

if __name__ == "__main__":  # preview workers are spawned from this module: run once
    s3_location.fast_crc32c = lambda: False  # type: ignore[assignment]
    sys.exit(main())
