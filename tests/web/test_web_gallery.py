"""The shareable web gallery in a real headless chromium: layouts, the lightbox and
its keys, download links, and names that try to be HTML."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from lytsite_desktop.core.gallery.web import ASSETS, asset, render_index
from lytsite_desktop.core.keys import project_prefix
from tests.support.gallery import fake_project

EVIL = "<img src=x onerror=alert(1)>.jpg"


def page(tmp_path: Path, paths: list[str]) -> Path:
    """A project's folder as the bucket holds it, with its index.html."""
    manifest = fake_project(tmp_path, paths)
    folder = tmp_path / project_prefix(manifest.project)
    (folder / "index.html").write_text(render_index(manifest), "utf-8")
    for name in ASSETS:
        (folder / name).write_bytes(asset(name))
    return folder / "index.html"


def names(n: int) -> list[str]:
    return [f"IMG_{i:04d}.jpg" for i in range(n)]


def columns(browser, selector: str) -> int:
    """How many distinct x positions the figures take: the columns as laid out."""
    xs = {round(e.rect["x"]) for e in browser.find_elements(By.CSS_SELECTOR, selector)}
    return len(xs)


@pytest.mark.parametrize(
    ("count", "layout", "cols"),
    [(1, "single", 1), (4, "grid", 2), (12, "masonry", 3), (50, "thumbs", 0)],
)
def test_the_layout_follows_the_number_of_files(browser, tmp_path, count, layout, cols):
    browser.get(page(tmp_path, names(count)).as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    assert body.get_attribute("data-layout") == layout
    figures = browser.find_elements(By.CSS_SELECTOR, "figure.item")
    assert len(figures) == count
    if layout == "thumbs":  # as many small square cells as fit the width
        assert columns(browser, "figure.item") >= 6
        assert all(f.rect["width"] < 200 and f.rect["width"] == f.rect["height"] for f in figures)
    else:
        assert columns(browser, "figure.item") == cols
    img = figures[0].find_element(By.TAG_NAME, "img")
    assert img.get_attribute("loading") == "lazy"
    srcset = img.get_attribute("srcset")
    assert "thumbs/" in srcset and "previews/" in srcset and " 120w" in srcset
    # previews and thumbnails only: never an original as an image
    for i in browser.find_elements(By.TAG_NAME, "img"):
        assert "/files/" not in (i.get_attribute("src") or "")


def test_folders_become_sections(browser, tmp_path):
    browser.get(
        page(tmp_path, ["a.jpg", "ceremony/b.jpg", "ceremony/c.jpg", "party/d.jpg"]).as_uri()
    )
    titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert titles == ["ceremony", "party"]
    sections = browser.find_elements(By.CSS_SELECTOR, "section.section")
    assert [len(s.find_elements(By.CSS_SELECTOR, "figure")) for s in sections] == [1, 2, 1]


def test_the_lightbox_opens_and_moves_with_the_keys(browser, tmp_path):
    browser.get(page(tmp_path, names(30)).as_uri())
    box = browser.find_element(By.ID, "lightbox")
    assert not box.get_attribute("open")
    browser.find_elements(By.CSS_SELECTOR, "figure.item a.open")[3].click()
    assert box.get_attribute("open") is not None

    def shown() -> tuple[str, str]:
        name = box.find_element(By.CSS_SELECTOR, ".name").text
        src = box.find_element(By.TAG_NAME, "img").get_attribute("src")
        return name, unquote(urlsplit(src).path)

    assert shown()[0] == "IMG_0003.jpg" and "/previews/" in shown()[1]
    assert "Lytsite TestCam 1" in box.find_element(By.CSS_SELECTOR, ".camera").text
    body = browser.find_element(By.TAG_NAME, "body")
    for key, expected in ((Keys.ARROW_RIGHT, "IMG_0004.jpg"), (Keys.ARROW_LEFT, "IMG_0003.jpg"),
                          (Keys.END, "IMG_0029.jpg"), (Keys.ARROW_RIGHT, "IMG_0029.jpg"),
                          (Keys.HOME, "IMG_0000.jpg")):  # fmt: skip
        body.send_keys(key)
        assert shown()[0] == expected
        assert shown()[1].endswith(f"/{expected[:-4]}.webp")
    assert box.find_element(By.CSS_SELECTOR, ".counter").text == "1 / 30"
    body.send_keys(Keys.ESCAPE)
    assert box.get_attribute("open") is None
    # focus returns to the photo that was open, for keyboard users
    active = browser.switch_to.active_element
    assert active.find_element(By.XPATH, "..").get_attribute("data-name") == "IMG_0000.jpg"


def test_download_links_point_at_the_originals(browser, tmp_path):
    index = page(tmp_path, ["a.jpg", "b/c.jpg", "b/d.jpg"])
    manifest = fake_project(tmp_path / "again", ["a.jpg", "b/c.jpg", "b/d.jpg"])
    browser.get(index.as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, "figure.item a.download")
    assert len(links) == 3
    for link in links:
        target = Path(unquote(urlsplit(link.get_attribute("href")).path))
        assert target.is_relative_to(index.parent / "files")
        name = link.get_attribute("download")
        entry = next(e for e in manifest.files.values() if e.fileName == name)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == entry.sha256
        assert link.text.startswith("Download original (") and "B)" in link.text


def test_a_name_made_of_html_shows_as_text_and_runs_nothing(browser, tmp_path):
    browser.get(page(tmp_path, [EVIL, f"<b>bold</b>/{EVIL}", "plain.jpg"]).as_uri())
    captions = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "figcaption .name")]
    assert captions.count(EVIL) == 2
    assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")] == ["<b>bold</b>"]
    assert browser.find_elements(By.CSS_SELECTOR, "main b") == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "main img")) == 3  # no injected <img>
    browser.find_elements(By.CSS_SELECTOR, "figure.item a.open")[0].click()
    box = browser.find_element(By.ID, "lightbox")
    assert box.find_element(By.CSS_SELECTOR, ".name").text == EVIL
    assert box.find_elements(By.CSS_SELECTOR, "figcaption img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.title == "shoot"


def test_title_cover_hidden_files_order_and_documents_on_a_phone(browser, tmp_path):
    from dataclasses import replace

    from lytsite_desktop.core.publish.entry import Rendition

    manifest = fake_project(tmp_path, names(5))
    files = manifest.files
    for i, path in enumerate(names(5)):  # taken in the reverse order of their names
        camera = {**(files[path].camera or {}), "takenAt": f"2026-06-14T1{9 - i}:00:00"}
        files[path] = replace(files[path], camera=camera)
    files["IMG_0001.jpg"] = replace(files["IMG_0001.jpg"], hidden=True)
    thumb = files["IMG_0000.jpg"].thumb
    files["contract.pdf"] = replace(
        files["IMG_0000.jpg"], fileId="pdf1", fileName="contract.pdf", path="contract.pdf",
        contentType="application/pdf", camera=None,
        preview=Rendition("projects/shoot/previews/pdf1/contract.pdf", 595, 842, 100,
                          "application/pdf"), thumb=thumb,
    )  # fmt: skip
    manifest.title = "Ana & João — <Wedding>"
    manifest.cover = files["IMG_0003.jpg"].fileId
    folder = tmp_path / project_prefix(manifest.project)
    (folder / "index.html").write_text(render_index(manifest), "utf-8")
    for name in ASSETS:
        (folder / name).write_bytes(asset(name))
    browser.set_window_size(390, 844)  # a phone
    try:
        browser.get((folder / "index.html").as_uri())
        assert browser.title == "Ana & João — <Wedding>"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Ana & João — <Wedding>"
        cover = browser.find_element(By.CSS_SELECTOR, "header .cover img")
        assert files["IMG_0003.jpg"].preview.key.rsplit("/", 2)[-2] in cover.get_attribute("src")
        assert browser.execute_script("return arguments[0].naturalWidth", cover) > 0
        shown = [f.get_attribute("data-name") for f in browser.find_elements(By.CSS_SELECTOR,
                 "figure.item")]  # fmt: skip
        assert shown == ["IMG_0004.jpg", "IMG_0003.jpg", "IMG_0002.jpg", "IMG_0000.jpg"]
        sections = browser.find_elements(By.CSS_SELECTOR, "main section.section")
        last = sections[-1]
        assert last.find_element(By.TAG_NAME, "h2").text == "Documents"
        assert last.find_element(By.CSS_SELECTOR, "a.open").text == "contract.pdf"
        assert "contract.pdf" not in shown
        meta = browser.find_element(By.CSS_SELECTOR, "header .meta").text
        assert meta == "4 photos · 1 document"
        width = browser.execute_script("return window.innerWidth")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        assert cover.rect["width"] <= width
    finally:
        browser.set_window_size(1200, 900)  # as the session started
