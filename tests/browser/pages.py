"""Waiting for the next page in Chromium, shared by the browser tests."""
from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def click_and_wait(browser, element, timeout: float = 10) -> None:
    """Click ``element`` and wait until the page it leads to has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, timeout).until(lambda _: replaced(page))


def replaced(element) -> bool:
    """True once ``element``'s page is gone. Chromium reports an element of a page being replaced
    as stale, or — mid-navigation — as a node that "does not belong to the document"."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False
