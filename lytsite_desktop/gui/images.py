"""Images the window draws: icons from resources/, and pictures decoded from disk."""

from __future__ import annotations

from PySide6.QtCore import QIODevice, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QImageIOHandler, QImageReader, QTransform

from lytsite_desktop.core.config.paths import resources_dir

ICONS = resources_dir() / "icons"


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def app_icon() -> QIcon:
    return icon("lytsite-desktop")


def read_image(source: str | QIODevice, longest: int, *, height: int = 0) -> QImage:
    """Decode ``source`` (a path, or a device holding the file's bytes), upright (a
    camera's orientation tag), scaled down (while decoding) to ``longest`` px on
    its long edge when larger (0 keeps its size), or to ``height`` px tall when
    given (a row of a list). A null image when unreadable. Any thread."""
    reader = QImageReader(source)
    reader.setAutoTransform(True)
    size = reader.size()  # as stored: turned after it is scaled
    turned = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    stored_height = size.width() if turned else size.height()
    if height and size.isValid() and stored_height > height:
        box = QSize(height, 10 * height) if turned else QSize(10 * height, height)
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    elif longest and size.isValid() and max(size.width(), size.height()) > longest:
        box = QSize(longest, longest)
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


#: An EXIF orientation as what turns the stored picture upright, in Qt's own order
#: (qt_imageTransform): mirrored left-right, mirrored top-bottom, then a quarter
#: turn clockwise.
_UPRIGHT = {
    2: (True, False, False), 3: (True, True, False), 4: (False, True, False),
    5: (False, True, True), 6: (False, False, True), 7: (True, False, True),
    8: (True, True, True),
}  # fmt: skip


def upright(image: QImage, orientation: int) -> QImage:
    """``image`` as stored, turned by an EXIF ``orientation`` (1, or an unknown
    value: as it is): for pictures whose tag Qt does not read itself."""
    mirror, flip, quarter = _UPRIGHT.get(orientation, (False, False, False))
    if not (mirror or flip or quarter):
        return image
    # Read right to left: mirrored first, then turned.
    turn = QTransform().rotate(90 if quarter else 0).scale(-1 if mirror else 1, -1 if flip else 1)
    return image.transformed(turn)
