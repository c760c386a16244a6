"""Render the app icon (resources/icons/lytsite-desktop.svg) into the PNG sizes a
desktop's icon theme looks for (resources/linux/icons/hicolor/{N}x{N}/apps/), and
the Windows .ico and macOS .icns the bundles use (resources/icons/).

    .venv/bin/python packaging/make_icons.py

The PNGs are committed; run this again after changing the SVG.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_ID = "io.lytsite.LytsiteDesktop"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parents[1] / "resources"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    svg = ROOT / "icons" / "lytsite-desktop.svg"
    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid(), f"cannot read {svg}"
    theme = ROOT / "linux" / "icons" / "hicolor"
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        out = theme / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        assert image.save(str(out)), f"cannot write {out}"
    scalable = theme / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    from PIL import Image

    big = Image.open(theme / "512x512" / "apps" / f"{APP_ID}.png")
    big.save(ROOT / "icons" / "lytsite-desktop.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    big.save(ROOT / "icons" / "lytsite-desktop.icns")
    print(f"icons in {theme} and {ROOT / 'icons'}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
