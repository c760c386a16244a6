"""The one question asked before anything is deleted from a bucket."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_to_delete(
    parent: QWidget, title: str, text: str, details: str,
    answered: Callable[[bool], None],
) -> QMessageBox:  # fmt: skip
    """A window-modal warning with Cancel (the default) and Delete; ``answered``
    gets whether Delete was chosen. Returns the open box."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Cancel)
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _code: answered(box.clickedButton() is delete))
    box.open()
    return box
