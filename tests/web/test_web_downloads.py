"""Download all, in real headless chromium over HTTP, into a download folder set
through the DevTools protocol: one ZIP whose entries are the byte-exact originals
(or the web-size copies), streamed by the service worker, going on after a
connection cut midway through a file; the client's selection alone; a page with
downloads switched off offers none and links no original; an expired page shows
only that; a private one asks search engines to stay away."""

from __future__ import annotations

import hashlib
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from lytsite_desktop.core.gallery.webdata import expired_words
from tests.support.browser import allow_downloads, alt_of
from tests.support.gallery import fake_project, write_page
from tests.support.webserver import serve

PATHS = ["IMG_0001.jpg", "ceremony/IMG_0002.jpg", "ceremony/Ana & João.jpg", "party/IMG_0003.jpg"]


def download_all(browser, folder: Path, kind: str) -> Path:
    browser.find_element(By.CSS_SELECTOR, "details.all summary").click()
    browser.find_element(By.CSS_SELECTOR, f'details.all button[data-kind="{kind}"]').click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = browser.execute_script("return document.body.dataset.zip")
        done = [p for p in folder.glob("*.zip")]
        if state and state != "done":
            pytest.fail(
                f"the download {state}: " + browser.find_element(By.CSS_SELECTOR, ".zip").text
            )
        if state == "done" and done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    pytest.fail("no ZIP arrived")


@pytest.fixture
def published(tmp_path):
    root = tmp_path / "bucket"
    manifest = fake_project(root, PATHS)
    return root, manifest


def test_download_all_gives_the_originals_byte_exact(browser, published, tmp_path):
    root, manifest = published
    write_page(root, manifest)
    folder = tmp_path / "downloads"
    folder.mkdir()
    # The first answer for one original stops halfway: the archive goes on from there.
    cut = manifest.files["ceremony/IMG_0002.jpg"].fileName
    with serve(root, cut=cut) as (base, server):
        allow_downloads(browser, str(folder))
        browser.get(base + "projects/shoot/index.html")
        menu = browser.find_element(By.CSS_SELECTOR, "details.all")
        words = menu.get_attribute("textContent")
        assert "Originals" in words and "Web size" in words
        archive = download_all(browser, folder, "o")
        ranges = [r for p, r in server.requests if p.endswith(cut)]
    assert archive.name == "shoot.zip"
    assert ranges[0] is None and ranges[1] and ranges[1].startswith("bytes=")
    with zipfile.ZipFile(archive) as z:
        assert z.testzip() is None  # every CRC-32 right
        assert sorted(z.namelist()) == sorted(PATHS)
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            entry = manifest.files[info.filename]
            assert hashlib.sha256(z.read(info)).hexdigest() == entry.sha256
    status = browser.find_element(By.CSS_SELECTOR, "nav.bar .zip").text
    assert status.startswith("Downloaded 4 files")


def test_web_size_and_the_selection_alone(browser, published, tmp_path):
    root, manifest = published
    write_page(root, manifest)
    folder = tmp_path / "downloads"
    folder.mkdir()
    with serve(root) as (base, _server):
        allow_downloads(browser, str(folder))
        browser.get(base + "projects/shoot/index.html")
        browser.execute_script("localStorage.clear()")
        browser.refresh()
        hearts = browser.find_elements(By.CSS_SELECTOR, "figure.item button.heart")
        chosen = [alt_of(h) for h in hearts[1:3]]
        for heart in hearts[1:3]:
            heart.click()
        browser.find_element(By.CSS_SELECTOR, "nav.bar .selection").click()
        # The names copied for the photographer (the page's own clipboard, granted here).
        allowed = ["clipboardReadWrite", "clipboardSanitizedWrite"]
        browser.execute_cdp_cmd("Browser.grantPermissions",
                                {"origin": base.rstrip("/"), "permissions": allowed})  # fmt: skip
        copy = browser.find_element(By.CSS_SELECTOR, "nav.bar .send .copy")
        copy.click()
        WebDriverWait(browser, 5).until(lambda b: copy.text == "Copied 2 names")
        pasted = browser.execute_async_script(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('! ' + e))"
        )
        assert pasted.splitlines() == chosen
        summary = browser.find_element(By.CSS_SELECTOR, "details.all summary")
        assert summary.text == "Download 2 selected"
        archive = download_all(browser, folder, "w")
    assert archive.name == "shoot (web size) (my selection).zip"
    by_name = {e.fileName: e for e in manifest.files.values()}
    with zipfile.ZipFile(archive) as z:
        assert z.testzip() is None
        assert len(z.namelist()) == 2
        for name in z.namelist():
            assert name.endswith(".webp")
            entry = next(e for e in by_name.values() if e.path.rsplit(".", 1)[0] + ".webp" == name)
            assert entry.fileName in chosen
            assert z.read(name) == (root / entry.preview.key).read_bytes()


def test_downloads_switched_off_offer_nothing_and_link_no_original(browser, published):
    root, manifest = published
    manifest.downloads = False
    index = write_page(root, manifest)
    html = index.read_text("utf-8")
    assert "/files/" not in html and "files/" not in html
    with serve(root) as (base, _server):
        browser.get(base + "projects/shoot/index.html")
        assert browser.find_elements(By.CSS_SELECTOR, "details.all") == []
        browser.find_elements(By.CSS_SELECTOR, "a.photo")[0].click()
        time.sleep(1)
        link = browser.find_element(By.CSS_SELECTOR, "a.pswp-download")
        assert not link.is_displayed()
        browser.back()


@pytest.mark.parametrize("when", ["rendered", "later"])
def test_an_expired_gallery_says_so_and_offers_nothing(browser, published, when):
    root, manifest = published
    yesterday = date.today() - timedelta(days=1)
    manifest.expires = yesterday.isoformat()
    # Rendered after the date, or rendered while open and opened after it.
    rendered_on = None if when == "rendered" else yesterday - timedelta(days=3)
    index = write_page(root, manifest, today=rendered_on)
    with serve(root) as (base, _server):
        browser.get(base + "projects/shoot/index.html")
        ended = browser.find_element(By.CSS_SELECTOR, "p.ended")
        assert ended.text.startswith("This gallery was open until ")
        assert str(yesterday.year) in ended.text
        assert browser.find_elements(By.CSS_SELECTOR, "figure.item, nav.bar, a[download]") == []
        assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
    if when == "rendered":
        assert "/files/" not in index.read_text("utf-8")
    assert expired_words(manifest.expires).endswith(f"{yesterday.year}.")


def test_a_private_gallery_asks_search_engines_to_stay_away(published):
    root, manifest = published
    assert 'name="robots"' not in write_page(root, manifest).read_text("utf-8")
    manifest.private = True
    html = write_page(root, manifest).read_text("utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in html
