"""``mock_salesforce.patch()``: unmodified client code that logs in to Salesforce reaches a mock org."""
import http.server
import json
import threading

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed

import mock_salesforce
from mock_salesforce import MockConfig, MockServer, patch


def count(sf, soql):
    return sf.query(soql)["totalSize"]


def test_top_level_exports():
    assert MockServer.__name__ == "MockServer" and MockConfig.__name__ == "MockConfig"
    assert patch is mock_salesforce.patch


def test_any_credentials_log_in_to_the_mock_org_by_soap_and_by_oauth(monkeypatch):
    # These machines export REQUESTS_CA_BUNDLE; a bundle without the mock's CA must not matter.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    original_send = HTTPAdapter.send
    with patch(seed=2) as org:
        sf = Salesforce(username="someone@example.com", password="anything", security_token="tok")
        assert sf.sf_instance == "login.salesforce.com"
        sf.Contact.create({"LastName": "Lovelace"})
        assert count(org.client(), "SELECT Id FROM Contact WHERE LastName = 'Lovelace'") == 1
        assert count(sf, "SELECT Id FROM Account") == 2
        by_oauth = Salesforce(username="x", password="y", consumer_key="key", consumer_secret="s")
        assert count(by_oauth, "SELECT Id FROM Contact WHERE LastName = 'Lovelace'") == 1
        # connectors configured with a refresh token (Singer, Airbyte) log in too
        refreshed = requests.post("https://login.salesforce.com/services/oauth2/token", data={
            "grant_type": "refresh_token", "client_id": "c", "client_secret": "s",
            "refresh_token": "made-up"})
        assert refreshed.status_code == 200 and refreshed.json()["access_token"]
    assert HTTPAdapter.send is original_send, "the transport is restored after the block"


def test_hard_coded_login_hosts_reach_the_mock_and_other_hosts_do_not(tmp_path):
    seen = []

    class Local(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    local = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Local)
    threading.Thread(target=local.serve_forever, daemon=True).start()
    try:
        with patch(sandbox=True) as org:
            token = requests.post("https://test.salesforce.com/services/oauth2/token", data={
                "grant_type": "password", "client_id": "any", "client_secret": "any",
                "username": "u@example.com", "password": "p"})
            assert token.status_code == 200, token.text
            assert token.url == "https://test.salesforce.com/services/oauth2/token"
            assert token.json()["instance_url"] == "https://test.salesforce.com"
            assert requests.get(f"http://127.0.0.1:{local.server_port}/elsewhere").status_code == 204
            assert org.client().query("SELECT IsSandbox FROM Organization")["records"][0]["IsSandbox"]
        assert seen == ["/elsewhere"]
        with pytest.raises(requests.exceptions.ConnectionError):  # after the block: the real host
            requests.post(f"{org.url}/services/oauth2/token", timeout=5)
    finally:
        local.shutdown()


def test_strict_credentials_refuse_strangers():
    with patch(strict=True) as org:
        with pytest.raises(SalesforceAuthenticationFailed):
            Salesforce(username="someone@example.com", password="wrong", security_token="tok")
        sf = Salesforce(username=org.username, password=org.password, security_token="")
        assert count(sf, "SELECT Id FROM User") == 1


def test_records_come_from_json_and_csv_files(tmp_path):
    (tmp_path / "org.json").write_text(json.dumps({"Account": [{"Name": "Acme"}]}))
    (tmp_path / "Contact.csv").write_text("LastName,Email,HasOptedOutOfEmail\n"
                                          "Hopper,grace@example.com,true\nTuring,,false\n")
    with patch(records=[tmp_path / "org.json", tmp_path / "Contact.csv"]) as org:
        sf = org.client()
        assert [r["Name"] for r in sf.query("SELECT Name FROM Account")["records"]] == ["Acme"]
        rows = sf.query("SELECT LastName, Email, HasOptedOutOfEmail FROM Contact ORDER BY LastName")
        assert [(r["LastName"], r["Email"], r["HasOptedOutOfEmail"]) for r in rows["records"]] == [
            ("Hopper", "grace@example.com", True), ("Turing", None, False)]


@patch(seed=3)
def test_the_decorator_passes_a_fresh_org(org, tmp_path):
    """pytest sees only ``tmp_path``: the org parameter is hidden from it, as mock.patch does."""
    assert tmp_path.exists()
    sf = Salesforce(username="whoever", password="whatever", security_token="")
    assert count(sf, "SELECT Id FROM Account") == 3
    assert org.username == "admin@mock-salesforce.example.com" and org.password


def test_the_decorator_appends_the_org_to_positional_arguments():
    @patch()
    def handler(event, org):
        return event, org.username

    assert handler("event") == ("event", "admin@mock-salesforce.example.com")


class TestMethods:
    @patch()
    def test_a_method_gets_the_org_after_self(self, org):
        assert isinstance(self, TestMethods) and org.client_id


@pytest.mark.salesforce_org(seed=2, records={"Lead": [{"LastName": "Marked", "Company": "Acme"}]})
def test_the_fixture_marker_seeds_and_loads(salesforce_org):
    sf = salesforce_org.client()
    assert count(sf, "SELECT Id FROM Account") == 2
    assert count(sf, "SELECT Id FROM Lead WHERE LastName = 'Marked'") == 1


def test_control_errors_carry_the_response_body(salesforce_org):
    with pytest.raises(requests.HTTPError) as raised:
        salesforce_org.control("POST", "orgs/default/records/Contact", json={"rows": []})
    assert "400" in str(raised.value) and 'expected {\\"records\\": [...]}' in str(raised.value)
