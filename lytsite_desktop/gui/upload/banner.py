"""The banner over the Upload tab's list after a crash: which uploads did not
finish last time, and the button that continues them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from lytsite_desktop.core.session import FoundInterrupted
from lytsite_desktop.gui.upload.status_line import interrupted_note


class InterruptedBanner(QWidget):
    """Hidden until :meth:`tell`; ``resume`` is what "Resume them" does."""

    def __init__(self, resume: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel()
        self.resume_button = QPushButton("Resume them")
        self.resume_button.clicked.connect(resume)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.resume_button)
        self.hide()

    def tell(self, event: FoundInterrupted) -> None:
        """Show how many uploads, of which projects (titled as the Gallery tab
        lists them, in the order the journal names them)."""
        titles = dict.fromkeys(event.titles.get((r.dest, r.project), r.project)
                               for r in event.records)  # fmt: skip
        self.text.setText(interrupted_note(len(event.records), list(titles)))
        self.show()
