"""Load and isolation against a real threaded server (plain HTTP, a few seconds).

Concurrent inserts, updates, upserts by external id, deletes and paged queries must leave every
acknowledged write there exactly once; two orgs on one server must never see each other's records
through any route family.
"""
from __future__ import annotations

import time

import pytest
import requests

from loadgen import EXTERNAL_ID, V, figures, prepare, read_back, run, session_for, verify
from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer


@pytest.fixture
def server(tmp_path):
    """A real server on a free port (no TLS: the handshake is not what is under test)."""
    config = MockConfig(data_dir=tmp_path, db_url=str(tmp_path / "org.db"), password="pw",
                        client_secret="secret", control_secret="control")
    with MockServer(config, tls=False) as running:
        yield running


def test_concurrent_writes_and_paged_queries_lose_nothing(server):
    prepare(lambda method, path, **kw: server.control(method, path, **kw))
    token = server.token()["access_token"]
    reader = session_for(token)
    before = len(read_back(server.url, reader))
    seconds = 3.0
    logs = run(server.url, [session_for(token) for _ in range(8)], seconds)
    stats = figures(logs, seconds)
    print(f"\nload: {stats}")
    assert stats["insert"]["n"] > 20 and stats["upsert"]["n"] > 10 and stats["query"]["n"] > 5
    assert verify(server.url, reader, logs, before) == []


def _org_b(server):
    org = server.create_org("Other", "admin@other.example", "pw-b")
    return org, org.token()["access_token"]


def test_no_token_of_one_org_reaches_the_other_orgs_records(server):
    prepare(lambda method, path, **kw: server.control(method, path, **kw))
    token_a = server.token()["access_token"]
    org_b, token_b = _org_b(server)
    a, b = session_for(token_a), session_for(token_b)
    url = server.url
    theirs = b.post(f"{url}{V}/sobjects/Contact", json={"LastName": "Secret B"}).json()["id"]
    ours = a.post(f"{url}{V}/sobjects/Contact", json={"LastName": "Mine A"}).json()["id"]
    b_query = b.get(f"{url}{V}/query", params={"q": "SELECT Id FROM Contact"},
                    headers={"Sforce-Query-Options": "batchSize=200"}).json()

    # REST reads, writes and deletes of B's record with A's token
    assert a.get(f"{url}{V}/sobjects/Contact/{theirs}").status_code == 404
    assert a.patch(f"{url}{V}/sobjects/Contact/{theirs}", json={"LastName": "x"}).status_code == 404
    assert a.delete(f"{url}{V}/sobjects/Contact/{theirs}").status_code == 404
    assert a.get(f"{url}{V}/sobjects/Contact/Id/{theirs}").status_code == 404
    # SOQL, queryAll, composite retrieve / update / delete
    for resource in ("query", "queryAll"):
        found = a.get(f"{url}{V}/{resource}", params={
            "q": f"SELECT Id FROM Contact WHERE Id = '{theirs}'"}).json()
        assert found["totalSize"] == 0
    assert a.get(f"{url}{V}/composite/sobjects/Contact",
                 params={"ids": theirs, "fields": "LastName"}).json() == [None]
    update = a.patch(f"{url}{V}/composite/sobjects", json={"records": [
        {"attributes": {"type": "Contact"}, "id": theirs, "LastName": "x"}]}).json()
    assert update[0]["success"] is False
    delete = a.delete(f"{url}{V}/composite/sobjects", params={"ids": theirs}).json()
    assert delete[0]["success"] is False
    # B's query locator is not A's
    if not b_query["done"]:
        assert a.get(url + b_query["nextRecordsUrl"]).status_code in (400, 404)
    # Replication windows
    window = {"start": time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(time.time() - 86400)),
              "end": time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(time.time() + 120))}
    assert theirs not in a.get(f"{url}{V}/sobjects/Contact/updated", params=window).json().get("ids", [])
    # Bulk 2.0: A's query job does not see B's record; B's job ids are not A's
    job = a.post(f"{url}{V}/jobs/query", json={"operation": "query",
                                                "query": "SELECT Id FROM Contact"}).json()
    for _ in range(100):
        if a.get(f"{url}{V}/jobs/query/{job['id']}").json()["state"] == "JobComplete":
            break
        time.sleep(0.05)
    csv = a.get(f"{url}{V}/jobs/query/{job['id']}/results").text
    assert theirs not in csv and ours in csv
    assert b.get(f"{url}{V}/jobs/query/{job['id']}").status_code == 404
    # Bulk 1.0 with A's session: B's job is unknown
    job1 = requests.post(f"{url}/services/async/59.0/job", headers={
        "X-SFDC-Session": token_b, "Content-Type": "application/json"},
        json={"operation": "query", "object": "Contact", "contentType": "JSON"}).json()
    assert requests.get(f"{url}/services/async/59.0/job/{job1['id']}", headers={
        "X-SFDC-Session": token_a, "Content-Type": "application/json"}).status_code == 400
    # Identity URL of B's user with A's token
    identity_b = server.session().post(f"{url}/services/oauth2/token", data={
        "grant_type": "password", "client_id": org_b.client_id, "client_secret": org_b.client_secret,
        "username": org_b.username, "password": org_b.password}).json()["id"]
    assert a.get(identity_b).status_code == 403
    # Upsert by external id: the same key in both orgs makes two records, one in each
    org_b.control("POST", "fields/Contact", json={"name": EXTERNAL_ID, "type": "string",
                                                  "externalId": True, "unique": True})
    assert b.patch(f"{url}{V}/sobjects/Contact/{EXTERNAL_ID}/shared",
                   json={"LastName": "Keyed B"}).status_code == 201
    assert a.patch(f"{url}{V}/sobjects/Contact/{EXTERNAL_ID}/shared",
                   json={"LastName": "Keyed A"}).status_code == 201
    assert b.get(f"{url}{V}/sobjects/Contact/{EXTERNAL_ID}/shared").json()["LastName"] == "Keyed B"
    # And B's record is there, unchanged
    assert b.get(f"{url}{V}/sobjects/Contact/{theirs}").json()["LastName"] == "Secret B"
    assert a.get(f"{url}{V}/sobjects/Contact/{ours}").status_code == 200
