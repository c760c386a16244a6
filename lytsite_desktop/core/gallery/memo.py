"""What a page drew from each manifest entry, kept for the next drawing of it.

A project's page is drawn again after every burst of files (twice a batch), in
the window's process, from a manifest whose entries are frozen: an entry that
did not change is the very same object the next time. What was drawn from it is
kept while it is, so a page of 5,000 files costs its new files and the joining,
not 5,000 figures again (100-150 ms of Python on the project's machine, holding
the lock the window's event loop needs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from lytsite_desktop.core.publish.entry import ManifestEntry

T = TypeVar("T")


class EntryMemo(Generic[T]):
    """Values drawn from entries, each kept while the very same entry comes back
    (the memo holds the entry, so its ``id`` names no other object meanwhile);
    what one drawing did not ask for is forgotten after it."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[ManifestEntry, T]] = {}
        self._asked: dict[int, tuple[ManifestEntry, T]] = {}

    def get(self, entry: ManifestEntry, draw: Callable[[ManifestEntry], T]) -> T:
        key = id(entry)
        kept = self._kept.get(key)
        if kept is None or kept[0] is not entry:
            kept = (entry, draw(entry))
        self._asked[key] = kept
        return kept[1]

    def settle(self) -> None:
        """The drawing is done: keep what it asked for, nothing else."""
        self._kept, self._asked = self._asked, {}


class Memos(Generic[T]):
    """One memo per kind of drawing (a project's page with its options), lent to
    one drawing at a time (two at once: the second starts from nothing); the
    ``keep`` most recently used are kept."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._memos: dict[Hashable, EntryMemo[T]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def lent(self, key: Hashable) -> Iterator[EntryMemo[T]]:
        with self._lock:
            memo = self._memos.pop(key, None) or EntryMemo()
        yield memo  # a drawing that fails gives nothing back
        memo.settle()
        with self._lock:
            self._memos[key] = memo
            while len(self._memos) > self._keep:
                del self._memos[next(iter(self._memos))]
