"""A real headless chromium (Debian's chromium + chromium-driver, installed by
`make test` through packaging/test-tools.sh), driven by selenium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.support.browser import headless_chrome


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    driver = headless_chrome()
    if driver is None:
        pytest.fail("chromedriver is not installed: run `make test` (as root on Debian) or "
                    "install chromium and chromium-driver")  # fmt: skip
    yield driver
    driver.quit()
