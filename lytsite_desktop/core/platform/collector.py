"""Python's cyclic garbage collector, paused while lasting objects are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collector passes while the block makes many objects that all live on
    (the app's modules loading, botocore's S3 model): each pass would walk them
    again. The collector is left as it was found, so pauses may nest."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
