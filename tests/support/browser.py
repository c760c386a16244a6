"""Debian's headless chromium through selenium (the web tests, the screenshots)."""

from __future__ import annotations

import shutil

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1200,900", "--allow-file-access-from-files")  # fmt: skip


def headless_chrome() -> webdriver.Chrome | None:
    """A started browser, or None when chromedriver is not installed."""
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        return None
    options = Options()
    for arg in ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    return driver
