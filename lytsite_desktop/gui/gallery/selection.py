"""The client's selection, pasted back: the names a client copied or mailed from
the page, matched against the project shown; those photos selected in the
Gallery tab, and their Lightroom filter one click away."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.curation.selection import Matched, lightroom_filter, match
from lytsite_desktop.core.publish.entry import ManifestEntry

#: Names listed as "not in this gallery" before "and N more".
LISTED = 8


class SelectionDialog(QDialog):
    def __init__(
        self, entries: Sequence[ManifestEntry], select: Callable[[list[str]], None],
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Your client's selection")
        self.entries, self.select = list(entries), select
        self.matched = Matched([], [])
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("The client's list of file names")
        self.text.setPlaceholderText(
            "Paste the list your client sent (one file name per line, or separated by commas)."
        )
        self.text.textChanged.connect(self._matched)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.select_button = QPushButton("Select these photos")
        self.copy_button = QPushButton("Copy Lightroom filter")
        self.copy_button.setToolTip(
            "File names for Lightroom's Library Filter: Text, Filename, Contains."
        )
        for button in (self.select_button, self.copy_button):
            button.setEnabled(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.select_button.clicked.connect(self._select)
        self.copy_button.clicked.connect(self._copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(520, 380)

    def _matched(self) -> None:
        self.matched = m = match(self.text.toPlainText(), self.entries)
        found = len(m.found)
        words = [f"{found} photo{'s' if found != 1 else ''} found in this gallery."]
        if m.missing:
            shown = ", ".join(m.missing[:LISTED])
            more = f" and {len(m.missing) - LISTED} more" if len(m.missing) > LISTED else ""
            words.append(f"Not in this gallery: {shown}{more}.")
        self.summary.setText(" ".join(words) if self.text.toPlainText().strip() else "")
        for button in (self.select_button, self.copy_button):
            button.setEnabled(found > 0)

    def _select(self) -> None:
        self.select([e.fileId for e in self.matched.found])
        found = len(self.matched.found)
        self.summary.setText(f"{found} photo{'s' if found != 1 else ''} selected in the gallery.")

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(lightroom_filter(self.matched.found))
        self.summary.setText(
            "Copied. In Lightroom: Library Filter, Text, Filename, Contains, then paste."
        )
