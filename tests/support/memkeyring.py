"""An in-memory keyring backend for tests (never used by the app itself)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        #: The threads that wrote or deleted, to check the GUI thread never waits on a keyring.
        self.writers: set[str] = set()

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writers.add(threading.current_thread().name)
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.writers.add(threading.current_thread().name)
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)
