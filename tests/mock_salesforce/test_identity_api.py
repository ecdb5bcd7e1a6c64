"""The identity URL of a token response and OpenID userinfo."""
from __future__ import annotations

import re

import pytest

TOKEN = "/services/oauth2/token"


@pytest.fixture
def token_response(client, config) -> dict:
    return client.post(TOKEN, data={"grant_type": "password", "client_id": config.client_id,
                                    "client_secret": "test-client-secret",
                                    "username": config.username, "password": "test-password"}).json


def identity_path(token_response) -> str:
    return token_response["id"].replace("http://localhost", "")


def test_identity_url_with_bearer_token(client, config, token_response):
    body = client.get(identity_path(token_response),
                      headers={"Authorization": f"Bearer {token_response['access_token']}"}).json
    assert body["id"] == token_response["id"] and body["username"] == config.username
    assert body["user_id"].startswith("005") and body["organization_id"].startswith("00D")


def test_identity_url_with_oauth_token_parameter_as_jsforce_calls_it(client, token_response):
    response = client.get(identity_path(token_response), query_string={
        "format": "json", "oauth_token": token_response["access_token"]})
    assert response.status_code == 200 and response.content_type == "application/json;charset=UTF-8"


def test_identity_urls_keep_the_version_placeholder(client, token_response):
    body = client.get(identity_path(token_response), query_string={
        "oauth_token": token_response["access_token"]}).json
    assert body["urls"]["rest"] == "http://localhost/services/data/v{version}/"


def test_identity_url_with_a_15_character_user_id(client, token_response):
    org_id, user_id = identity_path(token_response).split("/")[-2:]
    response = client.get(f"/id/{org_id}/{user_id[:15]}", query_string={
        "oauth_token": token_response["access_token"]})
    assert response.status_code == 200 and response.json["user_id"] == user_id


def test_identity_url_without_token_is_403(client, token_response):
    response = client.get(identity_path(token_response))
    assert response.status_code == 403 and response.get_data(as_text=True) == "Bad_OAuth_Token"


def test_identity_url_of_an_unknown_user_is_404(client, token_response):
    org_id = identity_path(token_response).split("/")[-2]
    response = client.get(f"/id/{org_id}/005000000000000AAA", query_string={
        "oauth_token": token_response["access_token"]})
    assert response.status_code == 404


def test_userinfo_has_the_openid_claims(client, config, token_response):
    body = client.get("/services/oauth2/userinfo",
                      headers={"Authorization": f"Bearer {token_response['access_token']}"}).json
    assert body["sub"] == token_response["id"] and body["preferred_username"] == config.username
    assert body["organization_id"] in token_response["id"] and body["email_verified"] is True


def test_userinfo_with_a_revoked_token_is_403(client, token_response):
    client.post("/services/oauth2/revoke", data={"token": token_response["access_token"]})
    response = client.get("/services/oauth2/userinfo",
                          headers={"Authorization": f"Bearer {token_response['access_token']}"})
    assert response.status_code == 403 and response.get_data(as_text=True) == "Bad_OAuth_Token"


def test_identity_and_userinfo_datetimes_end_in_z_and_userinfo_has_phone_claims(client, token_response):
    bearer = {"Authorization": f"Bearer {token_response['access_token']}"}
    identity = client.get(identity_path(token_response), headers=bearer).json
    info = client.get("/services/oauth2/userinfo", headers=bearer).json
    z_time = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    assert re.match(z_time, identity["last_modified_date"])
    assert re.match(z_time, info["updated_at"])
    assert info["phone_number"] is None and info["phone_number_verified"] is False
