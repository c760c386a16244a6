"""Starting the window: `lytsite-desktop [PATH ...]`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from lytsite_desktop import __version__
from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.platform.collector import IdleCollector
from lytsite_desktop.core.platform.selfcheck import Check, run_checks
from lytsite_desktop.core.session import Session
from lytsite_desktop.gui.images import app_icon
from lytsite_desktop.gui.main_window import MainWindow
from lytsite_desktop.gui.single import InstanceServer, hand_over

#: How long a thread may hold Python's lock while another waits for it (s).
SWITCH_INTERVAL = 0.001


def build(app: App, *, dest: str | None = None) -> tuple[Session, MainWindow]:
    """A session and its window (not shown): what `run` starts, and what tests drive.
    ``dest`` (a saved name or URL) is chosen instead of the default destination."""
    session = Session(app)
    window = MainWindow(session, app, default_destination=app.ref(dest) if dest else None)
    return session, window


def keep_responsive() -> IdleCollector:
    """Keep Python's own housekeeping from stopping the window: the collector's
    full passes wait for it to be idle (over the start-up heap one stopped it for
    up to 80 ms, during a 1,000-file publish 30-40 ms), and the lock
    every thread takes turns at is handed over every 1 ms instead of 5 (the window
    asks for it at every call into Python, many a frame, and a busy thread kept
    it up to 5 ms each time). The window ticks the collector it returns."""
    collector = IdleCollector()
    collector.start()
    sys.setswitchinterval(SWITCH_INTERVAL)
    return collector


class CrashRelay(QObject):
    """Carries a crash report's path from whichever thread crashed to the window."""

    report = Signal(Path)


def _qt() -> QApplication:
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("lytsite-desktop")
    qt.setApplicationVersion(__version__)
    qt.setDesktopFileName("io.lytsite.LytsiteDesktop")
    return qt


def run(paths: list[str], *, verbose: bool = False) -> int:
    qt = _qt()
    if hand_over([os.path.abspath(p) for p in paths]):
        return 0  # the open window has them
    diag = diagnostics.start(AppPaths.discover(), verbose=verbose, stderr=sys.stderr)
    app = App()
    session, window = build(app)
    relay = CrashRelay(window)
    relay.report.connect(window.show_crash_report)
    diag.on_crash = relay.report.emit
    server = InstanceServer(window.receive_paths, parent=window)
    window.show()
    window.collector = keep_responsive()
    if paths:
        window.add_paths(paths)
    try:
        return qt.exec()
    finally:
        session.close()
        app.close()
        diag.stop()
        # Qt objects go before the interpreter's final collection, in Qt's order.
        server.close()
        window.deleteLater()
        qt.processEvents()


def self_check() -> int:
    """``--self-check``: the preview workers and their libraries (core.selfcheck), then
    the window opened, drawn and closed, in a throwaway home. Prints a line per check;
    exit status 0 when all pass."""
    home = tempfile.mkdtemp(prefix="lytsite-selfcheck-")
    os.environ["LYTSITE_HOME"] = home
    checks = run_checks()
    qt = _qt()
    icon = app_icon().pixmap(64, 64)
    checks.append(
        Check("icons", not icon.isNull(), f"app icon {icon.width()}×{icon.height()} from the SVG")
    )
    app = App()
    session, window = build(app)
    window.show()
    deadline = time.monotonic() + 10
    while not window.isVisible() and time.monotonic() < deadline:
        qt.processEvents()
    qt.processEvents()
    shot = window.grab()
    checks.append(
        Check(
            "window",
            window.isVisible() and not shot.isNull(),
            f"opened on the {qt.platformName()} platform, drawn {shot.width()}×{shot.height()}",
        )
    )
    window.close()
    qt.processEvents()
    session.close()
    app.close()
    checks.append(Check("window closed", not window.isVisible(), "closed cleanly"))
    window.deleteLater()
    qt.processEvents()
    shutil.rmtree(home, ignore_errors=True)
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    print("self-check " + ("FAILED" if failed else "passed") + f" ({len(checks)} checks)")
    return 1 if failed else 0
