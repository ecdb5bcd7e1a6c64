"""The request journal: entries, masking, near misses, the verification API and its Python form."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from mock_salesforce.backend import journal

V = "/services/data/v59.0"


# -- the pure parts -----------------------------------------------------------------------------
def test_secrets_never_reach_the_journal():
    form = "grant_type=password&client_id=abc&client_secret=s3cret&username=u&password=hunter2"
    assert journal.mask_text(form) == ("grant_type=password&client_id=abc&client_secret=****"
                                       "&username=u&password=****")
    soap = "<n1:username>u</n1:username><n1:password>hunter2TOKEN</n1:password>"
    assert "hunter2" not in journal.mask_text(soap)
    headers = journal.mask_headers([("Authorization", "Bearer 00Dxx0000001gEREAY!AQ4AQabcdef123456"),
                                    ("X-Mock-Secret", "topsecret"), ("Accept", "application/json"),
                                    ("X-Forwarded-For", "1.2.3.4")])
    assert headers == {"Authorization": "Bearer ****3456", "Accept": "application/json"}


def test_the_ring_keeps_the_newest_and_filters():
    ring = journal.Journal(capacity=3)
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for status, path in [(200, "/a"), (404, "/b"), (201, "/c"), (400, "/query")]:
        ring.add(journal.Entry(ring.next_id(), at, "GET", path, "", {}, 0, "", status, None, None,
                               1.0, 1, "", "00D", None))
    assert [e.path for e in ring.entries()] == ["/b", "/c", "/query"]
    assert [e.path for e in ring.entries(status="4xx")] == ["/b", "/query"]
    assert [e.path for e in ring.entries(path="/q.*")] == ["/query"]
    assert [e.path for e in ring.entries(path="/q")] == []  # the whole path must match
    assert [e.path for e in ring.entries(since=3)] == ["/query"]
    assert ring.entries(method="post") == []


def test_near_misses_name_the_closest_routes():
    routes = [("/services/data/<version>/sobjects/<sobject>", frozenset({"GET", "POST"})),
              ("/services/data/<version>/query", frozenset({"GET"})),
              ("/services/oauth2/token", frozenset({"POST"}))]
    misses = journal.near_misses("GET", "/services/data/v59.0/sobject/Contact", routes)
    assert misses[0] == "GET|POST /services/data/<version>/sobjects/<sobject>"
    assert journal.near_misses("GET", "/nothing/like/it/at/all", routes) == ()


# -- through the real server ---------------------------------------------------------------------
def test_every_request_is_journaled_with_its_answer(salesforce_org):
    sf = salesforce_org.client()
    created = sf.Contact.create({"LastName": "Journal"})
    with pytest.raises(Exception):
        sf.Contact.create({"FirstName": "no last name"})
    sf.query("SELECT Id FROM Contact")

    login, create, refused, query = salesforce_org.requests()[-4:]
    assert (login.method, login.path, login.status) == ("POST", "/services/oauth2/token", 200)
    assert "password=****" in login.body_excerpt and salesforce_org.config.password not in login.body_excerpt
    assert login.api_cost == 0
    assert (create.method, create.path, create.status) == ("POST", f"{V}/sobjects/Contact/", 201)
    assert create.body_excerpt == '{"LastName": "Journal"}' and create.api_cost == 1
    assert create.headers["Authorization"].startswith("Bearer ****")
    assert create.user_id and create.org_id == salesforce_org.registry.default_org.id
    assert "simple-salesforce" in create.user_agent or "python-requests" in create.user_agent
    assert (refused.status, refused.error_code) == (400, "REQUIRED_FIELD_MISSING")
    assert "LastName" in refused.error_message
    assert query.path == f"{V}/query/" and "q=SELECT" in query.query
    assert created["id"]


def test_the_verification_api_lists_filters_and_clears(salesforce_org):
    sf = salesforce_org.client()
    sf.Contact.create({"LastName": "One"})
    session = salesforce_org.session()
    session.get(f"{salesforce_org.url}{V}/sobject/Contact",
                headers={"Authorization": f"Bearer {sf.session_id}"})

    listed = salesforce_org.control("GET", "orgs/default/requests", params={"status": "4xx"}).json()
    assert [(r["method"], r["path"], r["status"], r["error_code"]) for r in listed["requests"]] == [
        ("GET", f"{V}/sobject/Contact", 404, "NOT_FOUND")]
    assert any("/sobjects/<sobject>" in miss for miss in listed["requests"][0]["near_misses"])
    assert listed["requests"][0]["at"].endswith("Z")

    posts = salesforce_org.control("GET", "orgs/default/requests",
                                   params={"method": "POST", "path": r".*/sobjects/\w+/?"}).json()
    assert [r["path"] for r in posts["requests"]] == [f"{V}/sobjects/Contact/"]
    last = salesforce_org.control("GET", "orgs/default/requests", params={"limit": 1}).json()
    assert [r["status"] for r in last["requests"]] == [404]

    assert salesforce_org.control("DELETE", "orgs/default/requests").status_code == 204
    assert salesforce_org.control("GET", "orgs/default/requests").json() == {"requests": []}


def test_the_verification_api_needs_the_control_secret_and_good_filters(salesforce_org):
    url = f"{salesforce_org.url}/_mock/orgs/default/requests"
    assert salesforce_org.session().get(url).status_code == 403
    with pytest.raises(requests.HTTPError) as refused:
        salesforce_org.control("GET", "orgs/default/requests", params={"path": "(unclosed"})
    assert "not a regular expression" in refused.value.response.json()["error"]


def test_each_org_keeps_its_own_journal(salesforce_org):
    other = salesforce_org.create_org("Other", "admin@other.example", "pw-other")
    other.client().Account.create({"Name": "Theirs"})
    salesforce_org.client().Account.create({"Name": "Ours"})
    assert len(other.requests("POST", r".*/sobjects/Account/?")) == 1
    assert len(salesforce_org.requests("POST", r".*/sobjects/Account/?")) == 1
    assert [e.path for e in other.requests("POST")] == ["/services/oauth2/token", f"{V}/sobjects/Account/"]


def test_assert_requested_says_what_was_requested_instead(salesforce_org):
    sf = salesforce_org.client()
    sf.query("SELECT Id FROM Account")
    salesforce_org.assert_requested("GET", r"/services/data/v[\d.]+/query/?", times=1)
    salesforce_org.assert_requested("POST", "/services/oauth2/token", at_least=1, at_most=1)
    with pytest.raises(AssertionError) as failed:
        salesforce_org.assert_requested("GET", r".*/sobjects/Account/describe")
    message = str(failed.value)
    assert "expected GET .*/sobjects/Account/describe at least 1, got 0." in message
    assert f"GET {V}/query/?q=SELECT+Id+FROM+Account → 200" in message


def test_the_journal_can_be_switched_off(tmp_path):
    from mock_salesforce.config import MockConfig
    from mock_salesforce.server import MockServer
    config = MockConfig(data_dir=tmp_path, db_url=str(tmp_path / "org.db"), journal=False)
    with MockServer(config) as server:
        server.token()
        assert server.requests() == []


def test_bulk_1_errors_are_journaled_with_their_exception_code(salesforce_org):
    salesforce_org.session().post(f"{salesforce_org.url}/services/async/59.0/job", data="<jobInfo/>",
                                  headers={"X-SFDC-Session": "bad",
                                           "Content-Type": "application/xml"})
    entry = salesforce_org.requests("POST", "/services/async/.*")[-1]
    assert (entry.status, entry.error_code) == (400, "InvalidSessionId")
    assert entry.error_message and entry.headers["X-SFDC-Session"] == "****"
