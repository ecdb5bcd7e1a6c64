"""jsforce (Node, pinned in package.json) logging in to the mock by SOAP and OAuth, then querying
(REST, and Bulk API 1.0: XML jobs sent chunked with ``X-SFDC-SESSION``, CSV results), and
loading records with Bulk API 2.0 ingest jobs.

Runs ``node script.js <scenario>`` against a plain-HTTP mock; install the Node packages first
with ``scripts/install-test-deps.sh`` (``npm ci`` here).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mock_salesforce.backend.oauth.codes import AuthorizationCodes
from mock_salesforce.backend.oauth.grants import LoginContext
from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer

HERE = Path(__file__).parent
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("jsforce-org")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"), password="js-password",
                        client_secret="js-secret", control_secret="js-control",
                        callback_urls=["http://127.0.0.1:1/callback"])
    with MockServer(config, tls=False) as running:
        running.control("POST", "orgs/org1/records/Account",
                        json={"records": [{"Name": "Acme"}, {"Name": "Globex"}]})
        yield running


def run(server, scenario: str, **extra: str) -> dict:
    """Run one scenario of script.js and return what it printed."""
    # jsforce sends every request through an HTTP(S)_PROXY when one is set.
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    config = server.config
    env.update(MOCK_LOGIN_URL=server.url, MOCK_USERNAME=config.username,
               MOCK_PASSWORD=config.password, MOCK_CLIENT_ID=config.client_id,
               MOCK_CLIENT_SECRET=config.client_secret, **extra)
    done = subprocess.run(["node", "script.js", scenario], cwd=HERE, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_soap_login_query_and_identity(server):
    result = run(server, "soap")
    assert result["instanceUrl"] == server.url and result["totalSize"] == 2
    assert result["identityUser"] == result["userId"]
    assert result["identityName"] == server.config.username


def test_soap_logout_ends_the_session(server):
    session = run(server, "soap")["loggedOut"]
    response = server.session().get(f"{server.url}/services/data/v59.0/limits",
                                    headers={"Authorization": f"Bearer {session}"})
    assert response.status_code == 401


def test_wrong_password_reports_the_soap_fault(server):
    assert run(server, "wrong-password")["error"] == (
        "INVALID_LOGIN: Invalid username, password, security token; or user locked out.")


def test_oauth_password_login_and_query(server):
    result = run(server, "oauth-password")
    assert result["totalSize"] == 2 and result["userId"].startswith("005")


def test_oauth_logout_revokes_the_token(server):
    token = run(server, "oauth-password")["revoked"]
    response = server.session().get(f"{server.url}/services/data/v59.0/limits",
                                    headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def issue_tokens(server) -> dict:
    """An access and refresh token pair, issued as the web-server flow would."""
    registry = server.registry
    codes = AuthorizationCodes(registry)
    request = codes.check({"response_type": "code", "client_id": server.config.client_id,
                           "redirect_uri": "http://127.0.0.1:1/callback"})
    code = codes.approve(request, registry.grants.find_user(server.config.username))
    return registry.grants.token({"grant_type": "authorization_code", "code": code,
                                  "client_id": server.config.client_id,
                                  "client_secret": server.config.client_secret,
                                  "redirect_uri": "http://127.0.0.1:1/callback"},
                                 LoginContext(server.url))


def test_refresh_token_renews_a_stale_session(server):
    tokens = issue_tokens(server)
    result = run(server, "oauth-refresh", MOCK_REFRESH_TOKEN=tokens["refresh_token"],
                 MOCK_INSTANCE_URL=server.url)
    assert result["refreshed"] and result["totalSize"] == 2
    assert result["accessToken"] != tokens["access_token"]


def test_bulk1_query_reads_csv_results(server):
    result = run(server, "bulk1-query", MOCK_SOQL="SELECT Id, Name FROM Account ORDER BY Name")
    assert [r["Name"] for r in result["records"]] == ["Acme", "Globex"]
    assert all(r["Id"].startswith("001") for r in result["records"])


def test_bulk1_failed_batch_reports_its_state_message(server):
    result = run(server, "bulk1-query", MOCK_SOQL="SELECT Id, Nope__c FROM Account")
    assert result["error"].startswith("InvalidBatch : Failed to process query: INVALID_FIELD")


def test_bulk1_stale_session_is_refreshed_on_invalid_session_id(server):
    result = run(server, "bulk1-refresh", MOCK_REFRESH_TOKEN=issue_tokens(server)["refresh_token"],
                 MOCK_INSTANCE_URL=server.url)
    assert result["refreshed"] is True
    assert sorted(r["Name"] for r in result["records"]) == ["Acme", "Globex"]


def load(server, **options) -> dict:
    """Run jsforce's ``bulk2.loadAndWaitForResults(options)``."""
    return run(server, "bulk2-load", MOCK_LOAD=json.dumps(options))


def test_bulk2_load_inserts_and_reports_each_row(server):
    result = load(server, object="Contact", operation="insert", input=[
        {"FirstName": "Grace", "LastName": "Hopper"}, {"FirstName": "Nameless"},
        {"FirstName": "Edsger", "LastName": "Dijkstra"}])
    ok = result["successfulResults"]
    assert sorted(r["LastName"] for r in ok) == ["Dijkstra", "Hopper"]
    assert all(r["sf__Created"] == "true" and r["sf__Id"].startswith("003") for r in ok)
    [failed] = result["failedResults"]
    assert failed["sf__Error"] == ("REQUIRED_FIELD_MISSING:Required fields are missing: "
                                   "[LastName]:LastName --")
    assert failed["FirstName"] == "Nameless" and result["unprocessedRecords"] == []
    read_back = {r["Id"]: r["LastName"] for r in result["readBack"]}
    assert {r["sf__Id"]: r["LastName"] for r in ok}.items() <= read_back.items()


def test_bulk2_load_updates_and_deletes(server):
    inserted = load(server, object="Contact", operation="insert",
                    input=[{"LastName": "Before"}])["successfulResults"][0]["sf__Id"]
    updated = load(server, object="Contact", operation="update",
                   input=[{"Id": inserted, "LastName": "After"}])
    assert updated["successfulResults"][0]["sf__Created"] == "false"
    assert {"Id": inserted, "LastName": "After"} in updated["readBack"]
    deleted = load(server, object="Contact", operation="delete", input=[{"Id": inserted}])
    assert deleted["successfulResults"][0]["sf__Id"] == inserted
    assert inserted not in [r["Id"] for r in deleted["readBack"]]


def test_bulk2_load_of_an_unknown_field_reports_the_failed_job(server):
    result = load(server, object="Contact", operation="insert",
                  input=[{"LastName": "X", "Nope__c": "1"}])
    assert result["error"] == ("Ingest job failed to complete due to: InvalidBatch : Field name "
                               "not found : Nope__c")


def test_bulk1_load_reports_each_row(server):
    result = run(server, "bulk1-load", MOCK_LOAD=json.dumps({
        "object": "Contact", "operation": "insert",
        "input": [{"LastName": "Knuth"}, {"FirstName": "Nameless"}]}))
    ok, failed = result["results"]
    assert ok["success"] is True and ok["id"].startswith("003") and ok["errors"] == []
    assert failed["success"] is False
    assert failed["errors"] == ["REQUIRED_FIELD_MISSING:Required fields are missing: "
                                "[LastName]:LastName --"]
