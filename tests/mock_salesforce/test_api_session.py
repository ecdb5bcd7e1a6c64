"""Tokens, API limits, faults and the org clock as data calls see them."""
import pytest

V = "/services/data/v59.0"


def code(response):
    return response.json[0]["errorCode"]


def test_token_response_has_salesforce_shape(client, config):
    body = client.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": config.client_id,
        "client_secret": config.client_secret, "username": config.username,
        "password": config.password}).json
    assert set(body) >= {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert body["token_type"] == "Bearer" and body["access_token"].startswith("00D")
    assert "/id/00D" in body["id"] and not body["instance_url"].endswith("/")


@pytest.mark.parametrize("change,error", [
    ({"password": "wrong"}, {"error": "invalid_grant", "error_description": "authentication failure"}),
    ({"client_secret": "wrong"}, {"error": "invalid_client", "error_description": "invalid client credentials"}),
    ({"client_id": "nope"}, {"error": "invalid_client_id", "error_description": "client identifier invalid"}),
    ({"grant_type": "magic"}, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}),
])
def test_bad_credentials_are_400_oauth_errors(client, config, change, error):
    form = {"grant_type": "password", "client_id": config.client_id,
            "client_secret": config.client_secret, "username": config.username,
            "password": config.password, **change}
    response = client.post("/services/oauth2/token", data=form)
    assert response.status_code == 400 and response.json == error


def test_client_credentials_grant_with_basic_auth(client, config):
    response = client.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(config.client_id, config.client_secret))
    assert response.status_code == 200 and response.json["access_token"]


def test_missing_token_is_invalid_session(client):
    response = client.get(f"{V}/sobjects")
    assert response.status_code == 401
    assert response.json == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_unknown_token_is_invalid_session(client):
    response = client.get(f"{V}/sobjects", headers={"Authorization": "Bearer 00Dnope!nope"})
    assert response.status_code == 401 and code(response) == "INVALID_SESSION_ID"


def test_token_expires_after_idle_session_timeout(client, auth, app, config):
    clock = app.extensions["mock_salesforce"].clock
    clock.advance(config.session_timeout - 10)
    assert client.get(f"{V}/limits", headers=auth).status_code == 200
    clock.advance(config.session_timeout - 10)  # used just now, so still alive
    assert client.get(f"{V}/limits", headers=auth).status_code == 200
    clock.advance(config.session_timeout + 1)
    response = client.get(f"{V}/limits", headers=auth)
    assert response.status_code == 401 and code(response) == "INVALID_SESSION_ID"


def test_every_data_response_carries_limit_info(client, auth):
    first = client.get(f"{V}/sobjects", headers=auth).headers["Sforce-Limit-Info"]
    second = client.get(f"{V}/sobjects/Contact/describe", headers=auth).headers["Sforce-Limit-Info"]
    assert first == "api-usage=1/100000" and second == "api-usage=2/100000"


def test_limits_document_counts_remaining_calls(client, auth):
    body = client.get(f"{V}/limits", headers=auth).json
    assert body["DailyApiRequests"] == {"Max": 100000, "Remaining": 99999}
    assert {"DailyBulkApiBatches", "DataStorageMB"} <= body.keys()


def test_past_the_daily_limit_calls_are_refused_until_the_window_moves(client, auth, control, app,
                                                                      login):
    client.post("/_mock/orgs/org1/usage", headers=control, json={"used": 10, "limit": 10})
    response = client.get(f"{V}/sobjects", headers=auth)
    assert response.status_code == 403 and code(response) == "REQUEST_LIMIT_EXCEEDED"
    app.extensions["mock_salesforce"].clock.advance(24 * 3600 + 1)
    response = client.get(f"{V}/sobjects", headers=login())
    assert response.status_code == 200 and response.headers["Sforce-Limit-Info"] == "api-usage=1/10"


@pytest.mark.parametrize("kind,status,error", [
    ("401", 401, "INVALID_SESSION_ID"), ("403", 403, "REQUEST_LIMIT_EXCEEDED"),
    ("500", 500, "UNKNOWN_EXCEPTION"), ("503", 503, "SERVER_UNAVAILABLE"),
    ("query_timeout", 400, "QUERY_TIMEOUT"),
])
def test_injected_faults_answer_once_then_clear(client, auth, control, kind, status, error):
    client.post("/_mock/faults", headers=control, json={"kind": kind, "count": 1})
    response = client.get(f"{V}/sobjects", headers=auth)
    assert response.status_code == status and code(response) == error
    assert client.get(f"{V}/sobjects", headers=auth).status_code == 200


def test_fault_limited_to_a_path(client, auth, control):
    client.post("/_mock/faults", headers=control, json={"kind": "500", "count": 1, "path": "/limits"})
    assert client.get(f"{V}/sobjects", headers=auth).status_code == 200
    assert client.get(f"{V}/limits", headers=auth).status_code == 500


def test_rate_fault_fires_on_a_fraction_of_calls(client, auth, control):
    client.post("/_mock/faults", headers=control, json={"kind": "500", "count": 1000, "rate": 0.3,
                                                        "seed": 7})
    statuses = [client.get(f"{V}/limits", headers=auth).status_code for _ in range(100)]
    assert 15 <= statuses.count(500) <= 45 and statuses.count(200) + statuses.count(500) == 100
