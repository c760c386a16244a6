"""What the Upload tab says once a publish is finished: how it went, and the
client's page (the link, Copy link, Open in browser), or where to get a link;
Show in Gallery opens the project there. It stays until the next publish or Dismiss."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from lytsite_desktop.gui.gallery.linkrow import LinkRow

#: Said when a bucket's page has no address a browser can open.
NO_LINK = "Set the destination's public address in Settings to get a link to share."


class PublishedBanner(QWidget):
    """``show_gallery(dest, project)`` when the photographer asks to see it there;
    ``note(text)``: a sentence for the status line (the link is copied)."""

    show_gallery = Signal(str, str)
    note = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.link = LinkRow()
        self.link.note.connect(self.note)
        self._project = ("", "")  # the destination's ident and the project shown
        self.gallery_button = QPushButton("Show in Gallery")
        self.gallery_button.clicked.connect(lambda: self.show_gallery.emit(*self._project))
        self.dismiss_button = QPushButton("Dismiss")  # not "Hide": that is a photo's, for clients
        self.dismiss_button.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addWidget(self.text, 1)
        buttons.addWidget(self.gallery_button)
        buttons.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.link)
        self.hide()

    def tell(self, text: str, dest: str, projects: tuple[str, ...], link: str | None) -> None:
        """``text``: how the publish went; ``projects``: where its files are (one: its
        page's ``link``, None when a browser cannot open it)."""
        one = len(projects) == 1
        if one and link is None and not dest.startswith("file://"):
            text = f"{text}. {NO_LINK}"
        self.text.setText(text)
        self._project = (dest, projects[0]) if one else ("", "")
        self.gallery_button.setVisible(one)
        self.link.show_link(link if one else None)
        self.show()
