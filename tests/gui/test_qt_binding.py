"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 loses a reference to None
on every call of a method that returns void, and a window that has run for a
while aborts the whole program ("Fatal Python error: none_dealloc"). Checked in
a child process, so a bad binding fails this test instead of killing the run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 20_000


def test_void_methods_keep_none_alive():
    code = textwrap.dedent(f"""
        import os, sys
        from PySide6.QtGui import QImage
        from PySide6.QtWidgets import QApplication, QLabel
        app = QApplication([])
        label, image = QLabel(), QImage(8, 8, QImage.Format.Format_RGB32)
        before = sys.getrefcount(None)
        for i in range({CALLS}):
            label.update()
            label.setText("x")
            image.fill(i)
        print(sys.getrefcount(None) - before)
        sys.stdout.flush()
        os._exit(0)
    """)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    drift = int(run.stdout.strip())
    assert drift > -100, f"None lost {-drift} references over {3 * CALLS} calls"
