"""Property-based fuzzing, bounded for CI: every route family from the OpenAPI description, and
JSON record bodies, SOQL and CSV from hypothesis strategies. ``bench/fuzz_bench.py`` runs the
same with many more examples.

Each test fails with the list of answers that broke a house rule (see ``fuzzing.problems``).
"""
from __future__ import annotations

import os
import time

import pytest

from fuzzing import Tally, csv_bodies, drive, family_of, fuzz_schema, records, soql

V = "/services/data/v59.0"
# Examples per operation / per strategy; FUZZ_SCALE=10 multiplies them for a longer local run.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
CONTACT_FIELDS = ["LastName", "FirstName", "Email", "Birthdate", "AccountId", "DoNotCall",
                  "MailingCountry", "Description", "OwnerId", "Id", "CreatedDate"]


def _check(tally: Tally) -> None:
    total = sum(tally.requests.values())
    print(f"\nfuzz: {total} requests {tally.requests}, statuses {dict(sorted(tally.statuses.items()))}, "
          f"{len(tally.problems)} problems")
    assert total > 0
    assert tally.problems == [], "\n".join(tally.problems)


@pytest.fixture
def everyone(token, control) -> dict:
    """Headers that pass every family's authentication."""
    return {"Authorization": f"Bearer {token}", "X-SFDC-Session": token, **control}


FAMILIES = [["data", "composite"], ["bulk2", "bulk1"], ["oauth", "identity", "soap", "setup"],
            ["control", "console"]]


def test_every_described_tag_is_fuzzed(client):
    document = client.get("/_mock/openapi.json").json
    tags = {tag for item in document["paths"].values() for op in item.values() for tag in op["tags"]}
    assert tags <= {tag for family in FAMILIES for tag in family}


@pytest.mark.parametrize("tags", FAMILIES, ids=["rest", "bulk", "auth", "control"])
def test_generated_requests_of_every_family(app, everyone, tags):
    tally = Tally()
    fuzz_schema(app, tally, everyone, tags=tags, examples=6 * SCALE)
    _check(tally)


def test_record_bodies(app, client, auth):
    tally = Tally()
    existing = client.post(f"{V}/sobjects/Contact", json={"LastName": "Fuzz"}, headers=auth).json["id"]
    targets = [("POST", f"{V}/sobjects/Contact"), ("PATCH", f"{V}/sobjects/Contact/{existing}"),
               ("PATCH", f"{V}/sobjects/Contact/Id/{existing}")]

    def send(record):
        for method, path in targets:
            _send(client, tally, method, path, auth, json_body=record)
        _send(client, tally, "POST", f"{V}/composite/sobjects", auth,
              json_body={"records": [{"attributes": {"type": "Contact"}, **record}]})

    drive(records(CONTACT_FIELDS), 60 * SCALE, send)
    _check(tally)


def test_soql(app, client, auth):
    tally = Tally()
    client.post(f"{V}/sobjects/Contact", json={"LastName": "Fuzz"}, headers=auth)
    statements = soql(CONTACT_FIELDS + ["Name", "Industry", "AnnualRevenue"],
                      ["Contact", "Account", "Lead", "Nope__c"])

    def send(text):
        for resource in ("query", "queryAll"):
            _send(client, tally, "GET", f"{V}/{resource}", auth, query={"q": text})
        _send(client, tally, "POST", f"{V}/jobs/query", auth,
              json_body={"operation": "query", "query": text})

    drive(statements, 150 * SCALE, send)
    _check(tally)


def test_csv_uploads(app, client, auth, token):
    tally = Tally()

    def send(data):
        job = client.post(f"{V}/jobs/ingest", headers=auth, json={
            "object": "Contact", "operation": "upsert", "externalIdFieldName": "Id"}).json["id"]
        _send(client, tally, "PUT", f"{V}/jobs/ingest/{job}/batches", auth, data=data,
              content_type="text/csv")
        _send(client, tally, "PATCH", f"{V}/jobs/ingest/{job}", auth,
              json_body={"state": "UploadComplete"})
        session = {"X-SFDC-Session": token}
        job1 = client.post("/services/async/59.0/job", headers=session, json={
            "operation": "insert", "object": "Contact", "contentType": "CSV"}).json["id"]
        _send(client, tally, "POST", f"/services/async/59.0/job/{job1}/batch", session, data=data,
              content_type="text/csv")

    drive(csv_bodies(CONTACT_FIELDS), 40 * SCALE, send)
    _check(tally)


def _send(client, tally: Tally, method: str, path: str, headers: dict, *, json_body=None,
          data=None, query=None, content_type=None) -> None:
    started, cpu = time.perf_counter(), time.thread_time()
    response = client.open(path, method=method, headers=headers, json=json_body, data=data,
                           query_string=query, content_type=content_type)
    elapsed = (time.perf_counter() - started, time.thread_time() - cpu)
    tally.record(family_of(path), f"{method} {path}", response.status_code,
                 response.headers.get("Content-Type", ""), response.get_data(), elapsed, path)



def test_any_json_body_on_every_json_operation(app, client, everyone):
    """Wrong JSON types anywhere in a body (``{"ids": "x"}``, a number for a name…) must be
    refused in the family's shape, on real objects, records and jobs."""
    from fuzzing import JSON_VALUES, json_operations

    import hypothesis.strategies as st
    tally = Tally()
    auth = {"Authorization": everyone["Authorization"]}
    contact = client.post(f"{V}/sobjects/Contact", json={"LastName": "Body"}, headers=auth).json["id"]
    query_job = client.post(f"{V}/jobs/query", headers=auth, json={
        "operation": "query", "query": "SELECT Id FROM Contact"}).json["id"]
    ingest_job = client.post(f"{V}/jobs/ingest", headers=auth, json={
        "object": "Contact", "operation": "insert"}).json["id"]
    values = {"version": "v59.0", "sobject": "Contact", "record_id": contact, "field_name": "Id",
              "value": contact, "key": "default", "username": "nobody@example.com",
              "client_id": "nope", "job_id": query_job, "locator": "x"}
    operations = json_operations(client.get("/_mock/openapi.json").json, values,
                                 {"/jobs/ingest/": ingest_job})
    bodies = st.one_of(JSON_VALUES, st.dictionaries(
        st.sampled_from(["records", "ids", "fields", "allOrNone", "attributes", "operation", "query",
                         "object", "externalIdFieldName", "state", "contentType", "start", "name",
                         "username", "password", "LastName", "Email", "leadId", "advance", "set"]),
        JSON_VALUES, max_size=4))

    def send(body):
        for method, path in operations:
            _send(client, tally, method, path, everyone, json_body=body)

    drive(bodies, 25 * SCALE, send)
    _check(tally)
