"""Destination secrets in the OS keyring, and a clear refusal when there is none."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "lytsite-desktop"

NO_KEYRING_HELP = (
    "No usable system keyring was found, so the secret key cannot be stored safely. "
    "On Linux, install and unlock a Secret Service keyring (GNOME Keyring or KWallet) "
    "and try again. Alternatively, save the destination with --env-credentials and "
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead."
)


class KeyringUnavailable(Exception):
    """There is no secure keyring backend; the message says what to do."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(NO_KEYRING_HELP + (f" ({detail})" if detail else ""))


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
