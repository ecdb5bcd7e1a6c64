"""Production and sandbox orgs in one server, their login hosts, and the identity control plane."""
from __future__ import annotations

import pytest

from mock_salesforce.backend.oauth.hosts import ENVIRON_KEY

TOKEN = "/services/oauth2/token"
SOAP = "/services/Soap/u/59.0"
FAILURE = {"error": "invalid_grant", "error_description": "authentication failure"}


@pytest.fixture
def sandbox(client, control) -> dict:
    """A sandbox org ``dev`` with a connected app; its admin is ``admin@acme.com.dev``."""
    org = client.post("/_mock/orgs", headers=control, json={
        "name": "Acme Dev", "sandbox": True, "sandboxName": "dev", "username": "admin@acme.com",
        "password": "sandbox-password"})
    assert org.status_code == 201, org.json
    app = client.post(f"/_mock/orgs/{org.json['key']}/apps", headers=control,
                      json={"name": "Sandbox app"}).json
    return {**org.json, "app": app}


def sandbox_login(client, sandbox, **request):
    return client.post(TOKEN, data={
        "grant_type": "password", "client_id": sandbox["app"]["client_id"],
        "client_secret": sandbox["app"]["client_secret"], "username": sandbox["username"],
        "password": "sandbox-password"}, **request)


def production_login(client, config, **request):
    return client.post(TOKEN, data={
        "grant_type": "password", "client_id": config.client_id,
        "client_secret": "test-client-secret", "username": config.username,
        "password": "test-password"}, **request)


def soap_envelope(username: str, password: str) -> str:
    return ('<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
            f'<login xmlns="urn:partner.soap.sforce.com"><username>{username}</username>'
            f'<password>{password}</password></login></se:Body></se:Envelope>')


def test_sandbox_usernames_carry_the_sandbox_suffix(sandbox):
    assert sandbox["username"] == "admin@acme.com.dev" and sandbox["isSandbox"]


def test_sandbox_user_logs_in_at_test(client, sandbox):
    response = sandbox_login(client, sandbox, headers={"Host": "test.salesforce.com"})
    assert response.status_code == 200
    assert response.json["instance_url"] == "http://test.salesforce.com"


def test_sandbox_user_is_refused_at_login(client, sandbox):
    response = sandbox_login(client, sandbox, headers={"Host": "login.salesforce.com"})
    assert response.status_code == 400 and response.json == FAILURE


def test_production_user_is_refused_at_test(client, config):
    response = production_login(client, config, headers={"Host": "test.salesforce.com"})
    assert response.json == FAILURE


def test_production_user_logs_in_at_login(client, config):
    assert production_login(client, config, headers={"Host": "login.salesforce.com"}).status_code == 200


def test_my_domain_host_takes_both_kinds(client, config, sandbox):
    assert production_login(client, config).status_code == 200
    assert sandbox_login(client, sandbox).status_code == 200


def test_sandbox_listener_refuses_production_users(client, config):
    response = production_login(client, config, environ_base={ENVIRON_KEY: "test"})
    assert response.json == FAILURE


def test_sandbox_listener_takes_sandbox_users(client, sandbox):
    assert sandbox_login(client, sandbox, environ_base={ENVIRON_KEY: "test"}).status_code == 200


def test_soap_login_of_a_sandbox_user_at_login_is_a_fault(client, sandbox):
    response = client.post(SOAP, data=soap_envelope(sandbox["username"], "sandbox-password"),
                           content_type="text/xml", headers={"Host": "login.salesforce.com"})
    assert response.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.get_data(as_text=True)


def test_soap_login_of_a_sandbox_user_says_sandbox(client, sandbox):
    response = client.post(SOAP, data=soap_envelope(sandbox["username"], "sandbox-password"),
                           content_type="text/xml", headers={"Host": "test.salesforce.com"})
    assert "<sandbox>true</sandbox>" in response.get_data(as_text=True)


def test_orgs_list_shows_both_orgs(client, control, sandbox):
    orgs = client.get("/_mock/orgs", headers=control).json
    assert [o["isSandbox"] for o in orgs] == [False, True]
    assert orgs[1]["apps"] == [sandbox["app"]["client_id"]]


def test_usernames_are_unique_across_orgs(client, control, config):
    response = client.post("/_mock/orgs", headers=control, json={
        "name": "Clash", "username": config.username, "password": "x"})
    assert response.status_code == 400
    assert response.json == {"error": f"username {config.username} is taken"}


# -- control plane: users and apps -----------------------------------------------------------
def test_new_user_with_trusted_ranges(client, control):
    response = client.post("/_mock/orgs/org1/users", headers=control, json={
        "username": "sync@example.com", "password": "pw", "trustedIpRanges": ["10.1.0.0/16"]})
    assert response.status_code == 201
    assert response.json["trusted_ip_ranges"] == [["10.1.0.0", "10.1.255.255"]]
    assert "password_hash" not in response.json


def test_bad_trusted_range_is_refused(client, control, config):
    response = client.patch(f"/_mock/users/{config.username}", headers=control,
                            json={"trusted_ip_ranges": ["not-an-ip"]})
    assert response.status_code == 400


def test_unknown_user_is_404(client, control):
    assert client.patch("/_mock/users/nobody@x.com", headers=control, json={}).status_code == 404


def test_new_app_gets_generated_credentials(client, control):
    body = client.post("/_mock/orgs/org1/apps", headers=control, json={
        "name": "Ortto", "callback_urls": ["https://ortto.example/cb"],
        "refresh_token_policy": "idle", "refresh_token_validity": 3,
        "refresh_token_unit": "months"}).json
    assert body["client_id"].startswith("3MVG9") and len(body["client_secret"]) == 64
    assert body["refresh_token_policy"] == "idle" and body["callback_urls"] == ["https://ortto.example/cb"]


@pytest.mark.parametrize("settings,message", [
    ({"ip_relaxation": "loose"}, "IP relaxation must be one of enforce, enforce_except_refresh, relax"),
    ({"permitted_users": "some"}, "permitted users must be one of all, admin_approved"),
    ({"refresh_token_policy": "idle", "refresh_token_validity": 0},
     "refresh token validity must be a positive number"),
    ({"callback_urls": "https://x"}, "callback URLs must be a list of absolute URLs"),
    ({"colour": "red"}, "unknown app settings: colour"),
])
def test_bad_app_settings_are_refused(client, control, config, settings, message):
    response = client.patch(f"/_mock/apps/{config.client_id}", headers=control, json=settings)
    assert response.status_code == 400 and response.json == {"error": message}


def test_new_secret_replaces_the_old_one(client, control, config):
    client.patch(f"/_mock/apps/{config.client_id}", headers=control, json={"client_secret": "new"})
    response = production_login(client, config)
    assert response.json == {"error": "invalid_client", "error_description": "invalid client credentials"}


def test_control_revoke_ends_the_apps_tokens(client, control, config, auth):
    response = client.post(f"/_mock/apps/{config.client_id}/revoke", headers=control, json={})
    assert response.json["revoked"] >= 1
    assert client.get("/services/data/v59.0/limits", headers=auth).status_code == 401


def test_identity_control_plane_needs_the_secret(client, config):
    assert client.get(f"/_mock/apps/{config.client_id}").status_code == 403


def test_sandbox_login_listener_on_its_own_port(tmp_path):
    """A real second socket playing test.salesforce.com, as ``--sandbox-login-port`` starts it."""
    from mock_salesforce.server import LoginHostListener
    from mock_salesforce.config import MockConfig
    from mock_salesforce.server import MockServer

    config = MockConfig(db_url=str(tmp_path / "org.db"), data_dir=tmp_path, password="pw",
                        client_secret="cs", control_secret="ctl")
    with MockServer(config, tls=False) as server, LoginHostListener(server, "test") as sandbox_host:
        form = {"grant_type": "password", "client_id": config.client_id, "client_secret": "cs",
                "username": config.username, "password": "pw"}
        session = server.session()
        assert session.post(f"{server.url}{TOKEN}", data=form).status_code == 200
        refused = session.post(f"{sandbox_host.url}{TOKEN}", data=form)
        assert refused.status_code == 400 and refused.json() == FAILURE
