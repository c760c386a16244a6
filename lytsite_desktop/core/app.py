"""What every front end needs: paths, settings, the journal, opening destinations."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.redact import redact
from lytsite_desktop.core.config.secrets import delete_secret, store_secret
from lytsite_desktop.core.config.settings import DestinationConfig, Settings, TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.destinations.resolve import (
    DestRef,
    open_destination,
    parse_s3_url,
    validate_dest_url,
)
from lytsite_desktop.core.destinations.signer import SCHEMES
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.gallery.projects import GalleryStore, ProjectRef, list_projects
from lytsite_desktop.core.store.journal import Journal, JournalError


def validate_destination_name(name: str) -> str:
    name = name.strip()
    if not name or name.startswith(("s3:", "file:")) or "/" in name:
        raise ConfigError("a destination name must be a plain word, like 'r2' or 'studio'")
    return name


def validate_public_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")) or " " in url:
        raise ConfigError(
            "the public address must start with https:// (like https://photos.example.com "
            "or https://pub-1234.r2.dev)"
        )
    return url.rstrip("/") + "/"


def gallery_link(config: DestinationConfig | None, dest_ident: str, project: str) -> str | None:
    """The web gallery's address: on the public URL of a saved bucket, or the page
    in a local library folder; None when it is not reachable by a browser."""
    path = quote(f"projects/{project}/index.html")
    if dest_ident.startswith("file://"):
        return f"file://{quote(dest_ident.removeprefix('file://'))}/{path}"
    if config is None or not config.public_url:
        return None
    prefix = parse_s3_url(config.url).prefix if config.url.startswith("s3://") else ""
    return config.public_url + quote(prefix) + path


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

    def default_destination(self) -> DestRef:
        return DestRef.default(self.settings, self.paths)

    def ref(self, spec: str | None) -> DestRef:
        """``--dest`` as typed; none given: the default destination."""
        return DestRef.of(spec, self.paths) if spec else self.default_destination()

    def open(self, ref: DestRef, ts: TransferSettings | None = None) -> Destination:
        """Open a destination and remember how, so `resume` can reopen it."""
        ts = ts or self.settings.transfer
        # Connections kept: one per upload slot and per preview sender, plus the
        # manifest writer, the page and its six assets going up side by side, the
        # unit a destination may start beyond the shared slots, and one spare
        # (fewer, and a new project's first write threw connections away).
        kept = ts.concurrency + self.settings.previews.worker_count + 10
        dest = open_destination(ref, self.settings, self.paths.state_dir, max_connections=kept)
        self.journal.remember_destination(dest.ident, ref.spec)
        return dest

    def find_project(self, project: str, dest: str | None = None) -> ProjectRef:
        """A published project known here, by name (and destination, when the same
        name is published to several). Raises ConfigError with the choices."""
        refs = [r for r in list_projects(self.journal, self.gallery) if r.project == project]
        if dest is not None:
            opened = self.open(self.ref(dest))
            ident = opened.ident
            opened.close()
            refs = [r for r in refs if r.dest == ident] or [ProjectRef(ident, project, 0, "")]
        if not refs:
            raise ConfigError(f"no published project named {project!r} is known here")
        if len({r.dest for r in refs}) > 1:
            places = ", ".join(sorted(r.dest for r in refs))
            raise ConfigError(f"{project!r} is published to several places ({places}): add --dest")
        return refs[0]

    def destination_config(self, ident: str) -> DestinationConfig | None:
        """The saved destination that opened as ``ident``, if any."""
        spec = self.journal.destination_spec(ident)
        return self.settings.destinations.get(spec) if spec else None

    def gallery_links(self, ident: str, projects: Iterable[str]) -> list[str]:
        """The client's pages of these projects at ``ident`` that a browser can open
        (a bucket's only on its public address)."""
        config = self.destination_config(ident)
        return [link for p in projects if (link := gallery_link(config, ident, p))]

    def open_ident(self, ident: str) -> Destination:
        """Reopen a destination known by its ident (as the journal remembers it)."""
        spec = self.journal.destination_spec(ident)
        if spec is None:
            raise ConfigError(f"this computer does not know how to reach {ident}")
        return self.open(DestRef.of(spec, self.paths))

    def save_destination(
        self,
        name: str,
        url: str,
        *,
        access_key_id: str | None = None,
        secret: str | None = None,
        default: bool = False,
        public_url: str | None = None,
        token: str | None = None,
    ) -> DestinationConfig:
        """Save a destination; its secret (an upload server's ``token``) goes to the
        OS keyring, never the config file.

        An s3:// destination without a key pair uses the standard AWS_* variables
        (or profile) at upload time, an upload server without a token
        LYTSITE_SIGNER_TOKEN. Editing a saved destination with its key ID and no
        secret keeps the saved secret. Raises ConfigError with a plain message.
        """
        name = validate_destination_name(name)
        validate_dest_url(url)
        config = DestinationConfig(name=name, url=url, public_url=validate_public_url(public_url))
        existing = self.settings.destinations.get(name)
        had_secret = existing is not None and existing.keyring_secret
        signed = url.startswith(SCHEMES)
        token = token or (secret if signed else None)  # an upload server's secret is its token
        if url.startswith("s3://") and (access_key_id or secret):
            if not access_key_id or not (secret or had_secret):
                raise ConfigError("both an access key ID and a secret access key are needed")
            if secret:
                _keep(name, secret)
            config.access_key_id = access_key_id
            config.keyring_secret = True
        elif signed and token:
            _keep(name, token)
            config.keyring_secret = True
        elif signed and had_secret:  # edited without typing the token again: it stays
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


def _keep(name: str, secret: str) -> None:
    """A destination's secret (or token) into the keyring, and out of every log."""
    redact.remember(secret)
    store_secret(name, secret)  # KeyringUnavailable is a ConfigError
