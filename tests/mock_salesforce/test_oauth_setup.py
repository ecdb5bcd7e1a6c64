"""Setup pages for connected apps: OAuth Usage, Install, Edit Policies, Save, Revoke."""
from __future__ import annotations

import html
import re

import pytest

PASSWORD = "test-password"


def csrf(page) -> str:
    return html.unescape(re.search(r'name="_csrf" value="([^"]+)"', page.get_data(as_text=True))[1])


@pytest.fixture
def admin(client, config):
    """A logged-in browser session of the org's admin."""
    page = client.get("/")
    response = client.post("/", data={"_csrf": csrf(page), "startURL": "/setup/home",
                                      "username": config.username, "pw": PASSWORD})
    assert response.headers["Location"] == "/setup/home"
    return client


@pytest.fixture
def app_id(app, config) -> str:
    return next(a.id for a in app.extensions["mock_salesforce"].apps() if a.client_id == config.client_id)


def install(admin, app_id):
    page = admin.get("/setup/connectedApps/usage")
    return admin.post(f"/setup/connectedApps/{app_id}/install", data={"_csrf": csrf(page)})


def test_setup_needs_a_login(client):
    response = client.get("/setup/connectedApps/usage")
    assert response.status_code == 302 and response.headers["Location"].startswith("/?startURL=")


def test_setup_home_leads_to_oauth_usage(admin):
    text = admin.get("/setup/home").get_data(as_text=True)
    assert "Connected Apps OAuth Usage" in text and "Manage Connected Apps" in text


def test_oauth_usage_lists_apps_users_and_tokens(admin, auth):
    text = admin.get("/setup/connectedApps/usage").get_data(as_text=True)
    assert "Mock Integration" in text and '<td class="access-count">1</td>' in text
    assert ">Install<" in text


def test_install_makes_policies_manageable(admin, app_id):
    assert install(admin, app_id).headers["Location"] == "/setup/connectedApps/usage"
    assert "Mock Integration" in admin.get("/setup/connectedApps").get_data(as_text=True)
    assert admin.get(f"/setup/connectedApps/{app_id}").status_code == 200


def test_policies_of_an_app_not_installed_are_not_available(admin, app_id):
    assert admin.get(f"/setup/connectedApps/{app_id}/edit").status_code == 404


def test_edit_policies_and_save(admin, app, app_id):
    install(admin, app_id)
    page = admin.get(f"/setup/connectedApps/{app_id}/edit")
    response = admin.post(f"/setup/connectedApps/{app_id}/edit", data={
        "_csrf": csrf(page), "permitted_users": "all", "ip_relaxation": "relax",
        "refresh_token_policy": "idle", "idle_validity": "90", "idle_unit": "days",
        "session_timeout": "900", "callback_urls": "https://a.example/cb\nhttps://b.example/cb"})
    assert response.headers["Location"] == f"/setup/connectedApps/{app_id}?saved=1"
    saved = next(a for a in app.extensions["mock_salesforce"].apps() if a.id == app_id)
    assert (saved.ip_relaxation, saved.refresh_token_policy, saved.refresh_token_validity,
            saved.refresh_token_unit, saved.session_timeout) == ("relax", "idle", 90, "days", 900)
    assert saved.callback_urls == ["https://a.example/cb", "https://b.example/cb"]


def test_detail_page_shows_the_saved_policy(admin, app_id):
    install(admin, app_id)
    text = admin.get(f"/setup/connectedApps/{app_id}?saved=1").get_data(as_text=True)
    assert "Your changes have been saved." in text
    assert "Refresh token is valid until revoked" in text and "Enforce IP restrictions" in text


def test_invalid_policy_is_shown_on_the_form(admin, app_id):
    install(admin, app_id)
    page = admin.get(f"/setup/connectedApps/{app_id}/edit")
    response = admin.post(f"/setup/connectedApps/{app_id}/edit", data={
        "_csrf": csrf(page), "refresh_token_policy": "absolute", "absolute_validity": "",
        "absolute_unit": "hours", "session_timeout": "0"})
    assert response.status_code == 400
    assert "Enter a whole number for the refresh token validity." in response.get_data(as_text=True)


def test_save_without_csrf_token_is_refused(admin, app, app_id):
    install(admin, app_id)
    response = admin.post(f"/setup/connectedApps/{app_id}/edit", data={
        "_csrf": "forged", "ip_relaxation": "relax", "refresh_token_policy": "infinite"})
    assert response.status_code == 403
    saved = next(a for a in app.extensions["mock_salesforce"].apps() if a.id == app_id)
    assert saved.ip_relaxation == "enforce"


def test_revoke_a_users_tokens(admin, app_id, auth, config):
    page = admin.get(f"/setup/connectedApps/{app_id}/users")
    assert config.username in page.get_data(as_text=True)
    user_id = re.search(r'name="user_id" value="([^"]+)"', page.get_data(as_text=True))[1]
    admin.post(f"/setup/connectedApps/{app_id}/revoke", data={"_csrf": csrf(page), "user_id": user_id})
    assert admin.get("/services/data/v59.0/limits", headers=auth).status_code == 401
    assert "No user holds a token" in admin.get(f"/setup/connectedApps/{app_id}/users").get_data(as_text=True)


def test_another_orgs_app_is_not_found(admin, client, control):
    org = client.post("/_mock/orgs", headers=control, json={
        "name": "B", "username": "b@b.example.com", "password": "pw"}).json
    other = client.post(f"/_mock/orgs/{org['key']}/apps", headers=control, json={"name": "B app"}).json
    assert admin.get(f"/setup/connectedApps/{other['id']}/users").status_code == 404


def test_logout_ends_the_browser_session(admin):
    admin.get("/secur/logout.jsp")
    assert admin.get("/setup/home").status_code == 302
