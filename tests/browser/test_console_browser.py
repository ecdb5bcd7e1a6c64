"""The web console in headless Chromium: each page, the SOQL box, the clock, a fault that fires,
and a request a client just made. Screenshots of each page go to the test's temporary directory,
or to ``$MOCK_CONSOLE_SCREENSHOTS`` when set (the README's picture is made that way)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer
from pages import click_and_wait

pytestmark = pytest.mark.browser
SECRET = "console-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("console-org")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"), password="pw",
                        client_secret="cs", control_secret=SECRET, seed=3)
    with MockServer(config) as running:
        yield running


@pytest.fixture
def console(chromium, server, tmp_path):
    """A browser signed in to the console (by ``?secret=``), and a screenshot saver."""
    server.registry.faults.clear()
    chromium.delete_all_cookies()
    chromium.get(f"{server.url}/_mock/console/?secret={SECRET}")
    folder = Path(os.environ.get("MOCK_CONSOLE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> Path:
        path = folder / f"console-{name}.png"
        assert chromium.save_screenshot(str(path)), path
        return path
    chromium.shot = shot
    return chromium


def text(browser, selector: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, selector).text


def click(browser, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, selector))


def test_the_console_asks_for_the_secret(chromium, server):
    chromium.delete_all_cookies()
    chromium.get(f"{server.url}/_mock/console/orgs/default")
    assert "/_mock/console/login" in chromium.current_url
    chromium.find_element(By.ID, "secret").send_keys("wrong")
    click(chromium, "#enter")
    assert "not the control secret" in text(chromium, "#error")
    chromium.find_element(By.ID, "secret").send_keys(SECRET)
    click(chromium, "#enter")
    assert chromium.current_url.endswith("/_mock/console/orgs/default")  # back where it started


def test_the_orgs_page_and_the_secret_leaves_the_address(console, server):
    assert "secret" not in console.current_url
    assert "Mock Org" in text(console, "#orgs")
    console.shot("orgs")


def test_an_org_page_shows_objects_usage_and_apps(console, server):
    server.client().query("SELECT Id FROM Account")
    console.get(f"{server.url}/_mock/console/orgs/default")
    objects = text(console, "#objects")
    assert "Account 3" in objects and "Contact" in objects
    bars = console.find_elements(By.CSS_SELECTOR, "#usage-chart rect.bar")
    assert len(bars) == 24 and float(bars[-1].get_attribute("height")) > 0
    assert server.config.client_id in text(console, "#apps")
    console.shot("org")


def test_the_soql_box_runs_a_query_and_shows_errors(console, server):
    console.get(f"{server.url}/_mock/console/orgs/default/records")
    box = console.find_element(By.ID, "q")
    box.send_keys("SELECT Name FROM Account ORDER BY Name")
    click(console, "#run")
    assert text(console, "#summary").startswith("3 of 3 records")
    names = [cell.text for cell in console.find_elements(By.CSS_SELECTOR, "#results tbody td")]
    assert names == sorted(names) and len(names) == 3
    console.shot("soql")
    box = console.find_element(By.ID, "q")
    box.clear()
    box.send_keys("SELECT Nope FROM Account")
    click(console, "#run")
    assert text(console, "#error").startswith("INVALID_FIELD")


def test_moving_the_clock(console, server):
    before = server.registry.clock.now()
    advance = console.find_element(By.ID, "advance")
    advance.clear()
    advance.send_keys("86400")
    click(console, "#clock-advance button")
    assert text(console, "#message") == "Clock moved."
    moved = (server.registry.clock.now() - before).total_seconds()
    assert 86400 <= moved < 86400 + 60
    click(console, "#clock-set button[value=reset]")
    assert abs((server.registry.clock.now() - before).total_seconds()) < 60


def test_a_fault_added_in_the_console_fires(console, server):
    Select(console.find_element(By.ID, "kind")).select_by_visible_text("503")
    console.find_element(By.ID, "path").send_keys("/limits")
    count = console.find_element(By.ID, "count")
    count.clear()
    count.send_keys("2")
    click(console, "#fault-add button")
    assert "503" in text(console, "#faults") and text(console, "#message") == "Fault armed."
    console.shot("faults")
    token = server.token()["access_token"]
    answer = server.session().get(f"{server.url}/services/data/v59.0/limits",
                                  headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    console.refresh()
    assert "/limits 2 1" in text(console, "#faults")  # armed for two, fired once
    click(console, "#fault-clear button")
    assert "No fault is armed." in text(console, "#faults")


def test_a_request_a_client_just_made_is_there_with_its_detail(console, server):
    sf = server.client()
    try:
        sf.Contact.create({"FirstName": "No last name"})
    except Exception:  # simple-salesforce raises SalesforceMalformedRequest; the console shows why
        pass
    console.get(f"{server.url}/_mock/console/orgs/default/requests")
    Select(console.find_element(By.NAME, "method")).select_by_visible_text("POST")
    status = console.find_element(By.NAME, "status")
    status.send_keys("4xx")
    click(console, "#request-filters button")
    rows = console.find_elements(By.CSS_SELECTOR, "#requests tbody tr")
    assert "/sobjects/Contact" in rows[0].text and "REQUIRED_FIELD_MISSING" in rows[0].text
    console.shot("requests")
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert "400" in text(console, "#request-line") and "LastName" in text(console, "#error-message")
    assert '"FirstName": "No last name"' in text(console, "#request-body")
    assert "Bearer ****" in text(console, "#request-headers")
    console.shot("request")


def test_an_unknown_route_shows_its_near_misses(console, server):
    token = server.token()["access_token"]
    server.session().get(f"{server.url}/services/data/v59.0/sobject/Contact/describe",
                         headers={"Authorization": f"Bearer {token}"})
    entry = server.requests(status=404)[-1]
    console.get(f"{server.url}/_mock/console/orgs/default/requests/{entry.id}")
    assert "/sobjects/<sobject>/describe" in text(console, "#near-misses")


def test_revoking_an_apps_tokens(console, server):
    token = server.token()["access_token"]
    console.get(f"{server.url}/_mock/console/orgs/default")
    click(console, f"#apps tr[data-app='{server.config.client_id}'] button")
    assert text(console, "#message").startswith("Revoked")
    answer = server.session().get(f"{server.url}/services/data/v59.0/limits",
                                  headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
