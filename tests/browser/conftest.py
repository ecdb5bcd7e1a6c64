"""Headless Chromium for the browser tests (Debian's chromium and chromedriver)."""
from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--no-proxy-server",
                 # The mock's CA is not in Chromium's store; TLS is still what carries the pages.
                 "--ignore-certificate-errors", "--window-size=1200,900")


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the browser tests."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
