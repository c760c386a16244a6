"""Failure kinds the transfer engine tells apart, each with a plain-language message;
and what a disk's refusal means, in a photographer's words."""

from __future__ import annotations

import errno


class TransferError(Exception):
    """Base class. ``str(err)`` is written for a photographer, not a developer."""


class TransientError(TransferError):
    """Worth retrying: a reset connection, a timeout, a 5xx, a SlowDown."""

    def __init__(self, message: str, *, network: bool = False, patient: bool = False) -> None:
        super().__init__(message)
        #: True when the network itself looks down (shows "waiting for network").
        self.network = network
        #: Waited out for as long as it takes, as the network is, though the file
        #: shows "retrying" and why: something the photographer can mend (a full disk).
        self.patient = patient


class PermanentError(TransferError):
    """Retrying will not help: bad keys, no bucket, access denied."""


class UploadGoneError(TransferError):
    """The store no longer knows this multipart upload id (expired or aborted)."""


class DigestMismatchError(TransferError):
    """The store saw different bytes than we hashed: the file changed while being read."""


class PreconditionFailed(TransferError):
    """A conditional write lost: another writer changed the object since it was read."""


class SourceChangedError(TransferError):
    """The source file changed since its upload began; the upload starts over."""


class Interrupted(Exception):
    """A transfer was stopped on purpose (pause, cancel, shutdown). Not a failure."""


class ConfigError(Exception):
    """Bad usage or configuration (exit status 2)."""


#: What a disk's refusal means, in a photographer's words (the log has the rest).
_DISK_WORDS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk is full",
    errno.ENOTDIR: "a file is in the way of one of its folders",
    errno.EEXIST: "a file is in the way of one of its folders",
    errno.EACCES: "this account may not write there",
    errno.EPERM: "this account may not write there",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "the folder or its disk is gone",
    errno.EIO: "the disk could not be read or written",
}


def disk_words(exc: OSError) -> str:
    """Why the disk refused, for a photographer ("the disk is full")."""
    return _DISK_WORDS.get(exc.errno or 0, "the system refused")
