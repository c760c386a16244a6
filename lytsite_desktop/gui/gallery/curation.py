"""The Gallery tab's changes to a published project: its title, its cover, hidden
files, the order, downloads on or off, the last day it is open, taking files
back, and deleting the old versions the page no longer shows (both after a
confirmation that names them).

Every change reaches the bucket off the GUI thread; the project is then shown
again from the manifest that was written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TypeVar

from PySide6.QtCore import QDate, QObject, QPoint, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App
from lytsite_desktop.core.curation import edits
from lytsite_desktop.core.curation.deletions import carry_out
from lytsite_desktop.core.curation.place import Place, change
from lytsite_desktop.core.curation.plans import DeletionPlan, plan_prune, plan_remove
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.gallery.layout import long_date, title_of
from lytsite_desktop.core.gallery.projects import GalleryItem, ProjectRef
from lytsite_desktop.core.publish.manifest import Manifest, Op
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.gallery.confirm import ask_to_delete

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Files named in the confirmation before "and N more".
LISTED = 12


class Curation(QObject):
    """Owns the title row and the photos' context menu of the Gallery tab."""

    #: The project changed in the bucket: show this manifest, then say this.
    changed = Signal(object, str)
    #: A sentence for the status line.
    note = Signal(str)
    #: "Client's selection…" was pressed.
    selection_wanted = Signal()

    def __init__(self, app: App, background: Background, parent: QWidget) -> None:
        super().__init__(parent)
        self.app, self.background, self.parent_widget = app, background, parent
        self.ref: ProjectRef | None = None
        self.manifest: Manifest | None = None
        self._busy = False
        self.confirmation: QMessageBox | None = None  # the open "Remove…" question

        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title the client sees")
        self.title_edit.setPlaceholderText("The title your client sees")
        self.title_edit.textEdited.connect(self._title_edited)
        self.title_edit.returnPressed.connect(self.save_title)
        self.save_button = QPushButton("Save title")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_title)
        self.downloads = QCheckBox("Downloads")
        self.downloads.setToolTip("Your client can download the originals (and web-size copies).")
        self.downloads.clicked.connect(self._downloads_clicked)
        self.expires = QCheckBox("Open until")
        self.expires.setToolTip("After this day the page says the gallery has expired.")
        self.expires.clicked.connect(self._expiry_changed)
        self.expiry_date = QDateEdit()
        self.expiry_date.setCalendarPopup(True)
        self.expiry_date.setDisplayFormat("d MMMM yyyy")
        self.expiry_date.setAccessibleName("Last day the gallery is open")
        self.expiry_date.editingFinished.connect(self._expiry_changed)
        self.selection_button = QPushButton("Client's selection…")
        self.selection_button.setToolTip("Paste the list of file names your client sent.")
        self.selection_button.clicked.connect(self.selection_wanted)
        self.prune_button = QPushButton("Delete old versions…")
        self.prune_button.setToolTip(
            "A photo exported again, or a new watermark, replaces what your client sees; "
            "the earlier files stay in your bucket until you delete them here."
        )
        self.prune_button.clicked.connect(self.prune)
        self.row = QWidget()
        rows = QVBoxLayout(self.row)
        rows.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Title"))
        row.addWidget(self.title_edit, 1)
        row.addWidget(self.save_button)
        page = QHBoxLayout()
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(QLabel("Client's page:"))
        for widget in (self.downloads, self.expires, self.expiry_date):
            page.addWidget(widget)
        page.addStretch(1)
        page.addWidget(self.selection_button)
        page.addWidget(self.prune_button)
        rows.addLayout(row)
        rows.addLayout(page)
        self.row.hide()

    @property
    def busy(self) -> bool:
        """A change is on its way to the bucket (or a question about one is open):
        another waits, and the buttons that would start one say so by greying."""
        return self._busy

    @busy.setter
    def busy(self, on: bool) -> None:
        self._busy = on
        self.prune_button.setEnabled(not on)

    def show_project(self, ref: ProjectRef, manifest: Manifest) -> None:
        self.ref, self.manifest = ref, manifest
        if not self.title_edit.hasFocus() or not self.save_button.isEnabled():
            self.title_edit.setText(title_of(manifest))
            self.save_button.setEnabled(False)
        self._show_page_settings(manifest)
        self.row.show()

    def _show_page_settings(self, manifest: Manifest) -> None:
        self.downloads.setChecked(manifest.downloads is not False)
        self.expires.setChecked(manifest.expires is not None)
        day = date.fromisoformat(manifest.expires) if manifest.expires else None
        shown = day or date.today() + timedelta(days=30)
        self.expiry_date.setDate(QDate(shown.year, shown.month, shown.day))
        self.expiry_date.setEnabled(day is not None)

    def _title_edited(self, text: str) -> None:
        current = title_of(self.manifest) if self.manifest else ""
        self.save_button.setEnabled(bool(text.strip()) and text.strip() != current)

    # -- changes ------------------------------------------------------------------------

    def save_title(self) -> None:
        text = self.title_edit.text().strip()
        if text and self.save_button.isEnabled():
            self.save_button.setEnabled(False)
            self._change([edits.set_title(text)], f"The title is now “{edits.clean_title(text)}”.")

    def _downloads_clicked(self, on: bool) -> None:
        said = ("Your client can download the photos." if on
                else "Downloads are off: the page offers none and links no original.")  # fmt: skip
        self._change([edits.set_downloads(on)], said)

    def _expiry_changed(self) -> None:
        on = self.expires.isChecked()
        self.expiry_date.setEnabled(on)
        shown = self.expiry_date.date()
        day = date(shown.year(), shown.month(), shown.day()) if on else None
        current = self.manifest.expires if self.manifest else None
        if (day.isoformat() if day else None) == current:
            return
        said = f"Open until {long_date(day.isoformat())}." if day else "The gallery stays open."
        self._change([edits.set_expiry(day)], said)

    def set_cover(self, item: GalleryItem) -> None:
        self._change([edits.set_cover(item.entry.path)], f"{item.entry.fileName} is the cover.")

    def set_hidden(self, items: Sequence[GalleryItem], hidden: bool) -> None:
        paths = [i.entry.path for i in items]
        what = _count(len(paths)) if len(paths) > 1 else items[0].entry.fileName
        said = "hidden from your client's page" if hidden else "shown on your client's page"
        self._change([edits.set_hidden(paths, hidden)], f"{what}: {said}.")

    def move(self, item: GalleryItem, offset: int) -> None:
        where = "earlier" if offset < 0 else "later"
        self._change([edits.move(item.entry.path, offset)], f"{item.entry.fileName} moved {where}.")

    def _change(self, ops: list[Op], said: str) -> None:
        ref = self.ref
        if ref is None:
            return
        self._in_bucket(
            ref,
            lambda place: change(place, ref.project, ops),
            done=lambda manifest: self._changed(manifest, said),
            doing="Saving…",
        )

    def _changed(self, manifest: Manifest, said: str) -> None:
        self.manifest = manifest
        self.title_edit.setText(title_of(manifest))
        self._show_page_settings(manifest)
        self.changed.emit(manifest, said)

    # -- taking back ----------------------------------------------------------------------

    def remove(self, items: Sequence[GalleryItem]) -> None:
        """List what would be deleted (from the bucket), ask, then delete."""
        ref = self.ref
        if ref is None or not items:
            return
        paths = [i.entry.path for i in items]
        self._in_bucket(
            ref,
            lambda place: plan_remove(place.destination, ref.project, paths),
            done=self._confirm,
            doing="Looking up what to delete…",
        )

    def _confirm(self, plan: DeletionPlan) -> None:
        what = f"{_count(len(plan.items))} ({format_size(plan.size)})"
        self._ask(plan, "Remove from the gallery",
                  f"Delete {what} from the bucket and from your client's page? "
                  "This cannot be undone.", what, f"Deleted {what}.")  # fmt: skip

    def prune(self) -> None:
        """List what the project's page no longer shows (earlier versions of photos
        published again, previews made again, files given up on), ask, delete."""
        ref = self.ref
        if ref is None or self.busy:
            return
        self._in_bucket(
            ref,
            lambda place: plan_prune(place.destination, ref.project, self.app.journal),
            done=self._confirm_prune,
            doing="Looking for old versions…",
        )

    def _confirm_prune(self, plan: DeletionPlan) -> None:
        recent = (
            f" {plan.left_alone} recent file{'s' if plan.left_alone != 1 else ''} not in the "
            "gallery yet stay (another computer may be publishing them)."
            if plan.left_alone else ""
        )  # fmt: skip
        if not plan.items:
            said = "No old versions: your bucket holds only what the gallery shows." + recent
            if plan.retired:  # their files are gone already: the manifest forgets them
                self._delete(plan, said)
            else:
                self.note.emit(said)
            return
        what = f"{_versions(len(plan.items))} ({format_size(plan.size)})"
        self._ask(plan, "Delete old versions",
                  f"Delete {what} from the bucket? Your client's page does not show them. "
                  "This cannot be undone.", what, f"Deleted {what}.{recent}")  # fmt: skip

    def _ask(self, plan: DeletionPlan, title: str, question: str, what: str, said: str) -> None:
        """The confirmation naming what ``plan`` deletes (``what``, in a few words,
        on the status line meanwhile); ``said`` once deleted."""
        self.busy = True  # until answered: nothing else starts meanwhile
        self.note.emit(f"Found {what} to delete: waiting for your answer.")
        lines = plan.lines()
        shown = "\n".join(lines[:LISTED])
        if len(lines) > LISTED:
            shown += f"\n… and {len(lines) - LISTED} more"

        def answered(delete: bool) -> None:
            self.confirmation = None
            self.busy = False
            if delete:
                self._delete(plan, said)
            else:
                self.note.emit("Nothing was deleted.")

        self.confirmation = ask_to_delete(self.parent_widget, title, question, shown, answered)

    def _delete(self, plan: DeletionPlan, said: str) -> None:
        ref = self.ref
        if ref is None:
            return

        def work(place: Place) -> Manifest | None:
            carry_out(place, plan)
            return place.gallery.manifest(ref.dest, ref.project)

        self._in_bucket(
            ref, work, done=lambda m: self._changed(m, said) if m else None, doing="Deleting…",
            failed="The deletion stopped ({}). It is recorded: the app finishes it when it "
                   "next starts.",
        )  # fmt: skip

    # -- the menu -------------------------------------------------------------------------

    def menu(self, items: Sequence[GalleryItem], where: QPoint) -> QMenu:
        """The context menu of one file, or of the selected files."""
        menu = QMenu(self.parent_widget)
        one = items[0] if len(items) == 1 else None
        if one is not None:
            cover = menu.addAction("Use as cover")
            cover.setEnabled(one.entry.thumb is not None)
            cover.triggered.connect(lambda: self.set_cover(one))
        if any(not i.entry.hidden for i in items):
            menu.addAction("Hide from the client's page").triggered.connect(
                lambda: self.set_hidden(items, True)
            )
        if any(i.entry.hidden for i in items):
            menu.addAction("Show on the client's page").triggered.connect(
                lambda: self.set_hidden(items, False)
            )
        if one is not None:
            manifest = self.manifest
            for text, offset in (("Move earlier", -1), ("Move later", 1)):
                act = menu.addAction(text)
                # The first of its section cannot go earlier, nor the last later.
                act.setEnabled(manifest is not None
                               and edits.can_move(manifest, one.entry.path, offset))  # fmt: skip
                act.triggered.connect(lambda _=False, o=offset: self.move(one, o))
        menu.addSeparator()
        label = "Remove from the gallery…" if one else f"Remove {_count(len(items))}…"
        menu.addAction(label).triggered.connect(lambda: self.remove(items))
        for action in menu.actions():
            action.setEnabled(action.isEnabled() and not self.busy)
        if not where.isNull():
            menu.popup(where)
        return menu

    # -- plumbing ----------------------------------------------------------------------------

    def _in_bucket(
        self, ref: ProjectRef, work: Callable[[Place], T], *, done: Callable[[T], None],
        doing: str, failed: str = "Nothing was changed: {}.",
    ) -> None:  # fmt: skip
        """Run ``work`` off the GUI thread with the project's destination open;
        ``failed`` says what a failure means ({} gets the reason)."""
        self.busy = True
        self.note.emit(doing)

        def run() -> T:
            destination = self.app.open_ident(ref.dest)
            try:
                return work(Place(destination, self.app.journal, self.app.gallery))
            finally:
                destination.close()

        def finished(result: T) -> None:
            self.busy = False
            done(result)

        def broke(exc: BaseException) -> None:
            self.busy = False
            if isinstance(exc, TransferError | ConfigError):
                self.note.emit(failed.format(_plain(exc)))
            else:
                log.error("changing the gallery failed", exc_info=exc)
                self.note.emit(failed.format("something went wrong; the log has the details"))

        self.background.run(run, done=finished, failed=broke)


def _count(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def _versions(n: int) -> str:
    return f"{n} old version{'s' if n != 1 else ''}"


def _plain(exc: BaseException) -> str:
    return str(exc).strip().rstrip(".")
