"""A real headless chromium (Debian's chromium + chromium-driver, installed by
`make test` through packaging/test-tools.sh), driven by selenium: one desktop
window, and one phone (390 x 844, touch)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.support.browser import headless_chrome


def _started(**kind: bool) -> webdriver.Chrome:
    driver = headless_chrome(**kind)
    if driver is None:
        pytest.fail("chromedriver is not installed: run `make test` (as root on Debian) or "
                    "install chromium and chromium-driver")  # fmt: skip
    return driver


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    driver = _started()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def phone() -> Iterator[webdriver.Chrome]:
    driver = _started(phone=True)
    yield driver
    driver.quit()
