"""The shareable web gallery in a real headless chromium, served over HTTP as a
bucket serves it: layouts, the lightbox and its keys, the single download, and
names that try to be HTML."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote, urlsplit

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from lytsite_desktop.core.gallery.layout import masonry_columns
from tests.support.gallery import fake_project, write_page
from tests.support.webserver import serve

EVIL = "<img src=x onerror=alert(1)>.jpg"


@pytest.fixture
def site(tmp_path):
    """Publish ``paths`` as a project under tmp_path, served over HTTP: its page's URL."""
    with serve(tmp_path) as (base, _server):

        def publish(paths: list[str], preview=(360, 240), portraits=frozenset()) -> str:
            write_page(tmp_path, fake_project(tmp_path, paths, preview=preview,
                                              portraits=portraits))  # fmt: skip
            return base + "projects/shoot/index.html"

        yield publish


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
def test_the_layout_follows_the_number_of_files(browser, site, count, layout, cols):
    browser.get(site(names(count)))
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
    assert img.get_attribute("loading") == "lazy" and "/thumbs/" in img.get_attribute("src")
    srcset = img.get_attribute("srcset")
    if layout == "thumbs":  # small cells: the thumbnail is all they need
        assert not srcset
    else:  # the preview where the screen needs it
        assert "thumbs/" in srcset and "previews/" in srcset and " 120w" in srcset
    # previews and thumbnails only: never an original as an image on the page
    for i in browser.find_elements(By.TAG_NAME, "img"):
        assert "/files/" not in (i.get_attribute("src") or "")
    assert browser.find_elements(By.CSS_SELECTOR, "main a.download") == []  # no link under each


def pictures(browser) -> list[dict]:
    """Each photo on the page once its picture is in: where it is drawn, and its
    picture's own width / height."""
    script = (
        "return Array.from(document.querySelectorAll('figure.item img')).map(function (i) {"
        "  var r = i.getBoundingClientRect();"
        "  return {x: r.left, y: r.top, w: r.width, h: r.height, right: r.right, name: i.alt,"
        "          own: i.complete && i.naturalHeight ? i.naturalWidth / i.naturalHeight : 0};"
        "});"
    )
    for img in browser.find_elements(By.CSS_SELECTOR, "figure.item img"):  # lazy: shown once
        browser.execute_script("arguments[0].scrollIntoView()", img)
    WebDriverWait(browser, 10).until(lambda b: all(p["own"] for p in b.execute_script(script)))
    browser.execute_script("window.scrollTo(0, 0)")
    return browser.execute_script(script)


def test_a_small_gallery_shows_each_photo_whole_in_even_rows(browser, site):
    """2-6 photos were a grid of 3:2 tiles, and a portrait lost its top and bottom."""
    url = site(names(5), preview=(900, 600), portraits=frozenset({names(5)[0], names(5)[3]}))
    browser.get(url)
    shown = pictures(browser)
    for p in shown:  # each at its own shape: nothing cut off
        assert abs(p["w"] / p["h"] - p["own"]) < 0.02 * p["own"], p
    assert [round(p["own"], 2) for p in shown] == [0.67, 1.5, 1.5, 0.67, 1.5]
    main = browser.execute_script(
        "var m = document.querySelector('main'), s = getComputedStyle(m);"
        "return [m.getBoundingClientRect().left + parseFloat(s.paddingLeft),"
        "        m.getBoundingClientRect().right - parseFloat(s.paddingRight)]"
    )
    for row in (shown[:3], shown[3:]):  # three, then two: as high as each other, edge to edge
        assert len({round(p["y"]) for p in row}) == 1
        assert max(p["h"] for p in row) - min(p["h"] for p in row) < 2
        assert abs(row[0]["x"] - main[0]) < 2 and abs(row[-1]["right"] - main[1]) < 2
    # Two portraits side by side would be taller than the screen: the row stops at
    # 80% of its height and stands in the middle.
    browser.get(site(names(2), preview=(900, 600), portraits=frozenset(names(2))))
    shown = pictures(browser)
    screen = browser.execute_script("return window.innerHeight")
    assert all(abs(p["h"] - 0.8 * screen) < 2 for p in shown)
    assert abs((shown[0]["x"] - main[0]) - (main[1] - shown[1]["right"])) < 2


def test_a_masonry_reads_in_the_gallery_order_as_the_app_lays_it_out(browser, phone, site):
    """7-20 photos flowed down the page's columns (the first column held the first
    four, the second the next four): the top row read 1, 5, 9 where the app's
    Gallery tab, and the order the photographer chose, read 1, 2, 3."""
    paths = names(12)
    upright = {0, 3, 4, 8}
    url = site(paths, preview=(900, 600), portraits=frozenset(paths[i] for i in upright))
    browser.get(url)
    shown = {p["name"]: p for p in pictures(browser)}
    xs = sorted({round(p["x"]) for p in shown.values()})
    columns = [[n for n in paths if round(shown[n]["x"]) == x] for x in xs]
    for column in columns:
        column.sort(key=lambda n: shown[n]["y"])
    aspects = [3 / 2 if i in upright else 2 / 3 for i in range(12)]  # height / width
    assert columns == [[paths[i] for i in picks] for picks in masonry_columns(aspects, 3)]
    assert [column[0] for column in columns] == paths[:3]  # the first three across the top
    # The viewer goes in the same order (the page holds the photos column by column).
    browser.find_element(By.CSS_SELECTOR, f'a.photo img[alt="{paths[1]}"]').click()
    assert opened(browser, 1)["caption"].startswith(paths[1])
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    assert opened(browser, 2)["caption"].startswith(paths[2])
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(browser, 10).until(lambda b: lightbox(b) is None)
    phone.get(url)  # one column, in the gallery's order
    shown = pictures(phone)
    assert sorted(shown, key=lambda p: p["y"]) == sorted(shown, key=lambda p: p["name"])
    assert all(abs(p["w"] - 370) < 2 for p in shown)


def test_a_masonrys_section_of_one_or_two_fills_the_width(browser, phone, site):
    """A folder of one photo in a 7-20 gallery stood alone in the first of three
    columns, two thirds of the page empty beside it (two photos: one third)."""
    paths = [*names(8), "ceremony/C_1.jpg", "ceremony/C_2.jpg", "party/P_1.jpg"]
    url = site(paths, preview=(900, 600))
    browser.get(url)
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-layout") == "masonry"
    shown = {p["name"]: p for p in pictures(browser)}
    main = browser.execute_script(
        "var m = document.querySelector('main'), s = getComputedStyle(m);"
        "return [m.getBoundingClientRect().left + parseFloat(s.paddingLeft),"
        "        m.getBoundingClientRect().right - parseFloat(s.paddingRight)]"
    )
    assert len({round(shown[n]["x"]) for n in names(8)}) == 3  # the first section: a masonry
    pair = shown["C_1.jpg"], shown["C_2.jpg"]  # side by side, edge to edge, as high
    assert round(pair[0]["y"]) == round(pair[1]["y"]) and abs(pair[0]["h"] - pair[1]["h"]) < 2
    assert abs(pair[0]["x"] - main[0]) < 2 and abs(pair[1]["right"] - main[1]) < 2
    lone = shown["P_1.jpg"]  # as large as a row allows, in the middle, whole
    assert lone["w"] > 0.6 * (main[1] - main[0])
    assert abs((lone["x"] - main[0]) - (main[1] - lone["right"])) < 2
    assert abs(lone["w"] / lone["h"] - 1.5) < 0.03
    phone.get(url)  # a phone: one under the other, in the gallery's order, full width
    shown = pictures(phone)
    assert [p["name"] for p in sorted(shown, key=lambda p: p["y"])] == [
        p.rsplit("/", 1)[-1] for p in paths]  # fmt: skip
    assert all(abs(p["w"] - 370) < 2 for p in shown)


def test_folders_become_sections(browser, site):
    browser.get(site(["a.jpg", "ceremony/b.jpg", "ceremony/c.jpg", "party/d.jpg"]))
    titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert titles == ["ceremony", "party"]
    sections = browser.find_elements(By.CSS_SELECTOR, "section.section")
    assert [len(s.find_elements(By.CSS_SELECTOR, "figure")) for s in sections] == [1, 2, 1]


def lightbox(browser) -> dict | None:
    return browser.execute_script(
        "var p = window.lytsiteLightbox && lytsiteLightbox.pswp;"
        "if (!p || !p.currSlide || !p.opener.isOpen || p.opener.isOpening) return null;"
        "var img = p.currSlide.content.element;"
        "return {index: p.currIndex, zoom: p.currSlide.currZoomLevel,"
        "  fit: p.currSlide.zoomLevels.initial,"
        "  ui: p.element.classList.contains('pswp--ui-visible'),"
        "  src: img && (img.currentSrc || img.src),"
        "  caption: p.element.querySelector('.pswp__caption').textContent,"
        "  counter: p.element.querySelector('.pswp__counter').textContent,"
        "  inside: p.element.contains(document.activeElement)};"
    )


def opened(browser, index: int | None = None) -> dict:
    wait = WebDriverWait(browser, 10)
    wait.until(lambda b: (s := lightbox(b)) and (index is None or s["index"] == index))
    return lightbox(browser)


def test_one_click_opens_the_lightbox_and_the_keys_move_it(browser, site):
    browser.get(site(names(30), preview=(1200, 800)))  # enough for the screen at first
    assert lightbox(browser) is None
    browser.find_elements(By.CSS_SELECTOR, "figure.item a.photo")[3].click()
    state = opened(browser, 3)
    assert state["caption"].startswith("IMG_0003.jpg") and "Lytsite TestCam 1" in state["caption"]
    assert "/previews/" in unquote(state["src"]) and state["counter"] == "4 / 30"
    for key, expected in ((Keys.ARROW_RIGHT, 4), (Keys.ARROW_LEFT, 3), (Keys.ARROW_LEFT, 2)):
        ActionChains(browser).send_keys(key).perform()
        state = opened(browser, expected)
        assert state["caption"].startswith(f"IMG_{expected:04d}.jpg")
    # Focus stays inside while it is open (Tab cycles through its buttons).
    for _ in range(8):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        assert lightbox(browser)["inside"]
    names_read = [b.get_attribute("aria-label") or b.get_attribute("title") for b in
                  browser.find_elements(By.CSS_SELECTOR, ".pswp__button")]  # fmt: skip
    assert "Close (Esc)" in names_read and "Next (right arrow)" in names_read
    assert "Add to my selection: IMG_0002.jpg" in names_read
    assert "Download the original of IMG_0002.jpg" in names_read
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(browser, 10).until(lambda b: lightbox(b) is None)
    # focus returns to the photo last shown, for keyboard users
    WebDriverWait(browser, 5).until(
        lambda b: (
            b.execute_script(
                "var img = document.activeElement.querySelector('img'); return img && img.alt"
            )
            == "IMG_0002.jpg"
        )
    )


def test_the_lightbox_downloads_the_original_byte_exact(browser, site, tmp_path):
    url = site(["a.jpg", "b/c.jpg", "b/d.jpg"])
    manifest = fake_project(tmp_path / "again", ["a.jpg", "b/c.jpg", "b/d.jpg"])
    browser.get(url)
    browser.find_elements(By.CSS_SELECTOR, "a.photo")[1].click()
    opened(browser, 1)
    link = browser.find_element(By.CSS_SELECTOR, "a.pswp-download")
    name = link.get_attribute("download")
    entry = next(e for e in manifest.files.values() if e.fileName == name)
    target = tmp_path / unquote(urlsplit(link.get_attribute("href")).path).lstrip("/")
    assert "/files/" in str(target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == entry.sha256


def test_a_name_made_of_html_shows_as_text_and_runs_nothing(browser, site):
    browser.get(site([EVIL, f"<b>bold</b>/{EVIL}", "plain.jpg"]))
    captions = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "figcaption .name")]
    assert captions.count(EVIL) == 2
    assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")] == ["<b>bold</b>"]
    assert browser.find_elements(By.CSS_SELECTOR, "main b") == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "main img")) == 3  # no injected <img>
    browser.find_elements(By.CSS_SELECTOR, "figure.item a.photo")[0].click()
    assert opened(browser)["caption"].startswith(EVIL)
    assert browser.find_elements(By.CSS_SELECTOR, ".pswp__caption img") == []
    hearts = [h.get_attribute("aria-label") for h in browser.find_elements(By.CSS_SELECTOR,
              "figure.item button.heart")]  # fmt: skip
    assert f"Add to my selection: {EVIL}" in hearts
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.title == "shoot"
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()


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
    index = write_page(tmp_path, manifest)
    browser.set_window_size(390, 844)  # a phone
    try:
        browser.get(index.as_uri())  # an exported folder, opened offline
        assert browser.title == "Ana & João — <Wedding>"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Ana & João — <Wedding>"
        cover = browser.find_element(By.CSS_SELECTOR, "header .cover img")
        assert files["IMG_0003.jpg"].preview.key.rsplit("/", 2)[-2] in cover.get_attribute("src")
        assert browser.execute_script("return arguments[0].naturalWidth", cover) > 0
        shown = [i.get_attribute("alt") for i in browser.find_elements(By.CSS_SELECTOR,
                 "figure.item img")]  # fmt: skip
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


def test_an_upright_cover_shows_its_upper_part(browser, site, tmp_path):
    """A portrait as the cover was cut to the wide header from its middle: a
    person's head, in its upper third, was gone."""
    import io

    from PIL import Image, ImageChops

    url = site(names(3), preview=(900, 600), portraits=frozenset(names(3)[:1]))
    picture = Image.new("RGB", (600, 900), (30, 60, 200))
    picture.paste((230, 20, 20), (0, 0, 600, 180))  # the top fifth: where the head is
    preview = next((tmp_path / "projects" / "shoot" / "previews").rglob("IMG_0000.webp"))
    picture.save(preview, "WEBP", quality=90)
    browser.get(url)
    cover = browser.find_element(By.CSS_SELECTOR, "header .cover img")
    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script("return arguments[0].complete", cover)
    )
    shot = Image.open(io.BytesIO(cover.screenshot_as_png)).convert("RGB")
    r, g, _ = shot.split()
    reddish = ImageChops.multiply(r.point(lambda v: 255 if v > 180 else 0),
                                  g.point(lambda v: 255 if v < 80 else 0))  # fmt: skip
    assert reddish.histogram()[255] > 0.05 * shot.width * shot.height  # a band of it shows


def test_reduced_motion_opens_without_animation(browser, site):
    url = site(names(8))
    reduce = {"name": "prefers-reduced-motion", "value": "reduce"}
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [reduce]})
    try:
        for reduced in (True, False):
            if not reduced:
                browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
            browser.get(url)
            browser.find_element(By.CSS_SELECTOR, f'a.photo img[alt="{names(8)[1]}"]').click()
            opened(browser, 1)
            options = browser.execute_script(
                "var o = lytsiteLightbox.pswp.options;"
                "return [o.showHideAnimationType, o.zoomAnimationDuration]"
            )
            assert (options == ["none", 0]) is reduced, options
            ActionChains(browser).send_keys(Keys.ESCAPE).perform()
            WebDriverWait(browser, 5).until(lambda b: lightbox(b) is None)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_the_offline_copy_opens_the_viewer_from_disk(browser, tmp_path):
    """An exported folder (or the local library) opened as a file: the viewer works
    (classic scripts, no modules), and Download all is not offered: the originals
    are right there in the folder."""
    index = write_page(tmp_path, fake_project(tmp_path, names(6)))
    browser.get(index.as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, "details.all") == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.item button.heart")) == 6
    browser.find_elements(By.CSS_SELECTOR, "a.photo")[2].click()
    assert opened(browser, 2)["caption"].startswith("IMG_0002.jpg")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(browser, 5).until(lambda b: lightbox(b) is None)
