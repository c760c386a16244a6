"""The first-run welcome: what the app does, that it works at once into a library
on this computer, and the way to connect a bucket."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

TEXT = """
<h1>Welcome to lytsite-desktop</h1>
<p style="font-size: 12pt">Publish photo folders to your own storage, and share a fast gallery
of them.</p>
<ol>
<li><b>Drop folders of photos (and videos, PDFs) here.</b> Every original is kept byte for
byte, for your client to download; each photo also gets a fast WebP preview (1800 px) and a
thumbnail for viewing, each video a poster and a version that plays in any browser.</li>
<li><b>It works right away.</b> Until you connect a bucket, everything is published to a
library on this computer, and nothing leaves it:<br><code>{library}</code></li>
<li><b>Connect Cloudflare R2</b> (or Amazon S3, Backblaze B2, MinIO) when you are ready.
Uploads run in parallel and continue where they stopped after a crash, a restart or a
lost connection.</li>
</ol>
<p>The <b>Gallery</b> tab shows what you published, even offline.</p>
"""


class WelcomePage(QWidget):
    """Two answers: ``connect_chosen`` (open the bucket form) or ``start_local`` (go on)."""

    connect_chosen = Signal()
    start_local = Signal()

    def __init__(self, library: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Welcome")
        text = QLabel(TEXT.format(library=escape(str(library))))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.connect_button = QPushButton("Connect Cloudflare R2 or S3…")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_chosen)
        self.local_button = QPushButton("Start on this computer")
        self.local_button.clicked.connect(self.start_local)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(text)
        column.addLayout(buttons)
        column.addStretch(2)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 6)
        outer.addStretch(1)
