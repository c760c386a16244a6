"""Starting the window: `lytsite-desktop [PATH ...]`."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtWidgets import QApplication

from lytsite_desktop import __version__
from lytsite_desktop.core.app import App
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.session import Session
from lytsite_desktop.gui.main_window import MainWindow
from lytsite_desktop.gui.single import InstanceServer, hand_over


def build(app: App, *, dest: str | None = None) -> tuple[Session, MainWindow]:
    """A session and its window (not shown): what `run` starts, and what tests drive."""
    ts = app.settings.transfer

    def open_destination(spec: str | None) -> Destination:
        return app.open(spec, ts)

    session = Session(app.journal, open_destination, ts, app.settings.previews, app.paths.cache_dir)
    window = MainWindow(session, app, default_destination=dest)
    return session, window


def quiet_gc() -> None:
    """Move everything alive now (Qt, boto3's service models, the modules) out of
    reach of the cyclic garbage collector: its full passes over that heap stopped
    the window for up to 80 ms (see the GUI benchmark)."""
    gc.collect()
    gc.freeze()


def run(paths: list[str]) -> int:
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("lytsite-desktop")
    qt.setApplicationVersion(__version__)
    if hand_over([os.path.abspath(p) for p in paths]):
        return 0  # the open window has them
    app = App()
    session, window = build(app)
    server = InstanceServer(window.receive_paths, parent=window)
    window.show()
    quiet_gc()
    if paths:
        window.add_paths(paths)
    try:
        return qt.exec()
    finally:
        session.close()
        app.close()
        # Qt objects go before the interpreter's final collection, in Qt's order.
        server.close()
        window.deleteLater()
        qt.processEvents()
