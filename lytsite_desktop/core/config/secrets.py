"""Destination secrets in the OS keyring, and a clear refusal when there is none."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lytsite_desktop.core.errors import ConfigError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "lytsite-desktop"

#: What the window and the command line say; each adds the other way it offers.
NO_KEYRING_HELP = (
    "No usable system keyring was found, so secret keys and tokens cannot be kept "
    "safely. On Linux, install and unlock a Secret Service keyring (GNOME Keyring or "
    "KWallet) and try again."
)


class KeyringUnavailable(ConfigError):
    """There is no secure keyring backend (or it is locked); the message says what
    to do, the keyring's own words go to the log."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(NO_KEYRING_HELP)
        if detail:
            log.info("the keyring is not usable: %s", detail)


def _usable_backend() -> KeyringBackend:
    import keyring  # loaded when a secret is needed, not with every command

    backend = keyring.get_keyring()
    # Never fall back silently to a null, failing or plaintext backend.
    names = {type(b).__module__ for b in getattr(backend, "backends", [backend])}
    name = type(backend).__module__
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        raise KeyringUnavailable()
    if any(n.startswith("keyrings.alt") for n in names | {name}):
        raise KeyringUnavailable("plaintext keyring backends are not accepted")
    if getattr(backend, "backends", None) == []:
        raise KeyringUnavailable()
    return backend


def store_secret(destination: str, secret: str) -> None:
    from keyring.errors import KeyringError

    backend = _usable_backend()
    try:
        backend.set_password(SERVICE, destination, secret)
    except KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc


def load_secret(destination: str) -> str | None:
    """The saved secret, or None when nothing is saved.

    Raises KeyringUnavailable when there is no keyring or it cannot be read (locked).
    """
    from keyring.errors import KeyringError

    backend = _usable_backend()
    try:
        return backend.get_password(SERVICE, destination)
    except KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc


def delete_secret(destination: str) -> None:
    from keyring.errors import KeyringError

    try:
        _usable_backend().delete_password(SERVICE, destination)
    except (KeyringUnavailable, KeyringError):
        pass
