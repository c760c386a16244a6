"""What every front end needs: paths, settings, the journal, opening destinations."""

from __future__ import annotations

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.destinations.resolve import (
    describe_default,
    open_destination,
    validate_dest_url,
)
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.journal import Journal, JournalError
from lytsite_desktop.core.paths import AppPaths
from lytsite_desktop.core.projects import GalleryStore
from lytsite_desktop.core.secrets import KeyringUnavailable, delete_secret, store_secret
from lytsite_desktop.core.settings import DestinationConfig, Settings, TransferSettings


def validate_destination_name(name: str) -> str:
    name = name.strip()
    if not name or name.startswith(("s3:", "file:")) or "/" in name:
        raise ConfigError("a destination name must be a plain word, like 'r2' or 'studio'")
    return name


class App:
    """Paths, settings and the journal of this computer (one per process)."""

    def __init__(self) -> None:
        self.paths = AppPaths.discover()
        try:
            self.settings = Settings.load(self.paths.config_file)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        self._journal: Journal | None = None
        self.gallery = GalleryStore(self.paths.cache_dir)

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            try:
                self._journal = Journal(self.paths.journal_file)
            except JournalError as exc:
                raise ConfigError(str(exc)) from exc
        return self._journal

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()

    def open(self, spec: str | None, ts: TransferSettings) -> Destination:
        """Open DEST (default if None) and remember how, so `resume` can reopen it."""
        spec = spec or describe_default(self.settings, self.paths)
        dest = open_destination(spec, self.settings, self.paths, max_connections=ts.concurrency + 4)
        self.journal.remember_destination(dest.ident, spec)
        return dest

    def save_destination(
        self,
        name: str,
        url: str,
        *,
        access_key_id: str | None = None,
        secret: str | None = None,
        default: bool = False,
    ) -> DestinationConfig:
        """Save a destination; its secret goes to the OS keyring, never the config file.

        An s3:// destination without a key pair uses the standard AWS_* variables
        (or profile) at upload time. Editing a saved destination with its key ID and
        no secret keeps the saved secret. Raises ConfigError with a plain message.
        """
        name = validate_destination_name(name)
        validate_dest_url(url)
        config = DestinationConfig(name=name, url=url)
        existing = self.settings.destinations.get(name)
        had_secret = existing is not None and existing.keyring_secret
        if url.startswith("s3://") and (access_key_id or secret):
            if not access_key_id or not (secret or had_secret):
                raise ConfigError("both an access key ID and a secret access key are needed")
            if secret:
                try:
                    store_secret(name, secret)
                except KeyringUnavailable as exc:
                    raise ConfigError(str(exc)) from exc
            config.access_key_id = access_key_id
            config.keyring_secret = True
        elif had_secret:
            delete_secret(name)  # edited to use the environment's keys: forget the old one
        self.settings.destinations[name] = config
        if default:
            self.settings.default_destination = name
        self.settings.save(self.paths.config_file)
        return config

    def remove_destination(self, name: str) -> None:
        if name not in self.settings.destinations:
            raise ConfigError(f"no saved destination named {name!r}")
        del self.settings.destinations[name]
        if self.settings.default_destination == name:
            self.settings.default_destination = None
        delete_secret(name)
        self.settings.save(self.paths.config_file)
