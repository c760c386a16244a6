"""`python -m lytsite_desktop` is the same program as `lytsite-desktop`."""

import sys

from lytsite_desktop.cli import main

sys.exit(main())
