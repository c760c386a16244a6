"""Failure kinds the transfer engine tells apart, each with a plain-language message."""

from __future__ import annotations


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
