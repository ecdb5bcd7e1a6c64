"""Security properties of the OAuth endpoints: binding, single use, revocation, isolation, no leaks."""
from __future__ import annotations

import logging

import pytest

from mock_salesforce.backend.oauth.codes import AuthorizationCodes, s256

CALLBACK = "https://app.example.com/oauth/callback"
SECRET = "test-client-secret"
TOKEN = "/services/oauth2/token"
V = "/services/data/v59.0"


@pytest.fixture
def issue_code(app, client, control, config):
    """A function returning a fresh authorization code for the default user and app."""
    client.patch(f"/_mock/apps/{config.client_id}", headers=control, json={"callback_urls": [CALLBACK]})
    backend = app.extensions["mock_salesforce"]

    def issue(challenge: str | None = None) -> str:
        codes = AuthorizationCodes(backend)
        args = {"response_type": "code", "client_id": config.client_id, "redirect_uri": CALLBACK}
        if challenge:
            args["code_challenge"] = challenge
        return codes.approve(codes.check(args), backend.grants.find_user(config.username))
    return issue


def exchange(client, config, code: str, **changes):
    form = {"grant_type": "authorization_code", "code": code, "client_id": config.client_id,
            "client_secret": SECRET, "redirect_uri": CALLBACK, **changes}
    return client.post(TOKEN, data={k: v for k, v in form.items() if v is not None})


INVALID_CODE = {"error": "invalid_grant", "error_description": "invalid authorization code"}


def test_code_works_only_once(client, config, issue_code):
    code = issue_code()
    assert exchange(client, config, code).status_code == 200
    assert exchange(client, config, code).json == INVALID_CODE


def test_code_is_bound_to_its_client(client, control, config, issue_code):
    other = client.post("/_mock/orgs/org1/apps", headers=control,
                        json={"name": "Other", "callback_urls": [CALLBACK]}).json
    response = exchange(client, config, issue_code(), client_id=other["client_id"],
                        client_secret=other["client_secret"])
    assert response.json == INVALID_CODE


def test_code_is_bound_to_its_redirect_uri(client, config, issue_code):
    response = exchange(client, config, issue_code(), redirect_uri=CALLBACK + "x")
    assert response.json == {"error": "redirect_uri_mismatch",
                             "error_description": "redirect_uri must match configuration"}


def test_code_is_bound_to_its_pkce_verifier(client, config, issue_code):
    response = exchange(client, config, issue_code(s256("right-" * 10)), code_verifier="wrong-" * 10)
    assert response.json == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_pkce_code_without_verifier_is_refused(client, config, issue_code):
    response = exchange(client, config, issue_code(s256("right-" * 10)))
    assert response.json == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_failed_exchange_spends_the_code(client, config, issue_code):
    verifier = "right-" * 10
    code = issue_code(s256(verifier))
    exchange(client, config, code, code_verifier="wrong-" * 10)
    assert exchange(client, config, code, code_verifier=verifier).json == INVALID_CODE


def test_wrong_secret_is_refused(client, config, issue_code):
    response = exchange(client, config, issue_code(), client_secret=SECRET + "x")
    assert response.json == {"error": "invalid_client", "error_description": "invalid client credentials"}


def test_revoked_refresh_token_is_refused_at_once(client, config, issue_code):
    refresh_token = exchange(client, config, issue_code()).json["refresh_token"]
    client.post("/services/oauth2/revoke", data={"token": refresh_token})
    response = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                        "client_id": config.client_id, "client_secret": SECRET})
    assert response.json == {"error": "invalid_grant",
                             "error_description": "expired access/refresh token"}


@pytest.fixture
def org_b(client, control) -> dict:
    """A second org with its own admin and app, and one Account."""
    org = client.post("/_mock/orgs", headers=control, json={
        "name": "Org B", "username": "admin@b.example.com", "password": "b-password"}).json
    app = client.post(f"/_mock/orgs/{org['key']}/apps", headers=control, json={"name": "B app"}).json
    account = client.post(f"/_mock/orgs/{org['key']}/records/Account", headers=control,
                          json={"records": [{"Name": "B only"}]}).json["ids"][0]
    token = client.post(TOKEN, data={"grant_type": "password", "client_id": app["client_id"],
                                     "client_secret": app["client_secret"],
                                     "username": "admin@b.example.com", "password": "b-password"})
    return {**org, "app": app, "account": account, "token": token.json["access_token"]}


def test_org_b_token_reads_org_b_data(client, org_b):
    response = client.get(f"{V}/sobjects/Account/{org_b['account']}",
                          headers={"Authorization": f"Bearer {org_b['token']}"})
    assert response.status_code == 200 and response.json["Name"] == "B only"


def test_org_a_token_never_reads_org_b_data(client, auth, org_b):
    response = client.get(f"{V}/sobjects/Account/{org_b['account']}", headers=auth)
    assert response.status_code == 404 and response.json[0]["errorCode"] == "NOT_FOUND"


def test_org_a_user_cannot_use_org_b_app(client, config, org_b):
    response = client.post(TOKEN, data={"grant_type": "password", "client_id": org_b["app"]["client_id"],
                                        "client_secret": org_b["app"]["client_secret"],
                                        "username": config.username, "password": "test-password"})
    assert response.json == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_org_a_token_cannot_read_org_b_identity(client, auth, org_b, app):
    user = app.extensions["mock_salesforce"].grants.find_user("admin@b.example.com")
    response = client.get(f"/id/{org_b['id']}/{user.id}", headers=auth)
    assert response.status_code == 403 and response.get_data(as_text=True) == "Bad_OAuth_Token"


def test_secrets_and_tokens_never_reach_logs_or_errors(client, config, issue_code, caplog):
    caplog.set_level(logging.DEBUG)
    code = issue_code()
    good = exchange(client, config, code).json
    bodies = [exchange(client, config, code).get_data(as_text=True),
              exchange(client, config, issue_code(), client_secret="wrong-secret").get_data(as_text=True),
              client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "5Aep861leak",
                                       "client_id": config.client_id,
                                       "client_secret": SECRET}).get_data(as_text=True),
              client.get(f"{V}/limits", headers={"Authorization": "Bearer 00Dleak!x"}).get_data(as_text=True),
              client.post("/services/oauth2/revoke", data={"token": "leak-token"}).get_data(as_text=True)]
    secrets = [SECRET, "wrong-secret", "test-password", code, good["access_token"],
               good["refresh_token"], "5Aep861leak", "00Dleak!x", "leak-token"]
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in body for body in bodies)


def test_soap_fault_does_not_echo_the_password(client, config):
    envelope = ('<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
                '<login xmlns="urn:partner.soap.sforce.com"><username>x</username>'
                '<password>hunter2-secret</password></login></se:Body></se:Envelope>')
    response = client.post("/services/Soap/u/59.0", data=envelope, content_type="text/xml")
    assert response.status_code == 500 and "hunter2-secret" not in response.get_data(as_text=True)


def test_control_plane_never_shows_the_client_secret_hash(client, control, config):
    body = client.get(f"/_mock/apps/{config.client_id}", headers=control).json
    assert "client_secret_hash" not in body and "client_secret" not in body


def test_session_cookie_is_http_only_and_same_site(client):
    cookie = client.get("/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
