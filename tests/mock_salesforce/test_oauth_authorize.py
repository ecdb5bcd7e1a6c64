"""The authorize endpoint as a browser meets it: error page, login page, Allow page, callback."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from mock_salesforce.backend.oauth.codes import s256

CALLBACK = "https://app.example.com/oauth/callback"
AUTHORIZE = "/services/oauth2/authorize"
PASSWORD = "test-password"


def hidden_fields(page: str) -> dict:
    """The hidden inputs of a page's form."""
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def callback_params(response) -> dict:
    """The query of a redirect to the callback (single values)."""
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def query(client, control, config) -> dict:
    """A valid authorize query for the default app, whose callback is registered."""
    client.patch(f"/_mock/apps/{config.client_id}", headers=control, json={"callback_urls": [CALLBACK]})
    return {"response_type": "code", "client_id": config.client_id, "redirect_uri": CALLBACK,
            "state": "xyz"}


@pytest.fixture
def log_in(client, config):
    """A function submitting the login page that ``response`` shows; returns the redirect."""
    def submit(page_response, password: str = PASSWORD, **changes):
        fields = hidden_fields(page_response.get_data(as_text=True))
        form = {**fields, "username": config.username, "pw": password, **changes}
        return client.post("/", data=form)
    return submit


@pytest.fixture
def allow_page(client, query, log_in):
    """A function walking login → Allow page for ``query`` (plus changes); returns the page."""
    def walk(**changes):
        first = client.get(AUTHORIZE, query_string={**query, **changes})
        back = log_in(first)
        assert back.status_code == 302, back.get_data(as_text=True)
        return client.get(back.headers["Location"])
    return walk


def decide(client, page, decision: str):
    return client.post(AUTHORIZE, data={**hidden_fields(page.get_data(as_text=True)),
                                        "decision": decision})


# -- errors shown on Salesforce's own page ---------------------------------------------------
def test_unknown_client_id_shows_the_error_page(client, query):
    response = client.get(AUTHORIZE, query_string={**query, "client_id": "3MVG9nope"})
    assert response.status_code == 302
    assert response.headers["Location"] == ("/setup/secur/RemoteAccessErrorPage.apexp?"
                                            "error=invalid_client_id&"
                                            "error_description=client+identifier+invalid")


def test_error_page_names_the_error(client):
    page = client.get("/setup/secur/RemoteAccessErrorPage.apexp", query_string={
        "error": "redirect_uri_mismatch", "error_description": "redirect_uri must match configuration"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "redirect_uri must match configuration" in text


def test_redirect_uri_one_character_off_shows_the_error_page(client, query):
    response = client.get(AUTHORIZE, query_string={**query, "redirect_uri": CALLBACK + "/"})
    assert "error=redirect_uri_mismatch" in response.headers["Location"]
    assert not response.headers["Location"].startswith("https://")


def test_unregistered_callback_is_never_redirected_to(client, query):
    response = client.get(AUTHORIZE, query_string={**query, "redirect_uri": "https://evil.example/cb"})
    assert response.headers["Location"].startswith("/setup/secur/RemoteAccessErrorPage.apexp")


# -- errors sent to the registered callback --------------------------------------------------
def test_unsupported_response_type_goes_to_the_callback(client, query):
    params = callback_params(client.get(AUTHORIZE, query_string={**query, "response_type": "token"}))
    assert params == {"error": "unsupported_response_type",
                      "error_description": "response type not supported", "state": "xyz"}


def test_scope_the_app_does_not_have_goes_to_the_callback(client, query):
    params = callback_params(client.get(AUTHORIZE, query_string={**query, "scope": "api full"}))
    assert params["error"] == "invalid_scope"
    assert params["error_description"] == "the requested scope is not allowed"


def test_plain_pkce_method_is_refused(client, query):
    params = callback_params(client.get(AUTHORIZE, query_string={
        **query, "code_challenge": "x" * 43, "code_challenge_method": "plain"}))
    assert params["error"] == "invalid_request"


# -- login page ------------------------------------------------------------------------------
def test_anonymous_browser_gets_the_login_page(client, query):
    page = client.get(AUTHORIZE, query_string=query)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="pw"' in text and "Mock Integration" in text
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("sid=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_stays_on_the_login_page(client, query, log_in):
    response = log_in(client.get(AUTHORIZE, query_string=query), password="wrong")
    assert response.status_code == 200
    assert "Please check your username and password." in response.get_data(as_text=True)


def test_login_form_without_its_csrf_token_is_refused(client, query, log_in):
    response = log_in(client.get(AUTHORIZE, query_string=query), _csrf="forged")
    assert response.status_code == 403 and "session has expired" in response.get_data(as_text=True)


def test_login_form_posted_from_another_browser_is_refused(app, client, query, log_in):
    page = client.get(AUTHORIZE, query_string=query)
    attacker = app.test_client()  # has no session: the victim's token is worthless to it
    fields = hidden_fields(page.get_data(as_text=True))
    response = attacker.post("/", data={**fields, "username": "x", "pw": "y"})
    assert response.status_code == 403


def test_login_never_redirects_off_site(client, config):
    page = client.get("/", query_string={"startURL": "//evil.example/x"})
    response = client.post("/", data={**hidden_fields(page.get_data(as_text=True)),
                                      "username": config.username, "pw": PASSWORD})
    assert response.headers["Location"] == "/setup/home"


# -- Allow page and callback -----------------------------------------------------------------
def test_allow_page_names_the_app_and_its_scopes(allow_page):
    text = allow_page(scope="api refresh_token").get_data(as_text=True)
    assert "Allow Access?" in text and "Mock Integration" in text
    assert "Access and manage your data (api)" in text
    assert "Perform requests on your behalf at any time" in text


def test_allow_redirects_with_a_code_and_the_state(client, allow_page):
    params = callback_params(decide(client, allow_page(), "allow"))
    assert params["code"].startswith("aPrx") and params["state"] == "xyz"


def test_state_comes_back_untouched(client, allow_page):
    state = "a b&c=d/é?%20+=="
    params = callback_params(decide(client, allow_page(state=state), "allow"))
    assert params["state"] == state


def test_callback_with_its_own_query_keeps_it(client, control, config, log_in):
    callback = CALLBACK + "?tenant=7"
    client.patch(f"/_mock/apps/{config.client_id}", headers=control, json={"callback_urls": [callback]})
    first = client.get(AUTHORIZE, query_string={"response_type": "code", "client_id": config.client_id,
                                                "redirect_uri": callback})
    page = client.get(log_in(first).headers["Location"])
    location = decide(client, page, "allow").headers["Location"]
    assert location.startswith(callback + "&code=")


def test_deny_sends_access_denied(client, allow_page):
    params = callback_params(decide(client, allow_page(), "deny"))
    assert params == {"error": "access_denied", "error_description": "end-user denied authorization",
                      "state": "xyz"}


def test_allow_without_the_csrf_token_is_refused(client, allow_page):
    fields = {**hidden_fields(allow_page().get_data(as_text=True)), "_csrf": "forged",
              "decision": "allow"}
    response = client.post(AUTHORIZE, data=fields)
    assert "RemoteAccessErrorPage" in response.headers["Location"]


def test_approved_app_skips_the_allow_page(client, query, allow_page):
    decide(client, allow_page(), "allow")
    params = callback_params(client.get(AUTHORIZE, query_string=query))
    assert params["code"] and params["state"] == "xyz"


def test_prompt_consent_shows_the_allow_page_again(client, query, allow_page):
    decide(client, allow_page(), "allow")
    page = client.get(AUTHORIZE, query_string={**query, "prompt": "consent"})
    assert "Allow Access?" in page.get_data(as_text=True)


def test_prompt_login_asks_for_the_password_again(client, query, allow_page):
    decide(client, allow_page(), "allow")
    page = client.get(AUTHORIZE, query_string={**query, "prompt": "login"})
    assert 'name="pw"' in page.get_data(as_text=True)


def test_user_not_pre_authorized_is_denied(client, control, config, query, log_in):
    client.patch(f"/_mock/apps/{config.client_id}", headers=control,
                 json={"permitted_users": "admin_approved"})
    back = log_in(client.get(AUTHORIZE, query_string=query))
    params = callback_params(client.get(back.headers["Location"]))
    assert params["error"] == "access_denied"
    assert params["error_description"] == "user is not admin approved to access this app"


def test_pre_authorized_user_gets_a_code_without_the_allow_page(client, control, config, query, log_in):
    client.patch(f"/_mock/apps/{config.client_id}", headers=control,
                 json={"permitted_users": "admin_approved", "preauthorized_users": [config.username]})
    back = log_in(client.get(AUTHORIZE, query_string=query))
    assert callback_params(client.get(back.headers["Location"]))["code"]


def test_code_with_pkce_through_the_pages(client, config, allow_page):
    verifier = "pkce-verifier-" + "x" * 40
    params = callback_params(decide(client, allow_page(code_challenge=s256(verifier),
                                                       code_challenge_method="S256"), "allow"))
    response = client.post("/services/oauth2/token", data={
        "grant_type": "authorization_code", "code": params["code"], "client_id": config.client_id,
        "client_secret": "test-client-secret", "redirect_uri": CALLBACK, "code_verifier": verifier})
    assert response.status_code == 200 and response.json["refresh_token"]
