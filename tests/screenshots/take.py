"""Screenshots of the real window for the README (offscreen, no display needed).

    .venv/bin/python -m tests.screenshots.take [OUT_DIR]     (default docs/screenshots)

Makes a small shoot (photos, camera raws, a damaged JPEG, a video, a file that
vanishes before it is sent), publishes it into a throw-away local library with the
upload rate limited so the "mid-upload" shot has something to show, and saves the
empty, ready, uploading, paused, done, failures (the failed-only filter), dark
(the done view in a dark palette) and settings views; then the Gallery tab (the
shoot as a masonry, four photos in rows, a 60-photo project as thumbnails, the
lightbox) and the published web pages in headless chromium (when chromedriver is
installed).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QPalette

    from lytsite_desktop.gui.main_window import MainWindow

    Settle = Callable[[float], None]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lytsite-shots-"))
    os.environ["LYTSITE_HOME"] = str(work / "home")

    from PySide6.QtWidgets import QApplication

    from lytsite_desktop.core.app import App
    from lytsite_desktop.gui.app import build
    from tests.support.dng import make_dng
    from tests.support.images import exif_with, jpeg_bytes, marked_image, scene

    shoot = work / "Wedding Ana & João"
    (shoot / "ceremony").mkdir(parents=True)
    for i in range(6):
        im = scene((3000, 2000), seed=i)
        (shoot / "ceremony" / f"IMG_{4100 + i}.jpg").write_bytes(
            jpeg_bytes(im, exif=exif_with(1, camera=True)) + os.urandom(6_000_000)
        )
    (shoot / "party").mkdir()
    for i in range(3):  # camera raw files: a small DNG with its embedded JPEG, padded
        embedded = scene((1600, 1067), seed=10 + i)
        raw = make_dng(jpeg_bytes(embedded), embedded.size) + os.urandom(26_000_000)
        (shoot / "party" / f"IMG_{4200 + i}.dng").write_bytes(raw)
    (shoot / "party" / "album.zip").write_bytes(b"PK\x03\x04" + os.urandom(300_000))
    (shoot / "party" / "damaged.jpg").write_bytes(jpeg_bytes(marked_image((2000, 1500)))[:3000])
    (shoot / "party" / "first-dance.mp4").write_bytes(b"\0\0\0\x20ftypisom" + os.urandom(9_000_000))

    (shoot / "party" / "IMG_4299.jpg").write_bytes(jpeg_bytes(marked_image((2400, 1600))))

    qt = QApplication.instance() or QApplication([])
    app = App()
    app.settings.transfer.bwlimit = 12 * 1024 * 1024
    app.settings.studio, app.settings.email = "Maria Costa Photography", "hello@mariacosta.example"
    session, window = build(app)
    window.ask_before_closing = False
    window.show()

    def settle(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qt.processEvents()
            time.sleep(0.02)

    settle(0.3)
    window.grab().save(str(out / "welcome.png"))  # the first run
    connect = window.connect_bucket()
    connect.where.setText(
        "https://3f2a4b5c6d7e8f90a1b2c3d4e5f60718.r2.cloudflarestorage.com/wedding-photos"
    )
    connect.key_id.setText("A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6")
    connect.secret.setText("token-value-pasted-by-mistake-000000000")
    connect.test()
    settle(0.3)
    connect.grab().save(str(out / "connect.png"))
    connect.reject()
    window.upload.welcome.local_button.click()
    settle(0.3)
    window.grab().save(str(out / "empty.png"))
    window.add_paths([str(shoot)])
    settle(1.0)
    window.grab().save(str(out / "ready.png"))
    (shoot / "party" / "IMG_4299.jpg").unlink()  # moved away after it was added
    window.upload.publish()
    settle(4.0)
    window.grab().save(str(out / "uploading.png"))
    window.upload.pause_selected()
    settle(1.0)
    window.grab().save(str(out / "paused.png"))
    window.upload.resume_selected()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and window.upload.uploading:
        settle(0.5)
    settle(0.5)
    window.grab().save(str(out / "done.png"))
    window.upload.problems_action.trigger()
    settle(0.3)
    window.grab().save(str(out / "failures.png"))
    window.upload.problems_action.trigger()
    qt.setPalette(dark_palette())
    settle(0.3)
    window.grab().save(str(out / "dark.png"))
    qt.setPalette(qt.style().standardPalette())
    gallery_shots(window, shoot, work, out, settle)
    window, session, app = resume_shots(window, session, app, work, out, settle)
    app.save_destination(
        "r2", "s3://wedding-photos?endpoint=https://ACCOUNT_ID.r2.cloudflarestorage.com"
    )
    dialog = window.open_settings()
    settle(0.3)
    dialog.grab().save(str(out / "settings.png"))
    dialog.reject()
    window.shutdown()
    session.close()
    app.close()
    window.deleteLater()
    settle(0.1)
    print(f"screenshots in {out}")
    return 0


def resume_shots(window: MainWindow, session: Any, app: Any, work: Path, out: Path,
                 settle: Settle) -> tuple[MainWindow, Any, Any]:  # fmt: skip
    """A batch cut short (the app quits mid-file), then the next start: the offer to
    resume beside the file that failed last time, the resumed rows, and the
    problems filter with nothing to show once that file is let go."""
    from lytsite_desktop.core.app import App
    from lytsite_desktop.core.destinations.resolve import DestRef
    from lytsite_desktop.gui.app import build
    from tests.conftest import write_random

    gala = work / "Gala"
    for i in range(3):
        write_random(gala / f"speech-{i + 1}.mov", 60 * 1024 * 1024, seed=i)
    window.app.settings.transfer.bwlimit = 8 * 1024 * 1024
    window.session.settings_changed()
    # The published rows go; the one that failed (moved away) stays, so the next
    # start lists it again beside the offer to resume.
    window.upload.model.remove_rows(
        [i for i, r in enumerate(window.upload.model.rows) if r.state.value == "published"]
    )
    window.upload.fill_destinations(DestRef.local_library(window.app.paths))
    window.add_paths([str(gala)])
    settle(1.0)
    window.upload.publish()
    settle(5.0)
    window.shutdown()  # quit in the middle: the journal keeps it all
    session.close()
    app.close()
    window.deleteLater()
    settle(0.2)

    app = App()
    app.settings.transfer.bwlimit = 8 * 1024 * 1024
    session, window = build(app)
    window.ask_before_closing = False
    window.show()
    settle(1.0)
    window.grab().save(str(out / "interrupted.png"))
    window.upload.resume_interrupted()
    settle(6.0)
    window.grab().save(str(out / "resumed.png"))
    window.app.settings.transfer.bwlimit = None
    window.session.settings_changed()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and window.upload.uploading:
        settle(0.5)
    window.upload.model.remove_rows(  # the failed file let go
        [i for i, r in enumerate(window.upload.model.rows) if r.state.value == "failed"]
    )
    window.upload.problems_action.trigger()
    settle(0.5)
    window.grab().save(str(out / "problems-none.png"))
    window.upload.problems_action.trigger()
    return window, session, app


def gallery_shots(window: MainWindow, shoot: Path, work: Path, out: Path, settle: Settle) -> None:
    from tests.support.images import jpeg_bytes, scene

    big, few = work / "Portraits", work / "Engagement Lea & Sam"
    big.mkdir()
    few.mkdir()
    for i in range(60):
        (big / f"DSC_{1000 + i}.jpg").write_bytes(jpeg_bytes(scene((1500, 1000), seed=100 + i)))
    for i, size in enumerate(((1000, 1500), (1500, 1000), (1500, 1000), (1000, 1500))):
        (few / f"DSC_{2000 + i}.jpg").write_bytes(jpeg_bytes(scene(size, seed=200 + i)))
    window.app.settings.transfer.bwlimit = None
    window.session.settings_changed()
    for folder in (big, few):
        window.upload.project.setText("")
        window.add_paths([str(folder)])
        settle(1.0)
        window.upload.publish()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and window.upload.uploading:
            settle(0.5)
    view = window.gallery
    window.tabs.setCurrentWidget(view)
    settle(1.0)
    refs = {view.projects.item(i).text().split("\n")[0]: i for i in range(view.projects.count())}
    for name, shot in (("portraits", "gallery-thumbs.png"), (few.name, "gallery-few.png"),
                       (shoot.name, "gallery.png")):  # fmt: skip
        row = next(i for text, i in refs.items() if text.lower().startswith(name[:7].lower()))
        view.projects.setCurrentRow(row)
        while view.busy:
            settle(0.2)
        settle(1.0)
        window.grab().save(str(out / shot))
        if shot == "gallery-few.png":
            few_link = view.link.text()
    view.open_lightbox(1)
    settle(1.0)
    window.grab().save(str(out / "lightbox.png"))
    view.close_lightbox()
    web_shots(view.link.text(), out)
    web_shots(few_link, out, few=True)


def web_shots(link: str, out: Path, *, few: bool = False) -> None:
    """The client's page served over HTTP as a bucket serves it: a computer and a
    phone, light and dark, and the viewer on the phone (``few``: a computer and a
    phone, light, below the cover)."""
    from urllib.parse import unquote, urlsplit

    from PIL import Image

    from tests.support.browser import headless_chrome, tap
    from tests.support.webserver import serve

    page = Path(unquote(urlsplit(link).path))
    root = page.parents[2]  # the library: projects/{project}/index.html
    with serve(root, compress=True) as (base, _server):
        url = base + page.relative_to(root).as_posix()
        shots = ((False, False, "web-gallery"), (False, True, "web-gallery-dark"),
                 (True, False, "web-phone"), (True, True, "web-phone-dark"))  # fmt: skip
        if few:
            shots = ((False, False, "web-few"), (True, False, "web-few-phone"))
        for phone, dark, name in shots:
            browser = headless_chrome(phone=phone, dark=dark)
            if browser is None:
                print("chromedriver not installed: no screenshot of the web page")
                return
            try:
                browser.get(url)
                time.sleep(1.5)
                if dark or few:  # the photos, below the cover
                    browser.execute_script("window.scrollTo(0, document.querySelector('nav.bar')"
                                           ".getBoundingClientRect().top - 8)")  # fmt: skip
                    time.sleep(1.0)
                browser.save_screenshot(str(out / f"{name}.png"))
                if phone and not dark and not few:
                    first = browser.execute_script("return document.querySelector('a.photo')")
                    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
                    x, y = browser.execute_script(
                        "var r = arguments[0].getBoundingClientRect();"
                        "return [r.x + r.width / 2, r.y + r.height / 2]", first)  # fmt: skip
                    tap(browser, (x, y))
                    time.sleep(1.5)
                    browser.save_screenshot(str(out / "web-phone-lightbox.png"))
            finally:
                browser.quit()
    phones = ("web-few-phone",) if few else ("web-phone", "web-phone-dark", "web-phone-lightbox")
    for name in phones:  # 3x: halve them
        shot = out / f"{name}.png"
        with Image.open(shot) as im:
            im.resize((im.width // 2, im.height // 2), Image.LANCZOS).save(shot, optimize=True)


def dark_palette() -> QPalette:
    """A dark desktop theme, as a system in dark mode hands it to Qt."""
    from PySide6.QtGui import QColor, QPalette

    role, p = QPalette.ColorRole, QPalette()
    for r, colour in (
        (role.Window, "#2b2b2b"), (role.WindowText, "#e8e8e8"), (role.Base, "#1e1e1e"),
        (role.AlternateBase, "#262626"), (role.Text, "#e8e8e8"), (role.Button, "#353535"),
        (role.ButtonText, "#e8e8e8"), (role.Highlight, "#3d7bd9"),
        (role.HighlightedText, "#ffffff"), (role.PlaceholderText, "#8a8a8a"),
        (role.ToolTipBase, "#353535"), (role.ToolTipText, "#e8e8e8"), (role.Mid, "#444444"),
        (role.Dark, "#1a1a1a"), (role.Light, "#4a4a4a"), (role.Midlight, "#3a3a3a"),
    ):  # fmt: skip
        p.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor("#6e6e6e"))
    return p


if __name__ == "__main__":  # preview workers are spawned: never run this twice
    sys.exit(main())
