"""Debian's headless chromium through selenium (the web tests, the screenshots)."""

from __future__ import annotations

import shutil

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1200,900", "--allow-file-access-from-files")  # fmt: skip

#: A phone: 390 x 844 CSS pixels at 3x, touch, a phone's user agent.
PHONE = {
    "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": True},
    "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
}


def headless_chrome(*, phone: bool = False, dark: bool = False) -> webdriver.Chrome | None:
    """A started browser, or None when chromedriver is not installed."""
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        return None
    options = Options()
    for arg in ARGS:
        options.add_argument(arg)
    if phone:
        options.add_experimental_option("mobileEmulation", PHONE)
    if dark:
        options.add_argument("--force-dark-mode")
        options.add_argument("--blink-settings=preferredColorScheme=0")
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    if dark:  # what prefers-color-scheme answers
        dark_scheme = {"name": "prefers-color-scheme", "value": "dark"}
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [dark_scheme]})
    return driver


def allow_downloads(driver: webdriver.Chrome, folder: str) -> None:
    """Downloads go to ``folder`` without asking (DevTools protocol)."""
    behaviour = {"behavior": "allow", "downloadPath": folder, "eventsEnabled": True}
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", behaviour)


def touch(driver: webdriver.Chrome, kind: str, points: list[tuple[float, float]]) -> None:
    """One touch event: kind is touchStart, touchMove or touchEnd (CSS pixels)."""
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {
        "type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)],
    })  # fmt: skip


def swipe(driver: webdriver.Chrome, start: tuple[float, float], end: tuple[float, float],
          steps: int = 8) -> None:  # fmt: skip
    touch(driver, "touchStart", [start])
    for k in range(1, steps + 1):
        f = k / steps
        touch(driver, "touchMove", [(start[0] + (end[0] - start[0]) * f,
                                     start[1] + (end[1] - start[1]) * f)])  # fmt: skip
    touch(driver, "touchEnd", [])


def pinch(driver: webdriver.Chrome, centre: tuple[float, float], start: float, end: float,
          steps: int = 10) -> None:  # fmt: skip
    """Two fingers, ``start`` apart, moved to ``end`` apart (horizontally)."""
    x, y = centre

    def fingers(d: float) -> list[tuple[float, float]]:
        return [(x - d / 2, y), (x + d / 2, y)]

    touch(driver, "touchStart", fingers(start))
    for k in range(1, steps + 1):
        touch(driver, "touchMove", fingers(start + (end - start) * k / steps))
    touch(driver, "touchEnd", [])


def tap(driver: webdriver.Chrome, point: tuple[float, float]) -> None:
    touch(driver, "touchStart", [point])
    touch(driver, "touchEnd", [])


def alt_of(element) -> str:  # type: ignore[no-untyped-def]
    """The name of the photo an element of a gallery item (or the item) holds."""
    figure = element.find_element("xpath", "ancestor-or-self::figure[1]")
    return figure.find_element("tag name", "img").get_attribute("alt")
