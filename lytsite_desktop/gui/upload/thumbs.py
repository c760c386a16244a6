"""The queue's thumbnails, decoded off the GUI thread: a photo's from its original
as soon as its row is shown (a JPEG, PNG, WebP, TIFF, a phone's HEIC, or a camera
raw's embedded JPEG: its row has a picture before Publish), then from its preview
once that is made (the rest get theirs then)."""

from __future__ import annotations

import logging
import mmap
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from lytsite_desktop.core.ingest.filetypes import raw_named
from lytsite_desktop.core.states import FileState
from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.images import read_image, upright
from lytsite_desktop.gui.upload.queue_model import QueueModel
from lytsite_desktop.gui.upload.rows import Row

#: Thumbnail height in the queue, in device-independent pixels.
ROW_THUMB = 40
#: Originals read for a row's thumbnail: a JPEG decodes at 1/8 of its size...
JPEG = (".jpg", ".jpeg")
#: ... these Qt decodes whole before it scales (and refuses when cut short), so
#: only up to :data:`DECODED_WHOLE_PIXELS` (a 100 MB picture in memory for a moment).
DECODED_WHOLE = (".png", ".webp", ".tif", ".tiff")
DECODED_WHOLE_PIXELS = 25_000_000
#: ... of which Qt turns a TIFF by its orientation tag, not these (read here).
TAG_UNREAD_BY_QT = (".png", ".webp")
#: ... and a phone's HEIC or HEIF, which Qt cannot read: libheif, as the previews.
HEIF = (".heic", ".heif")
_ORIENTATION = 0x0112  # the EXIF tag

log = logging.getLogger(__name__)


class RowThumbs(QObject):
    """Feeds ``model`` its rows' thumbnails; the model asks for a row's when a view
    first shows it (:attr:`QueueModel.thumb_wanted`)."""

    def __init__(self, model: QueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.background = Background(self, workers=2)
        model.thumb_wanted = self.from_original

    def from_original(self, row: Row) -> None:
        """A ready photo's thumbnail from the file itself (skipped once its publish
        has begun: its preview's comes then)."""
        decode = _decoder(row.source.lower())
        if decode is None:
            return

        def read() -> QImage | None:
            if row.state is not FileState.READY or row.thumb is not None:
                return None
            return decode(row.source)

        self.background.run(read, done=lambda image: self._arrived(row, image),
                            failed=lambda exc: None)  # fmt: skip

    def from_preview(self, task: int, path: str) -> None:
        """The thumbnail the preview's maker wrote, for the row of ``task``."""
        self.background.run(
            lambda: read_image(path, 0, height=ROW_THUMB),
            done=lambda image: None if image.isNull() else self.model.set_thumb(task, image),
            failed=lambda exc: None,  # a row without its thumbnail: logged, nothing more
        )

    def _arrived(self, row: Row, image: QImage | None) -> None:
        if image is not None and not image.isNull() and row.thumb is None:
            self.model.set_row_thumb(row, image)

    def shutdown(self) -> None:
        self.background.shutdown()


def _decoder(name: str) -> Callable[[str], QImage | None] | None:
    """How a row's picture is read from a file of this (lower-case) name, if it is."""
    if name.endswith(JPEG):
        return lambda path: read_image(path, 0, height=ROW_THUMB) if _whole(path) else None
    if name.endswith(DECODED_WHOLE):
        return _decoded_whole
    if name.endswith(HEIF):
        return _heif_picture
    return _raw_picture if raw_named(name) else None


def _decoded_whole(path: str) -> QImage | None:
    """A PNG, WebP or TIFF of up to :data:`DECODED_WHOLE_PIXELS` for its row, upright
    as its preview will be (a phone's or an editor's export may carry an EXIF
    orientation)."""
    if not _small_enough(path):
        return None
    turn = _orientation(path) if path.lower().endswith(TAG_UNREAD_BY_QT) else 1
    none = QImageIOHandler.Transformation.TransformationNone
    if turn == 1 or QImageReader(path).transformation() != none:  # a Qt that reads it turns it
        return read_image(path, 0, height=ROW_THUMB)
    picture = read_image(path, 4 * ROW_THUMB)
    if picture.isNull():
        return None
    return _row_height(upright(picture, turn))


def _orientation(path: str) -> int:
    """A PNG's or WebP's EXIF orientation (1: as stored) from the file's head, as
    Pillow reads it for the preview; a PNG's EXIF placed after its pixels is not
    looked for (that would decode the picture a second time)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if "exif" not in im.info:
                return 1
            return int(im.getexif().get(_ORIENTATION, 1))
    except (OSError, ValueError, TypeError, SyntaxError) as exc:  # shown as stored, then
        log.info("no orientation read for %s: %s", path, exc)
        return 1


def _row_height(picture: QImage) -> QImage:
    return picture.scaledToHeight(ROW_THUMB, Qt.TransformationMode.SmoothTransformation)


def _raw_picture(path: str) -> QImage | None:
    """A camera raw's embedded JPEG for its row, upright: by the JPEG's own tag, else
    by the raw's (libraw's). None when it has none libraw can read."""
    from lytsite_desktop.core.previews.rawthumb import embedded_preview

    try:
        found = embedded_preview(path)
    except Exception as exc:  # rawpy's errors: none embedded, unknown, damaged
        log.info("no early picture for %s: %s", path, exc)
        return None
    if not found.jpeg:
        return None
    buffer = QBuffer()
    buffer.setData(QByteArray(bytes(found.data)))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    none = QImageIOHandler.Transformation.TransformationNone
    tagged = QImageReader(buffer).transformation() != none  # the JPEG's own tag
    buffer.seek(0)
    picture = read_image(buffer, 4 * ROW_THUMB)  # turned by that tag, if any
    if picture.isNull():
        return None
    return _row_height(picture if tagged else upright(picture, found.orientation))


def _heif_picture(path: str) -> QImage | None:
    """A HEIC or HEIF photo (a phone's) for its row, turned as the phone stored it
    (libheif applies the file's rotation); up to :data:`DECODED_WHOLE_PIXELS`. None
    when it cannot be read (cut short, not a HEIF)."""
    import pillow_heif  # loaded here only when such a row is shown

    try:
        heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
        image = heif[heif.primary_index]
        width, height = image.size
        if not 0 < width * height <= DECODED_WHOLE_PIXELS:
            return None
        form = QImage.Format.Format_RGBA8888 if image.has_alpha else QImage.Format.Format_RGB888
        data = bytes(image.data)  # decoded here
        picture = QImage(data, width, height, image.stride, form).copy()
    except (OSError, ValueError, RuntimeError, KeyError) as exc:  # libheif's errors
        log.info("no early picture for %s: %s", path, exc)
        return None
    return _row_height(picture)


def _small_enough(path: str) -> bool:
    """Is the picture at most :data:`DECODED_WHOLE_PIXELS` (from its header)?"""
    size = QImageReader(path).size()
    return size.isValid() and 0 < size.width() * size.height() <= DECODED_WHOLE_PIXELS


def _whole(path: str) -> bool:
    """Does the JPEG's picture end (an end marker after its first scan)? One cut
    short (an interrupted copy) would be drawn half grey: its row waits for the
    preview's word on it. What follows the end (a phone's motion video) is no
    matter."""
    try:
        with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data[:2] != b"\xff\xd8":
                return False
            pos = 2
            while pos + 4 <= len(data) and data[pos] == 0xFF:
                marker = data[pos + 1]
                if marker == 0xDA:  # the first scan: no end marker inside its data
                    return data.find(b"\xff\xd9", pos) != -1
                if marker == 0xFF:  # padding before a marker
                    pos += 1
                else:
                    pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
            return False
    except (OSError, ValueError):  # gone, unreadable, empty
        return False
