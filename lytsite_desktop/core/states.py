"""The one vocabulary of file states, and the moves between them.

Every front end (the window's queue, the terminal, ``--json``, ``status``) and the
journal speak these words; nothing else names a file's state.

::

    READY ─▶ QUEUED ─▶ HASHING ─▶ MAKING PREVIEW ─▶ UPLOADING ─▶ LISTING ─▶ PUBLISHED
                 │          ▲  └──────── (any order; both halves run side by side) ┘
                 │          └── RETRYING / WAITING FOR NETWORK (a transient failure)
                 ├─▶ PAUSED ─▶ (back where it was)
                 └─▶ FAILED / CANCELLED          (any unfinished state can end so)
    PUBLISHED, FAILED, CANCELLED ─▶ QUEUED        (published again, retried)

- READY exists only in a window: a dropped file not handed to the engine yet.
- A file has two halves that run side by side: its original (:class:`Original`)
  and its preview and thumbnail (:class:`Preview`). It is shown as UPLOADING
  while its original moves, MAKING PREVIEW while only the preview is left.
- LISTING: both halves are up and the project's manifest entry naming them is
  being written. A file counts as PUBLISHED only once that entry is durable, so a
  crash before it leaves the file to ``resume``, never half-listed.
- The journal stores the states a crash must survive (:data:`STORED`); a stored
  QUEUED or UPLOADING row that no running process holds is *interrupted*.
"""

from __future__ import annotations

import logging
from enum import Enum, StrEnum

log = logging.getLogger(__name__)


class FileState(StrEnum):
    READY = "ready"
    QUEUED = "queued"
    HASHING = "hashing"
    MAKING_PREVIEW = "making preview"
    UPLOADING = "uploading"
    LISTING = "listing"
    PAUSED = "paused"
    RETRYING = "retrying"
    WAITING_FOR_NETWORK = "waiting for network"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def label(self) -> str:
        """The words a photographer reads."""
        return _LABELS.get(self, self.value)


_LABELS = {
    FileState.READY: "ready to publish",
    FileState.LISTING: "adding to the gallery",
}

FINAL = frozenset({FileState.PUBLISHED, FileState.FAILED, FileState.CANCELLED})
#: Something is happening to the file (a worker holds it, or it waits on the network).
WORKING = frozenset(
    {
        FileState.HASHING,
        FileState.MAKING_PREVIEW,
        FileState.UPLOADING,
        FileState.RETRYING,
        FileState.WAITING_FOR_NETWORK,
    }
)
#: Nothing of the file moves until its retry gets through, or it is resumed: no
#: speed to speak of.
STALLED = frozenset({FileState.WAITING_FOR_NETWORK, FileState.RETRYING, FileState.PAUSED})
#: The states a speed and time left are shown for (a file's row, its terminal bar,
#: the whole while any file is in one): only while its bytes leave. Stalled files
#: send nothing; one being added to the gallery has sent all it had.
SHOWS_SPEED = frozenset({FileState.UPLOADING})
#: What the journal records (the states a crash must survive).
STORED = frozenset(
    {
        FileState.QUEUED,
        FileState.UPLOADING,
        FileState.PUBLISHED,
        FileState.FAILED,
        FileState.CANCELLED,
    }
)
#: Stored states of a file that is not finished: what ``resume`` picks up.
UNFINISHED = (FileState.QUEUED.value, FileState.UPLOADING.value)

_UNDERWAY = WORKING | {FileState.QUEUED, FileState.LISTING, FileState.PAUSED}
#: Every allowed move. A final state only leaves for QUEUED (published again, retried).
TRANSITIONS: dict[FileState, frozenset[FileState]] = {
    FileState.READY: frozenset({FileState.QUEUED}),
    **{s: frozenset((_UNDERWAY | FINAL) - {s}) for s in _UNDERWAY},
    **{s: frozenset({FileState.QUEUED}) for s in FINAL},
}


def allowed(old: FileState, new: FileState) -> bool:
    return old == new or new in TRANSITIONS[old]


def checked(old: FileState, new: FileState, what: str) -> bool:
    """``allowed``, logging a move the machine does not have (a bug) as an error."""
    if allowed(old, new):
        return True
    log.error("invalid state transition of %s: %s -> %s", what, old.value, new.value)
    return False


class Original(Enum):
    """How far a file's original has come (the engine's half of the file)."""

    NEW = "new"  # waiting to be prepared
    PREPARING = "preparing"  # hashing, checking, creating the upload
    PARTS = "parts"  # multipart: parts being sent
    COMPLETING = "completing"
    UP = "up"  # the original is in the store
    FINISHED = "finished"  # the file reached a final state


class Preview(Enum):
    """Where a file's preview and thumbnail are."""

    TO_MAKE = "to make"  # waiting for an ingest thread
    TO_SEND = "to send"  # made (or cached), waiting for a sender
    SENDING = "sending"
    SETTLED = "settled"  # published, or there are none (the note says why)
