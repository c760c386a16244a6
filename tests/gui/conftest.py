"""The real window, built as the app builds it, for GUI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from lytsite_desktop.core.app import App
from lytsite_desktop.gui.app import build
from tests.conftest import dest_url


@pytest.fixture
def open_window(qtbot):  # type: ignore[no-untyped-def]
    """``open_window(dest=None, **transfer)``: a shown window on this test's
    LYTSITE_HOME (publishing to ``dest`` by default), closed after the test."""
    made = []

    def make(dest: str | None = None, **transfer):  # type: ignore[no-untyped-def]
        app = App()
        for k, v in transfer.items():
            setattr(app.settings.transfer, k, v)
        session, window = build(app, dest=dest)
        window.ask_before_closing = False  # a modal question would wait forever here
        qtbot.addWidget(window)
        window.show()
        made.append((app, session, window))
        return window

    yield make
    for app, session, window in made:
        window.shutdown()
        session.close()
        app.close()


@pytest.fixture
def window_for(open_window, s3_server, bucket):  # type: ignore[no-untyped-def]
    """``window_for(**transfer)``: a window publishing to this test's bucket."""
    return lambda **transfer: open_window(dest_url(bucket, s3_server.url), **transfer)


def drop(widget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    widget.dropEvent(event)
