"""The big-project thumbnail grid: only what is on screen is asked for, newest
request first, within a memory budget; keys move and open."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from lytsite_desktop.gui.gallery.thumbcache import ThumbCache
from lytsite_desktop.gui.gallery.thumbgrid import ThumbGrid, Tile
from lytsite_desktop.gui.images import read_image


def thumbs(folder, n: int) -> list[str]:
    folder.mkdir()
    paths = []
    for i in range(n):
        image = QImage(96, 64, QImage.Format.Format_RGB32)
        image.fill(0xFF000000 + i * 997)
        path = str(folder / f"{i}.webp")
        assert image.save(path)
        paths.append(path)
    return paths


def grid_of(qtbot, paths, sections=None):
    cache = ThumbCache()
    grid = ThumbGrid(cache)
    cache.setParent(grid)  # as the gallery view owns its cache: Qt deletes them in order
    qtbot.addWidget(grid)
    tiles = [Tile(f"IMG_{i}.jpg", p) for i, p in enumerate(paths)]
    grid.set_sections(sections or [("", tiles)])
    grid.resize(860, 600)
    grid.show()
    qtbot.waitExposed(grid)
    return grid, cache


def test_only_visible_thumbnails_are_requested(qtbot, tmp_path):
    paths = thumbs(tmp_path / "t", 2000)
    grid, cache = grid_of(qtbot, paths)
    qtbot.waitUntil(lambda: len(cache.requested) > 0)
    visible = grid.visible_range()
    assert 10 <= len(visible) <= 40
    assert set(cache.requested) == {paths[i] for i in visible}
    qtbot.waitUntil(lambda: cache.used_bytes > 0 and not cache.busy, timeout=5000)
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: paths[-1] in cache.requested)
    bottom = grid.visible_range()
    assert bottom[-1] == 1999
    later = set(cache.requested) - {paths[i] for i in visible}
    assert later == {paths[i] for i in bottom}  # nothing in between was decoded
    cache.close()


def test_newest_request_first_and_a_memory_budget(qtbot, tmp_path):
    paths = thumbs(tmp_path / "t", 30)
    started, gate = threading.Event(), threading.Event()

    def decode(path: str, longest: int) -> QImage:
        started.set()
        gate.wait(5)  # the first decode holds the only decoder while the rest queue up
        return read_image(path, longest)

    cache = ThumbCache(budget=10 * 96 * 64 * 4, decode=decode, decoders=1)
    order: list[str] = []
    cache.loaded.connect(order.append)
    cache.get(paths[0])
    assert started.wait(5)
    for p in paths[1:]:
        cache.get(p)
    gate.set()
    qtbot.waitUntil(lambda: len(order) == 30, timeout=5000)
    assert order == [paths[0], *reversed(paths[1:])]  # then the newest request first
    assert cache.used_bytes <= cache.budget
    assert all(cache.get(p) is not None for p in order[-10:])  # the latest are kept
    assert cache.get(order[0]) is None  # the oldest was let go (and is asked for again)
    cache.close()


def test_an_unreadable_image_is_not_asked_for_again(qtbot, tmp_path):
    bad = tmp_path / "bad.webp"
    bad.write_bytes(b"RIFF, but not really")
    cache = ThumbCache()
    assert cache.get(str(bad)) is None
    qtbot.waitUntil(lambda: not cache.busy)
    assert cache.get(str(bad)) is None and cache.requested == [str(bad)]
    cache.close()


def test_a_file_that_arrives_while_its_decode_fails_is_asked_for_again(qtbot, tmp_path):
    """The gallery fetches a preview while the tile's first decode (of the file not
    there yet) is still running: when that decode fails after the file arrived, the
    image is asked for again, not written off (a blank tile until reopened)."""
    path = str(tmp_path / "late.webp")
    started, gate = threading.Event(), threading.Event()

    def decode(p: str, longest: int) -> QImage:
        image = read_image(p, longest)  # the first time: no file yet, a null image
        started.set()
        gate.wait(5)  # its answer comes after the file arrived
        return image

    cache = ThumbCache(decode=decode, decoders=1)
    assert cache.get(path) is None  # not fetched yet: this decode fails
    assert started.wait(5)
    os.rename(thumbs(tmp_path / "t", 1)[0], path)  # it arrives
    cache.retry([path])  # the fetch says so, before the failed decode's answer
    gate.set()
    qtbot.waitUntil(lambda: cache.get(path) is not None, timeout=5000)
    assert cache.requested == [path, path]
    cache.close()


def test_sections_keys_and_activation(qtbot, tmp_path):
    paths = thumbs(tmp_path / "t", 12)
    tiles = [Tile(f"IMG_{i}.jpg", p) for i, p in enumerate(paths)]
    grid, cache = grid_of(qtbot, paths, [("ceremony", tiles[:7]), ("party", tiles[7:])])
    grid.setFocus()
    opened: list[int] = []
    grid.activated.connect(opened.append)
    cols = grid._columns
    assert 3 <= cols < 7
    assert grid.index_at(20, 20) == -1  # the "ceremony" header is not a tile
    assert grid.index_at(20, 12 + 34 + 10) == 0
    # the "party" section starts a new row, below its own header
    party_top = 12 + 34 + (-(-7 // cols)) * 166
    assert grid.index_at(20, party_top + 10) == -1
    assert grid.index_at(20, party_top + 34 + 10) == 7
    keys = [(Qt.Key.Key_Right, 1), (Qt.Key.Key_Down, 1 + cols), (Qt.Key.Key_End, 11),
            (Qt.Key.Key_Left, 10), (Qt.Key.Key_Home, 0)]  # fmt: skip
    for key, expected in keys:
        qtbot.keyClick(grid, key)
        assert grid.current == expected
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert opened == [1]
    cache.close()


def test_one_click_opens_a_tile_ctrl_and_shift_click_select(qtbot, tmp_path):
    paths = thumbs(tmp_path / "t", 30)
    grid, cache = grid_of(qtbot, paths)
    opened: list[int] = []
    grid.activated.connect(opened.append)

    def centre(index: int):
        for y in range(0, grid.viewport().height(), 8):
            for x in range(0, grid.viewport().width(), 8):
                if grid.index_at(x, y) == index:
                    return QPoint(x + 20, y + 20)
        raise AssertionError(f"tile {index} is not on screen")

    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, ctrl, centre(2))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, shift, centre(5))
    assert grid.selected == {2, 3, 4, 5} and opened == []
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre(7))
    assert opened == [7] and grid.selected == set()
    cache.close()
