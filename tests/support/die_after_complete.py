"""Run the CLI, but SIGKILL the process right after a multipart upload completes on
the server and before the journal hears of it: the crash window resume must detect."""

import os
import signal
import sys

from lytsite_desktop.cli import main
from lytsite_desktop.core.destinations.s3 import S3Destination

_complete = S3Destination.complete_multipart


def _complete_then_die(self, key, upload_id, parts):  # type: ignore[no-untyped-def]
    _complete(self, key, upload_id, parts)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":  # preview workers are spawned from this module: run once
    S3Destination.complete_multipart = _complete_then_die  # type: ignore[method-assign]
    sys.exit(main())
