"""The gallery on a phone (390 x 844, touch, in real headless chromium, served over
HTTP): no sideways scrolling; the lightbox opened by a tap, moved by a swipe,
zoomed by a double-tap and a pinch (the original once the screen needs more than
the preview), its buttons hidden and shown by a tap, closed by the back gesture;
hearts that survive a reload and a filter to the client's selection."""

from __future__ import annotations

import itertools
from dataclasses import replace
from urllib.parse import unquote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import alt_of, pinch, swipe, tap
from tests.support.gallery import fake_project, write_page
from tests.support.webserver import serve
from tests.web.test_web_gallery import lightbox, opened, pictures

CENTRE = (195, 420)


@pytest.fixture
def gallery(tmp_path):
    manifest = fake_project(tmp_path, [f"IMG_{i:04d}.jpg" for i in range(24)],
                            preview=(1200, 800))  # fmt: skip
    manifest.studio, manifest.contact = "Studio Nord", "hello@studio-nord.example"
    write_page(tmp_path, manifest)
    with serve(tmp_path) as (base, _server):
        yield base + "projects/shoot/index.html"


def centre_of(phone, element) -> tuple[float, float]:
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    x, y = phone.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return [r.x + r.width / 2, r.y + r.height / 2]",
        element,
    )
    return x, y


def settled(phone, check, timeout: float = 10) -> dict:
    """The lightbox's state once ``check`` holds for it."""
    WebDriverWait(phone, timeout, poll_frequency=0.1).until(lambda p: check(lightbox(p)))
    return lightbox(phone)


def test_the_lightbox_by_touch(phone, gallery):
    phone.get(gallery)
    width = phone.execute_script("return window.innerWidth")
    assert width == 390
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width
    photos = phone.find_elements(By.CSS_SELECTOR, "a.photo")
    tap(phone, centre_of(phone, photos[2]))
    state = opened(phone, 2)
    assert state["ui"] and "/previews/" in unquote(state["src"])
    swipe(phone, (340, 420), (40, 420))  # to the next photo
    state = settled(phone, lambda s: s and s["index"] == 3)
    assert state["caption"].startswith("IMG_0003.jpg")
    swipe(phone, (40, 420), (340, 420))  # and back
    settled(phone, lambda s: s and s["index"] == 2)
    # A double-tap zooms in; the screen now needs more than the preview: the original.
    tap(phone, CENTRE)
    tap(phone, CENTRE)
    state = settled(phone, lambda s: s and s["zoom"] > 2 * s["fit"])
    settled(phone, lambda s: "/files/" in unquote(s["src"]))
    tap(phone, CENTRE)
    tap(phone, CENTRE)  # and out again
    settled(phone, lambda s: s and abs(s["zoom"] - s["fit"]) < 1e-6)
    pinch(phone, CENTRE, 60, 300)  # two fingers apart
    settled(phone, lambda s: s and s["zoom"] > 1.5 * s["fit"])
    tap(phone, CENTRE)
    tap(phone, CENTRE)  # back to the whole photo
    settled(phone, lambda s: s and abs(s["zoom"] - s["fit"]) < 1e-6)
    # One tap hides the buttons and caption, another shows them.
    visible = lightbox(phone)["ui"]
    tap(phone, CENTRE)
    settled(phone, lambda s: s and s["ui"] is not visible, timeout=3)
    tap(phone, CENTRE)
    settled(phone, lambda s: s and s["ui"] is visible, timeout=3)
    # The back gesture closes it, and the page is where it was.
    phone.back()
    WebDriverWait(phone, 5).until(lambda p: lightbox(p) is None)
    assert phone.current_url == gallery
    WebDriverWait(phone, 5).until(lambda p: not p.find_elements(By.CSS_SELECTOR, ".pswp"))


def test_hearts_survive_a_reload_and_the_selection_is_sent(phone, gallery):
    phone.get(gallery)
    phone.execute_script("localStorage.clear()")
    phone.get(gallery)
    hearts = phone.find_elements(By.CSS_SELECTOR, "figure.item button.heart")
    assert len(hearts) == 24
    for i in (1, 5, 9):
        tap(phone, centre_of(phone, hearts[i]))
    toggle = phone.find_element(By.CSS_SELECTOR, "nav.bar .selection")
    assert toggle.text == "My selection (3)"
    phone.refresh()
    toggle = phone.find_element(By.CSS_SELECTOR, "nav.bar .selection")
    assert toggle.text == "My selection (3)"
    pressed = phone.find_elements(By.CSS_SELECTOR, 'figure.item button.heart[aria-pressed="true"]')
    assert [alt_of(h) for h in pressed] == [
        "IMG_0001.jpg", "IMG_0005.jpg", "IMG_0009.jpg"]  # fmt: skip
    tap(phone, centre_of(phone, toggle))  # only the selection
    shown = [f for f in phone.find_elements(By.CSS_SELECTOR, "figure.item") if f.is_displayed()]
    assert [alt_of(f) for f in shown] == [
        "IMG_0001.jpg", "IMG_0005.jpg", "IMG_0009.jpg"]  # fmt: skip
    mail = phone.find_element(By.CSS_SELECTOR, "nav.bar .send a.mail")
    assert mail.text == "Send to Studio Nord"
    href = unquote(mail.get_attribute("href"))
    assert href.startswith("mailto:hello@studio-nord.example?subject=My selection: shoot")
    assert "IMG_0001.jpg\nIMG_0005.jpg\nIMG_0009.jpg" in href
    # The heart in the lightbox is the same selection.
    tap(phone, centre_of(phone, shown[0].find_element(By.CSS_SELECTOR, "a.photo")))
    opened(phone)
    heart = phone.find_element(By.CSS_SELECTOR, ".pswp__button.heart")
    assert heart.get_attribute("aria-pressed") == "true"
    heart.click()
    assert heart.get_attribute("aria-pressed") == "false"
    phone.back()
    WebDriverWait(phone, 5).until(lambda p: lightbox(p) is None)
    assert phone.find_element(By.CSS_SELECTOR, "nav.bar .selection").text == "My selection (2)"
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("count", [10, 24])  # masonry, then a grid of thumbnails
def test_a_file_without_a_preview_keeps_its_name_and_download_on_a_phone(phone, tmp_path, count):
    """On a phone, the masonry and the thumbnail grid hide captions: a photo's name
    and download are in its lightbox, but a ZIP's tile was left saying only "ZIP"."""
    manifest = fake_project(tmp_path, [f"IMG_{i:04d}.jpg" for i in range(count - 1)] + ["a.zip"])
    zipped = manifest.files["a.zip"]
    manifest.files["a.zip"] = replace(zipped, contentType="application/zip", preview=None,
                                      thumb=None, fileName="contract-scans.zip",
                                      size=147_456)  # "Download original (144.0 KiB)"  # fmt: skip
    write_page(tmp_path, manifest)
    with serve(tmp_path) as (base, _server):
        phone.get(base + "projects/shoot/index.html")
        tile = phone.find_element(By.CSS_SELECTOR, "figure.item .tile").find_element(By.XPATH, "..")
        caption = tile.find_element(By.TAG_NAME, "figcaption")
        phone.execute_script("arguments[0].scrollIntoView()", tile)
        assert caption.is_displayed()
        assert caption.text.startswith("contract-scans.zip") and "Download original" in caption.text
        right = "return arguments[0].getBoundingClientRect().right"
        link = caption.find_element(By.CSS_SELECTOR, "a.download")
        assert phone.execute_script(right, link) <= phone.execute_script(right, tile) + 1
        link = phone.find_element(By.CSS_SELECTOR, "figure.item a.photo")
        photo = link.find_element(By.XPATH, "..")
        hidden = photo.find_elements(By.TAG_NAME, "figcaption")
        assert not hidden or not hidden[0].is_displayed(), "a photo's caption is in its lightbox"
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390


def test_a_small_gallery_on_a_phone_is_one_column_of_whole_photos(phone, tmp_path):
    """A portrait in 2-6 photos was cut to a 3:2 tile on a phone too; the bar's
    button stood 14 px further in than the photos (the phone's padding lost to the
    rule after it)."""
    paths = [f"IMG_{i:04d}.jpg" for i in range(4)]
    write_page(tmp_path, fake_project(tmp_path, paths, preview=(900, 600),
                                      portraits=frozenset(paths[::2])))  # fmt: skip
    with serve(tmp_path) as (base, _server):
        phone.get(base + "projects/shoot/index.html")
        shown = pictures(phone)
    assert [round(p["own"], 2) for p in shown] == [0.67, 1.5, 0.67, 1.5]
    for p in shown:  # the screen's width, at its own shape, one under the other
        assert abs(p["w"] - 370) < 2 and abs(p["w"] / p["h"] - p["own"]) < 0.02 * p["own"]
    assert all(a["y"] + a["h"] < b["y"] for a, b in itertools.pairwise(shown))
    button = phone.find_element(By.CSS_SELECTOR, "nav.bar .selection").rect
    assert abs(button["x"] - shown[0]["x"]) < 1
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
