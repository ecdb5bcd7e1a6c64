"""Headless Chromium against the TLS mock: login → Allow → callback, and the Setup pages."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from mock_salesforce.backend.oauth.codes import s256
from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer
from pages import click_and_wait

pytestmark = pytest.mark.browser
PASSWORD = "browser-password"
SECRET = "browser-secret"


class CallbackReceiver:
    """A client app's callback endpoint on 127.0.0.1: records the query of each hit."""

    def __init__(self) -> None:
        hits: list[dict] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                if url.path == "/callback":  # not /favicon.ico
                    hits.append({k: v[0] for k, v in parse_qs(url.query).items()})
                body = b"<html><body><h1 id='done'>Connected</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                """Quiet: codes would land in the test output."""

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/callback"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def receiver():
    callback = CallbackReceiver()
    yield callback
    callback.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, receiver):
    data_dir = tmp_path_factory.mktemp("browser-org")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"), password=PASSWORD,
                        client_secret=SECRET, control_secret="browser-control",
                        callback_urls=[receiver.url])
    with MockServer(config) as running:
        yield running


@pytest.fixture
def browser(chromium, server, receiver):
    """A browser with no session, on a freshly reset org."""
    server.registry.reset()
    receiver.hits.clear()
    chromium.get(server.url + "/secur/logout.jsp")
    chromium.delete_all_cookies()
    return chromium


def authorize_url(server, receiver, **extra) -> str:
    query = {"response_type": "code", "client_id": server.config.client_id,
             "redirect_uri": receiver.url, "state": "st8 & more=/é", **extra}
    return f"{server.url}/services/oauth2/authorize?{urlencode(query)}"


def navigate(browser, element) -> None:
    """Click a link or button and wait until the next page has replaced this one."""
    click_and_wait(browser, element)


def log_in(browser, server) -> None:
    browser.find_element(By.ID, "username").send_keys(server.config.username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    navigate(browser, browser.find_element(By.ID, "Login"))


def wait_for_callback(browser, receiver) -> dict:
    WebDriverWait(browser, 5).until(expected_conditions.presence_of_element_located((By.ID, "done")))
    return receiver.hits[-1]


def test_login_allow_and_callback_give_a_working_code(browser, server, receiver):
    verifier = "browser-verifier-" + "z" * 40
    browser.get(authorize_url(server, receiver, code_challenge=s256(verifier), scope="api refresh_token"))
    log_in(browser, server)
    assert browser.find_element(By.ID, "app-name").text == "Mock Integration"
    assert "Access and manage your data (api)" in browser.find_element(By.ID, "scopes").text
    navigate(browser, browser.find_element(By.ID, "oaapprove"))
    hit = wait_for_callback(browser, receiver)
    assert hit["state"] == "st8 & more=/é"
    token = server.session().post(f"{server.url}/services/oauth2/token", data={
        "grant_type": "authorization_code", "code": hit["code"], "client_id": server.config.client_id,
        "client_secret": SECRET, "redirect_uri": receiver.url, "code_verifier": verifier}).json()
    assert token["refresh_token"] and token["instance_url"] == server.url


def test_deny_sends_access_denied_to_the_callback(browser, server, receiver):
    browser.get(authorize_url(server, receiver))
    log_in(browser, server)
    navigate(browser, browser.find_element(By.ID, "oaapprove_deny"))
    hit = wait_for_callback(browser, receiver)
    assert hit["error"] == "access_denied" and hit["state"] == "st8 & more=/é"


def test_unregistered_redirect_uri_shows_the_error_page(browser, server, receiver):
    browser.get(authorize_url(server, receiver, redirect_uri=receiver.url + "s"))
    assert browser.find_element(By.ID, "error-code").text == "redirect_uri_mismatch"
    assert receiver.hits == []


def setup_login(browser, server) -> None:
    browser.get(server.url + "/")
    log_in(browser, server)
    WebDriverWait(browser, 5).until(expected_conditions.title_contains("Setup"))


def test_install_edit_policies_and_save(browser, server):
    setup_login(browser, server)
    navigate(browser, browser.find_element(By.LINK_TEXT, "Connected Apps OAuth Usage"))
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-app="Mock Integration"]')
    navigate(browser, row.find_element(By.XPATH, ".//button[text()='Install']"))
    navigate(browser, browser.find_element(By.LINK_TEXT, "Manage App Policies"))
    navigate(browser, browser.find_element(By.LINK_TEXT, "Mock Integration"))
    navigate(browser, browser.find_element(By.ID, "edit-policies"))
    Select(browser.find_element(By.ID, "ip_relaxation")).select_by_visible_text("Relax IP restrictions")
    browser.find_element(By.ID, "policy_absolute").click()
    browser.find_element(By.ID, "absolute_validity").send_keys("12")
    Select(browser.find_element(By.ID, "absolute_unit")).select_by_visible_text("Hours")
    navigate(browser, browser.find_element(By.ID, "save"))
    assert browser.find_element(By.ID, "saved").text == "Your changes have been saved."
    assert browser.find_element(By.ID, "ip-relaxation").text == "Relax IP restrictions"
    assert browser.find_element(By.ID, "refresh-token-policy").text == "Expire refresh token after 12 Hours"
    app = next(a for a in server.registry.apps() if a.client_id == server.config.client_id)
    assert (app.ip_relaxation, app.refresh_token_policy, app.refresh_token_validity) == \
        ("relax", "absolute", 12)


def test_revoke_ends_the_users_tokens(browser, server):
    access = server.token()["access_token"]
    setup_login(browser, server)
    browser.get(server.url + "/setup/connectedApps/usage")
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-app="Mock Integration"]')
    assert row.find_element(By.CLASS_NAME, "access-count").text == "1"
    navigate(browser, row.find_element(By.CLASS_NAME, "user-count"))
    user_row = browser.find_element(By.CSS_SELECTOR, f'tr[data-user="{server.config.username}"]')
    navigate(browser, user_row.find_element(By.XPATH, ".//button[text()='Revoke']"))
    assert "No user holds a token" in browser.find_element(By.ID, "app-users").text
    response = server.session().get(f"{server.url}/services/data/v59.0/limits",
                                    headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 401
