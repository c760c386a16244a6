"""The banner over the Upload tab's list: which uploads did not finish last time
(and the button that continues them), and which files another window or command
publishes now (the journal is asked again every few seconds while this window
itself publishes nothing)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from lytsite_desktop.core.session import FoundInterrupted
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.gui.upload.status_line import elsewhere_note, interrupted_note

#: How often the journal is asked again (ms).
LOOK_AGAIN_MS = 2000


class InterruptedBanner(QWidget):
    """Hidden until :meth:`tell` has something to say; ``resume`` is what "Resume
    them" does, ``look`` asks the journal again (answered by another tell), not
    while ``busy`` (this window publishing: its own rows tell its story)."""

    def __init__(self, resume: Callable[[], None], look: Callable[[], None],
                 busy: Callable[[], bool], parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.resume_button = QPushButton("Resume them")
        self.resume_button.clicked.connect(resume)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.resume_button)
        #: Files another window or command publishes now (what the status bar says).
        self.elsewhere = 0
        #: Whether the journal has answered once (the window's start).
        self.told = False
        #: Answers to looks up to this one list the uploads a resume has taken.
        self._stale = 0
        self._cut_short = self._theirs = ""
        self._look = QTimer(self)
        self._look.setSingleShot(True)
        self._look.setInterval(LOOK_AGAIN_MS)
        self._look.timeout.connect(lambda: self._look.start() if busy() else look())
        self.hide()

    def tell(self, event: FoundInterrupted, *, offer: bool = True) -> None:
        """Say how many uploads did not finish (``offer``: with the button; not when
        they resume by themselves) and how many another run publishes, of which
        projects (titled as the Gallery tab lists them, in the journal's order)."""
        offer = offer and event.asked > self._stale
        cut_short, theirs = event.records if offer else (), event.elsewhere
        self._cut_short = self._theirs = ""
        if cut_short:
            self._cut_short = interrupted_note(len(cut_short), self._titles(event, cut_short))
        if theirs:
            self._theirs = elsewhere_note(len(theirs), self._titles(event, theirs))
        self.elsewhere, self.told = len(theirs), True
        self._look.start()
        self._show()

    def resumed(self, looks: int) -> None:
        """The uploads cut short are under way (after ``looks`` looks at the journal:
        an answer to one of those is no reason to offer them again); what another
        run does is still said."""
        self._stale = looks
        self._cut_short = ""
        self._show()

    def _show(self) -> None:
        said = [text for text in (self._cut_short, self._theirs) if text]
        self.resume_button.setVisible(bool(self._cut_short))
        self.text.setText("<br>".join(said))
        self.setVisible(bool(said))

    @staticmethod
    def _titles(event: FoundInterrupted, records: tuple[FileRecord, ...]) -> list[str]:
        return list(dict.fromkeys(event.titles.get((r.dest, r.project), r.project)
                                  for r in records))  # fmt: skip
