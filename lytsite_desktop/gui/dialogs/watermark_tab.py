"""Settings' "Watermark" tab: text or a PNG logo, where, how large, how opaque,
thumbnails too or not, and for every project or a few."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from lytsite_desktop.core.config.settings import WATERMARK_POSITIONS, WatermarkSettings
from lytsite_desktop.core.keys import slugify


class WatermarkTab(QWidget):
    def __init__(self, current: WatermarkSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.text = QLineEdit(current.text)
        self.text.setPlaceholderText("e.g. © Maria Costa Photography (empty: no watermark)")
        self.logo = QLineEdit(current.logo)
        self.logo.setPlaceholderText("a PNG logo, used instead of the text")
        self.logo.setAccessibleName("Logo file")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(browse)
        self.position = QComboBox()
        for place in WATERMARK_POSITIONS:
            self.position.addItem(place.replace("-", " ").capitalize(), place)
        self.position.setCurrentIndex(max(0, self.position.findData(current.position)))
        self.mark_size = QSpinBox()
        self.mark_size.setRange(1, 100)
        self.mark_size.setSuffix(" % of the width")
        self.mark_size.setValue(current.size)
        self.opacity = QSpinBox()
        self.opacity.setRange(1, 100)
        self.opacity.setSuffix(" %")
        self.opacity.setValue(current.opacity)
        self.thumbs = QCheckBox("Thumbnails too")
        self.thumbs.setChecked(current.thumbs)
        self.projects = QLineEdit(", ".join(current.projects))
        self.projects.setPlaceholderText("every project (or name a few, separated by commas)")
        self.projects.setAccessibleName("Projects that get the watermark")
        form.addRow("Text", self.text)
        form.addRow("Logo", logo_row)
        form.addRow("Place", self.position)
        form.addRow("Size", self.mark_size)
        form.addRow("Opacity", self.opacity)
        form.addRow("", self.thumbs)
        form.addRow("Projects", self.projects)
        hint = QLabel(
            "Burned into the previews your client sees, as they are made; your originals "
            "are never changed. A new watermark makes new previews: publish the folder "
            "again to replace them. The old ones stay in your bucket until you delete "
            "them: “Delete old versions…” in the Gallery tab."
        )
        hint.setWordWrap(True)
        form.addRow(hint)

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A logo for the watermark", "", "PNG (*.png)")
        if path:
            self.logo.setText(path)

    def settings(self) -> WatermarkSettings:
        """What the tab says, checked (ValueError says what is wrong)."""
        logo = self.logo.text().strip()
        if logo and QImage(logo).isNull():
            raise ValueError(f"the watermark's logo “{logo}” is not a picture that can be read")
        names = [n.strip() for n in self.projects.text().split(",") if n.strip()]
        chosen = WatermarkSettings(
            text=" ".join(self.text.text().split()),
            logo=logo,
            position=str(self.position.currentData()),
            size=self.mark_size.value(),
            opacity=self.opacity.value(),
            thumbs=self.thumbs.isChecked(),
            projects=[slugify(n) for n in names],
        )
        chosen.validate()
        return chosen
