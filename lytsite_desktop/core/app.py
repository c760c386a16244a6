"""What every front end needs: paths, settings, the journal, opening destinations."""

from __future__ import annotations

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.destinations.resolve import describe_default, open_destination
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.journal import Journal, JournalError
from lytsite_desktop.core.paths import AppPaths
from lytsite_desktop.core.settings import Settings, TransferSettings


class App:
    """Paths, settings and the journal of this computer (one per process)."""

    def __init__(self) -> None:
        self.paths = AppPaths.discover()
        try:
            self.settings = Settings.load(self.paths.config_file)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        self._journal: Journal | None = None

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
