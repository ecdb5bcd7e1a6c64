"""The token, revoke and introspect endpoints: every grant and every error, through the test client."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_salesforce.backend.oauth.codes import AuthorizationCodes, s256

CALLBACK = "https://app.example.com/oauth/callback"
SECRET = "test-client-secret"
TOKEN = "/services/oauth2/token"
V = "/services/data/v59.0"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def oauth_error(error: str, description: str) -> dict:
    return {"error": error, "error_description": description}


@pytest.fixture
def backend(app):
    return app.extensions["mock_salesforce"]


@pytest.fixture
def app_settings(client, control, config):
    """A function changing the default app's settings through the control plane."""
    def change(**settings):
        response = client.patch(f"/_mock/apps/{config.client_id}", headers=control, json=settings)
        assert response.status_code == 200, response.json
        return response.json
    change(callback_urls=[CALLBACK])
    return change


@pytest.fixture
def issue_code(backend, config, app_settings):
    """A function returning a fresh authorization code (as if the user had clicked Allow)."""
    def issue(challenge: str | None = None, scope: str = "api refresh_token") -> str:
        codes = AuthorizationCodes(backend)
        args = {"response_type": "code", "client_id": config.client_id, "redirect_uri": CALLBACK,
                "scope": scope}
        if challenge:
            args["code_challenge"] = challenge
        request = codes.check(args)
        return codes.approve(request, backend.grants.find_user(config.username))
    return issue


@pytest.fixture
def exchange(client, config):
    """A function posting ``grant_type=authorization_code`` with overridable fields."""
    def post(code: str, **changes):
        form = {"grant_type": "authorization_code", "code": code, "client_id": config.client_id,
                "client_secret": SECRET, "redirect_uri": CALLBACK, **changes}
        return client.post(TOKEN, data={k: v for k, v in form.items() if v is not None})
    return post


@pytest.fixture
def refresh(client, config):
    """A function posting ``grant_type=refresh_token``."""
    def post(refresh_token: str, **changes):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                "client_id": config.client_id, "client_secret": SECRET, **changes}
        return client.post(TOKEN, data=form)
    return post


@pytest.fixture
def refresh_token(issue_code, exchange) -> str:
    return exchange(issue_code()).json["refresh_token"]


def password_form(config, **changes) -> dict:
    return {"grant_type": "password", "client_id": config.client_id, "client_secret": SECRET,
            "username": config.username, "password": "test-password", **changes}


# -- password and client credentials ---------------------------------------------------------
def test_password_grant_has_no_refresh_token_and_no_scope(client, config):
    response = client.post(TOKEN, data=password_form(config))
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert list(response.json) == ["access_token", "signature", "instance_url", "id",
                                   "token_type", "issued_at"]


def test_password_grant_refused_outside_trusted_ips_when_enforced(client, config, control, app_settings):
    client.patch(f"/_mock/users/{config.username}", headers=control,
                 json={"trusted_ip_ranges": ["10.0.0.0/8"]})
    response = client.post(TOKEN, data=password_form(config), environ_base=OUTSIDE)
    assert response.status_code == 400 and response.json == oauth_error("invalid_grant", "ip restricted")


def test_password_grant_allowed_outside_trusted_ips_when_relaxed(client, config, control, app_settings):
    client.patch(f"/_mock/users/{config.username}", headers=control,
                 json={"trusted_ip_ranges": ["10.0.0.0/8"]})
    app_settings(ip_relaxation="relax")
    assert client.post(TOKEN, data=password_form(config), environ_base=OUTSIDE).status_code == 200


def test_admin_approved_app_refuses_users_not_pre_authorized(client, config, app_settings):
    app_settings(permitted_users="admin_approved")
    response = client.post(TOKEN, data=password_form(config))
    assert response.json == oauth_error("invalid_app_access",
                                        "user is not admin approved to access this app")


def test_admin_approved_app_admits_pre_authorized_users(client, config, app_settings):
    app_settings(permitted_users="admin_approved", preauthorized_users=[config.username])
    assert client.post(TOKEN, data=password_form(config)).status_code == 200


def test_client_credentials_refuse_a_wrong_secret(client, config):
    response = client.post(TOKEN, data={"grant_type": "client_credentials"},
                           auth=(config.client_id, "wrong"))
    assert response.json == oauth_error("invalid_client", "invalid client credentials")


def test_missing_grant_type_is_unsupported(client, config):
    response = client.post(TOKEN, data={"client_id": config.client_id})
    assert response.json == oauth_error("unsupported_grant_type", "grant type not supported")


# -- authorization code ----------------------------------------------------------------------
def test_code_exchange_returns_the_full_token_response(issue_code, exchange):
    response = exchange(issue_code())
    body = response.json
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("no-cache")
    assert list(body) == ["access_token", "refresh_token", "signature", "scope", "instance_url",
                          "id", "token_type", "issued_at"]
    assert body["scope"] == "api refresh_token" and body["refresh_token"].startswith("5Aep861")
    assert body["id"].startswith(body["instance_url"] + "/id/00D")


def test_code_token_reads_data(client, issue_code, exchange):
    access = exchange(issue_code()).json["access_token"]
    assert client.get(f"{V}/limits", headers={"Authorization": f"Bearer {access}"}).status_code == 200


def test_code_without_refresh_scope_gets_no_refresh_token(issue_code, exchange):
    assert "refresh_token" not in exchange(issue_code(scope="api")).json


def test_unknown_code_is_invalid(exchange):
    assert exchange("aPrxnope").json == oauth_error("invalid_grant", "invalid authorization code")


def test_code_exchange_with_pkce_verifier(issue_code, exchange):
    verifier = "v" * 64
    assert exchange(issue_code(s256(verifier)), code_verifier=verifier).status_code == 200


def test_code_exchange_needs_the_client_secret(issue_code, exchange):
    response = exchange(issue_code(), client_secret=None)
    assert response.json == oauth_error("invalid_client", "invalid client credentials")


def test_code_exchange_without_secret_when_the_app_does_not_require_it(issue_code, exchange,
                                                                       app_settings):
    app_settings(require_secret_web_server=False)
    assert exchange(issue_code(), client_secret=None).status_code == 200


def test_code_exchange_with_unknown_client_id(issue_code, exchange):
    response = exchange(issue_code(), client_id="3MVG9nope")
    assert response.json == oauth_error("invalid_client_id", "client identifier invalid")


# -- refresh token ---------------------------------------------------------------------------
def test_refresh_gives_a_new_access_token(refresh, refresh_token):
    body = refresh(refresh_token).json
    assert body["access_token"].startswith("00D") and "refresh_token" not in body
    assert set(body) == {"access_token", "signature", "scope", "instance_url", "id", "token_type",
                         "issued_at"}


def test_refresh_with_rotation_returns_a_new_refresh_token(refresh, refresh_token, app_settings):
    app_settings(rotate_refresh_tokens=True)
    body = refresh(refresh_token).json
    assert body["refresh_token"] != refresh_token
    assert refresh(refresh_token).json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_with_unknown_token(refresh):
    assert refresh("5Aep861nope").json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_with_an_access_token_is_refused(refresh, token):
    assert refresh(token).json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_with_unknown_client_id(refresh, refresh_token):
    assert refresh(refresh_token, client_id="3MVG9nope").json == \
        oauth_error("invalid_client_id", "client identifier invalid")


def test_refresh_with_wrong_secret(refresh, refresh_token):
    assert refresh(refresh_token, client_secret="wrong").json == \
        oauth_error("invalid_client", "invalid client credentials")


def test_refresh_with_another_apps_client_is_refused(client, control, refresh, refresh_token):
    other = client.post("/_mock/orgs/org1/apps", headers=control, json={"name": "Other"}).json
    response = refresh(refresh_token, client_id=other["client_id"],
                       client_secret=other["client_secret"])
    assert response.json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_after_immediately_expire_policy(refresh, refresh_token, app_settings):
    app_settings(refresh_token_policy="zero")
    assert refresh(refresh_token).json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_after_expire_after_policy_and_a_clock_jump(refresh, refresh_token, app_settings,
                                                            client, control):
    app_settings(refresh_token_policy="absolute", refresh_token_validity=30,
                 refresh_token_unit="minutes")
    client.post("/_mock/clock", headers=control, json={"advance": 1800})
    assert refresh(refresh_token).json == oauth_error("invalid_grant", "expired access/refresh token")


def test_refresh_relaxed_for_refresh_tokens_outside_trusted_ips(client, config, control, refresh,
                                                                refresh_token, app_settings):
    client.patch(f"/_mock/users/{config.username}", headers=control,
                 json={"trusted_ip_ranges": ["10.0.0.0/8"]})
    app_settings(ip_relaxation="enforce_except_refresh")
    response = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                        "client_id": config.client_id, "client_secret": SECRET},
                           environ_base=OUTSIDE)
    assert response.status_code == 200


def test_refresh_enforced_outside_trusted_ips(client, config, control, refresh_token):
    client.patch(f"/_mock/users/{config.username}", headers=control,
                 json={"trusted_ip_ranges": ["10.0.0.0/8"]})
    response = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                        "client_id": config.client_id, "client_secret": SECRET},
                           environ_base=OUTSIDE)
    assert response.json == oauth_error("invalid_grant", "ip restricted")


# -- JWT bearer ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def key_pair():
    """An RSA key and a self-signed certificate of it (what an admin uploads to the app)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwt-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def jwt_app(client, control, config, key_pair, app_settings):
    response = client.put(f"/_mock/apps/{config.client_id}/certificate", headers=control,
                          data=key_pair[1])
    assert response.status_code == 200 and response.json["has_certificate"]
    app_settings(permitted_users="admin_approved", preauthorized_users=[config.username])


def assertion(config, key_pem, **claims) -> str:
    body = {"iss": config.client_id, "sub": config.username, "aud": "https://login.salesforce.com",
            "exp": int(dt.datetime.now(dt.timezone.utc).timestamp()) + 180, **claims}
    return jwt.encode(body, key_pem, algorithm="RS256")


def test_jwt_bearer_grant(client, config, key_pair, jwt_app):
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT,
                                        "assertion": assertion(config, key_pair[0])})
    assert response.status_code == 200 and "refresh_token" not in response.json


def test_jwt_with_own_host_as_audience(client, config, key_pair, jwt_app):
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT, "assertion": assertion(
        config, key_pair[0], aud="https://localhost/services/oauth2/token#.salesforce.com")})
    assert response.status_code == 200


def test_jwt_signed_by_another_key_is_invalid(client, config, jwt_app):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT, "assertion": assertion(config, other)})
    assert response.json == oauth_error("invalid_grant", "invalid assertion")


def test_jwt_garbage_is_invalid(client, jwt_app):
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT, "assertion": "not.a.jwt"})
    assert response.json == oauth_error("invalid_grant", "invalid assertion")


def test_jwt_expired_on_the_org_clock(client, control, config, key_pair, jwt_app):
    client.post("/_mock/clock", headers=control, json={"advance": 600})
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT,
                                        "assertion": assertion(config, key_pair[0])})
    assert response.json == oauth_error("invalid_grant", "expired authorization code")


def test_jwt_with_wrong_audience(client, config, key_pair, jwt_app):
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT, "assertion": assertion(
        config, key_pair[0], aud="https://test.salesforce.com")})
    assert response.json == oauth_error("invalid_grant", "audience is invalid")


def test_jwt_with_unknown_issuer(client, config, key_pair, jwt_app):
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT, "assertion": assertion(
        config, key_pair[0], iss="3MVG9nope")})
    assert response.json == oauth_error("invalid_client_id", "client identifier invalid")


def test_jwt_for_a_user_who_never_approved_the_app(client, config, key_pair, jwt_app, app_settings):
    app_settings(permitted_users="all")
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT,
                                        "assertion": assertion(config, key_pair[0])})
    assert response.json == oauth_error("invalid_grant", "user hasn't approved this consumer")


def test_jwt_for_a_user_who_approved_the_app(client, config, key_pair, jwt_app, app_settings,
                                             issue_code):
    app_settings(permitted_users="all")
    issue_code()  # the user clicked Allow once
    response = client.post(TOKEN, data={"grant_type": JWT_GRANT,
                                        "assertion": assertion(config, key_pair[0])})
    assert response.status_code == 200


def test_uploading_something_else_than_a_certificate_is_refused(client, control, config):
    response = client.put(f"/_mock/apps/{config.client_id}/certificate", headers=control,
                          data="not a certificate")
    assert response.status_code == 400
    assert response.json == {"error": "certificate must be a PEM X.509 certificate"}


# -- revoke and introspect -------------------------------------------------------------------
def test_revoking_an_access_token_ends_it(client, auth, token):
    assert client.post("/services/oauth2/revoke", data={"token": token}).status_code == 200
    assert client.get(f"{V}/limits", headers=auth).status_code == 401


def test_revoking_a_refresh_token_ends_its_access_tokens(client, refresh, refresh_token):
    access = refresh(refresh_token).json["access_token"]
    assert client.post("/services/oauth2/revoke", data={"token": refresh_token}).status_code == 200
    response = client.get(f"{V}/limits", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 401 and response.json[0]["errorCode"] == "INVALID_SESSION_ID"


def test_revoking_by_get_works_too(client, token):
    assert client.get("/services/oauth2/revoke", query_string={"token": token}).status_code == 200


def test_revoking_an_unknown_token(client):
    response = client.post("/services/oauth2/revoke", data={"token": "nope"})
    assert response.status_code == 400 and response.json == oauth_error("invalid_token", "invalid token")


def test_introspect_a_live_access_token(client, config, token):
    body = client.post("/services/oauth2/introspect", data={
        "token": token, "client_id": config.client_id, "client_secret": SECRET}).json
    assert body["active"] and body["token_type"] == "access_token"
    assert body["username"] == config.username and body["exp"] > body["iat"]


def test_introspect_a_revoked_token(client, config, token):
    client.post("/services/oauth2/revoke", data={"token": token})
    body = client.post("/services/oauth2/introspect", data={
        "token": token, "client_id": config.client_id, "client_secret": SECRET}).json
    assert body == {"active": False}


def test_introspect_needs_client_credentials(client, config, token):
    response = client.post("/services/oauth2/introspect", data={
        "token": token, "client_id": config.client_id, "client_secret": "wrong"})
    assert response.json == oauth_error("invalid_client", "invalid client credentials")
