"""A video from a phone, published: its manifest entry, what the bucket serves, and the
web page playing it upright in a real headless chromium."""

from __future__ import annotations

import json
import time

from selenium.webdriver.common.by import By

from lytsite_desktop.cli import main
from lytsite_desktop.core.config.paths import AppPaths
from tests.conftest import dest_url
from tests.support import oddfiles


def test_a_video_is_published_with_its_poster_and_plays_upright(
    browser, tmp_path, bucket, s3, s3_server
):
    folder = tmp_path / "Rehearsal"
    folder.mkdir()
    oddfiles.video(folder / "IMG_0042.MOV", seconds=2.0, turn=90)
    assert main(["upload", str(folder), "--json"]) == 0  # the local library: a page on disk
    assert main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url)]) == 0

    key = "projects/rehearsal/manifest.json"
    (entry,) = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["files"]
    assert entry["note"] is None and abs(entry["duration"] - 2.0) < 0.2
    assert (entry["width"], entry["height"]) == (240, 320)
    preview, thumb = entry["preview"], entry["thumb"]
    assert preview["key"].endswith("/IMG_0042.mp4") and preview["contentType"] == "video/mp4"
    assert thumb["key"].endswith("/IMG_0042.webp") and thumb["contentType"] == "image/webp"
    served = s3.head_object(Bucket=bucket, Key=preview["key"])
    assert served["ContentType"] == "video/mp4" and served["ContentLength"] == preview["size"]

    page = AppPaths.discover().default_library / "projects" / "rehearsal" / "index.html"
    browser.get(page.as_uri())
    video = browser.find_element(By.CSS_SELECTOR, "section.videos figure.item video")
    assert browser.find_element(By.CSS_SELECTOR, "section.videos h2").text == "Videos"
    assert video.get_attribute("preload") == "none"
    assert video.get_attribute("poster").endswith("/IMG_0042.webp")
    assert browser.execute_script("return arguments[0].readyState", video) == 0  # nothing yet
    browser.execute_script("arguments[0].muted = true; arguments[0].play()", video)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = browser.execute_script(
            "var v = arguments[0]; return [v.readyState, v.videoWidth, v.videoHeight, "
            "v.error && v.error.code, v.currentTime]",
            video,
        )
        if state[0] >= 2 and state[4] > 0:
            break
        time.sleep(0.2)
    assert state[0] >= 2 and state[3] is None, state  # decodes and plays
    assert (state[1], state[2]) == (240, 320), "upright, as the phone was held"
