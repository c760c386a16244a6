"""At the window's start: galleries past their last day. Their pages already say
they have expired and offer nothing; the photographer is asked whether to take
the photos off those pages (every file hidden, reversible from the Gallery tab)
or to delete them from the bucket (after a second question naming the size)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from lytsite_desktop.core.app import App
from lytsite_desktop.core.curation import edits
from lytsite_desktop.core.curation.deletions import carry_out
from lytsite_desktop.core.curation.expiry import expired, expired_line
from lytsite_desktop.core.curation.place import Place, change
from lytsite_desktop.core.curation.plans import DeletionPlan, plan_delete
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.gallery.projects import ProjectRef
from lytsite_desktop.core.publish.manifest import read
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.gallery.confirm import ask_to_delete

log = logging.getLogger(__name__)


class ExpiredOffer(QObject):
    #: A sentence for the status line.
    note = Signal(str)
    #: Projects changed or deleted: the list of projects is out of date.
    changed = Signal()

    def __init__(self, app: App, background: Background, parent: QWidget) -> None:
        super().__init__(parent)
        self.app, self.background, self.parent_widget = app, background, parent
        self.question: QMessageBox | None = None  # the open question, if any
        self.refs: list[ProjectRef] = []

    def check(self) -> None:
        """Look (off the GUI thread) for expired galleries; ask if there are any."""
        self.background.run(lambda: expired(self.app.gallery.known()), done=self._ask,
                            failed=lambda exc: log.warning("expiry check: %s", exc))  # fmt: skip

    def _ask(self, refs: list[ProjectRef]) -> None:
        if not refs:
            return
        self.refs = refs
        one = len(refs) == 1
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Expired galleries")
        box.setText(
            ("This gallery has" if one else f"{len(refs)} galleries have")
            + " passed the last day you set. "
            + ("Its page says" if one else "Their pages say")
            + " so and offer nothing to download."
        )
        box.setInformativeText("\n".join(expired_line(r) for r in refs))
        hide = box.addButton("Take the photos off", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Delete…", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        self.question = box

        def answered() -> None:
            self.question = None
            if box.clickedButton() is hide:
                self._hide(refs)
            elif box.clickedButton() is delete:
                self._plan(refs)

        box.finished.connect(answered)
        box.open()

    def _hide(self, refs: list[ProjectRef]) -> None:
        def work() -> None:
            for ref in refs:
                destination = self.app.open_ident(ref.dest)
                try:
                    paths = list(read(destination, ref.project).manifest.files)
                    place = Place(destination, self.app.journal, self.app.gallery)
                    change(place, ref.project, [edits.set_hidden(paths, True)])
                finally:
                    destination.close()

        said = "The photos are off the expired pages (show them again from the Gallery tab)."
        self._run(work, said)

    def _plan(self, refs: list[ProjectRef]) -> None:
        def work() -> list[tuple[ProjectRef, DeletionPlan]]:
            plans = []
            for ref in refs:
                destination = self.app.open_ident(ref.dest)
                try:
                    plans.append((ref, plan_delete(destination, ref.project)))
                finally:
                    destination.close()
            return plans

        self.note.emit("Looking up what to delete…")
        self.background.run(work, done=self._confirm, failed=self._failed)

    def _confirm(self, plans: list[tuple[ProjectRef, DeletionPlan]]) -> None:
        self.note.emit("")
        files = sum(len(p.items) for _, p in plans)
        size = sum(p.size for _, p in plans)
        several = f" of {len(plans)} galleries" if len(plans) > 1 else ""

        def answered(delete: bool) -> None:
            self.question = None
            if not delete:
                self.note.emit("Nothing was deleted.")
                return

            def work() -> None:
                for ref, plan in plans:
                    destination = self.app.open_ident(ref.dest)
                    try:
                        carry_out(Place(destination, self.app.journal, self.app.gallery), plan)
                    finally:
                        destination.close()

            self._run(work, f"Deleted {files} files ({format_size(size)}).")

        self.question = ask_to_delete(
            self.parent_widget, "Delete expired galleries",
            f"Delete {files} files ({format_size(size)}){several} from the bucket? "
            "This cannot be undone.",
            "\n".join(expired_line(ref) for ref, _ in plans), answered,
        )  # fmt: skip

    def _run(self, work: Callable[[], None], said: str) -> None:
        self.note.emit("Saving…")

        def finished(_: object) -> None:
            self.note.emit(said)
            self.changed.emit()

        self.background.run(work, done=finished, failed=self._failed)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, TransferError | ConfigError):
            self.note.emit(f"Nothing more was changed: {str(exc).strip().rstrip('.')}.")
        else:
            log.error("the expired galleries could not be changed", exc_info=exc)
            self.note.emit("Nothing more was changed: something went wrong; the log has the "
                           "details.")  # fmt: skip
