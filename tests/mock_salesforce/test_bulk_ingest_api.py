"""Bulk API 2.0 ingest jobs (``/jobs/ingest``) through Flask's test client."""
import csv
import io

import pytest

V = "/services/data/v59.0"
JOBS = f"{V}/jobs/ingest"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def jobs(app):
    """The org's ingest jobs (to wait for the background processing)."""
    return app.extensions["mock_salesforce"].default_org.ingest_jobs


@pytest.fixture
def open_job(client, auth):
    """Create a job and return its id."""
    def create(operation="insert", sobject="Contact", **options):
        response = client.post(JOBS, headers=auth, json={"object": sobject,
                                                         "operation": operation, **options})
        assert response.status_code == 200, response.json
        assert response.json["state"] == "Open"
        return response.json["id"]
    return create


@pytest.fixture
def run(client, auth, jobs, open_job):
    """Create a job, upload the data, close it and return its info once it has finished."""
    def load(data, operation="insert", **options):
        job_id = open_job(operation, **options)
        assert client.put(f"{JOBS}/{job_id}/batches", headers={**auth, **CSV},
                          data=data).status_code == 201
        closed = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "UploadComplete"})
        assert closed.json["state"] == "UploadComplete"
        jobs.wait(job_id)
        return client.get(f"{JOBS}/{job_id}", headers=auth).json
    return load


def rows(client, auth, job_id, kind, delimiter=","):
    response = client.get(f"{JOBS}/{job_id}/{kind}", headers=auth)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline=""),
                               delimiter=delimiter))


def error_code(response):
    assert isinstance(response.json, list), response.json
    return response.status_code, response.json[0]["errorCode"]


@pytest.mark.parametrize("body, code", [
    ({"object": "Contact", "operation": "merge"}, "INVALIDJOB"),
    ({"operation": "insert"}, "INVALIDJOB"),
    ({"object": "Contact", "operation": "insert", "lineEnding": "CR"}, "INVALIDJOB"),
    ({"object": "Contact", "operation": "insert", "contentType": "JSON"}, "INVALIDJOB"),
    ({"object": "Contact", "operation": "upsert"}, "INVALIDJOB"),
    ({"object": "Contact", "operation": "upsert", "externalIdFieldName": "LastName"},
     "INVALIDJOB"),
    ({"object": "Nope__c", "operation": "insert"}, "INVALIDENTITY"),
])
def test_bad_job_definitions_are_refused(client, auth, body, code):
    assert error_code(client.post(JOBS, headers=auth, json=body)) == (400, code)


def test_insert_stamps_audit_fields_as_the_rest_api(client, auth, run):
    info = run("LastName,Email\nOne,one@example.com\n")
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == \
        ("JobComplete", 1, 0)
    [ok] = rows(client, auth, info["id"], "successfulResults")
    record = client.get(f"{V}/sobjects/Contact/{ok['sf__Id']}", headers=auth).json
    assert record["Name"] == "One" and record["CreatedById"] == info["createdById"]
    assert record["CreatedDate"] == record["SystemModstamp"] and record["IsDeleted"] is False


def test_pipe_delimiter_crlf_and_null_marker(client, auth, run):
    info = run('LastName|Title\r\n"A|B"|Boss\r\n', columnDelimiter="PIPE", lineEnding="CRLF")
    [ok] = rows(client, auth, info["id"], "successfulResults", delimiter="|")
    assert ok["LastName"] == "A|B"
    updated = run(f"Id|Title\r\n{ok['sf__Id']}|#N/A\r\n", "update", columnDelimiter="PIPE",
                  lineEnding="CRLF")
    assert updated["numberRecordsFailed"] == 0
    assert client.get(f"{V}/sobjects/Contact/{ok['sf__Id']}", headers=auth).json["Title"] is None


@pytest.mark.parametrize("data, message", [
    ("LastName,Nope\nA,1\n", "InvalidBatch : Field name not found : Nope"),
    ("LastName\r\nA\r\n", "ClientInputError : LineEnding is invalid on user data. Current "
                          "LineEnding setting is LF"),
    ("LastName,Title\nA\n", "ClientInputError : Row 2 has 1 columns; the header has 2"),
])
def test_unusable_data_fails_the_job(client, auth, run, data, message):
    info = run(data)
    assert (info["state"], info["errorMessage"]) == ("Failed", message)
    response = client.get(f"{JOBS}/{info['id']}/unprocessedRecords", headers=auth)
    assert response.get_data(as_text=True) == data  # never read: given back as sent


def test_update_without_id_fails_the_row(client, auth, run):
    info = run("Id,LastName\n,Nobody\n", "update")
    [failed] = rows(client, auth, info["id"], "failedResults")
    assert failed["sf__Error"] == "MISSING_ARGUMENT:Id not specified in an update call:--"


def test_several_uploads_make_one_job(client, auth, jobs, open_job):
    job_id = open_job()
    for name in ("First", "Second"):
        client.put(f"{JOBS}/{job_id}/batches", headers={**auth, **CSV}, data=f"LastName\n{name}\n")
    client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "UploadComplete"})
    jobs.wait(job_id)
    assert [r["LastName"] for r in rows(client, auth, job_id, "successfulResults")] == \
        ["First", "Second"]


def test_upload_needs_an_open_job_and_csv(client, auth, open_job):
    job_id = open_job()
    assert error_code(client.put(f"{JOBS}/{job_id}/batches", headers=auth, json=[])) == \
        (415, "UNSUPPORTED_MEDIA_TYPE")
    client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "Aborted"})
    assert error_code(client.put(f"{JOBS}/{job_id}/batches", headers={**auth, **CSV},
                                 data="LastName\nA\n")) == (400, "INVALIDJOBSTATE")


def test_aborting_an_open_job_leaves_its_rows_unprocessed(client, auth, open_job):
    job_id = open_job()
    client.put(f"{JOBS}/{job_id}/batches", headers={**auth, **CSV}, data="LastName\nA\n")
    aborted = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "Aborted"})
    assert aborted.json["state"] == "Aborted"
    assert client.get(f"{JOBS}/{job_id}/unprocessedrecords", headers=auth).data == b"LastName\nA\n"
    assert error_code(client.patch(f"{JOBS}/{job_id}", headers=auth,
                                   json={"state": "Aborted"})) == (400, "INVALIDJOBSTATE")


def test_results_of_an_open_job_are_refused(client, auth, open_job):
    job_id = open_job()
    assert error_code(client.get(f"{JOBS}/{job_id}/successfulResults", headers=auth)) == \
        (400, "INVALIDJOBSTATE")
    assert error_code(client.patch(f"{JOBS}/{job_id}", headers=auth,
                                   json={"state": "JobComplete"})) == (400, "INVALIDJOBSTATE")
    assert error_code(client.delete(f"{JOBS}/{job_id}", headers=auth)) == (400, "INVALIDJOBSTATE")


def test_list_and_delete(client, auth, run):
    info = run("LastName\nA\n")
    listed = client.get(JOBS, headers=auth).json
    assert listed["done"] is True
    assert [(r["id"], r["jobType"]) for r in listed["records"]] == [(info["id"], "V2Ingest")]
    assert client.delete(f"{JOBS}/{info['id']}", headers=auth).status_code == 204
    assert error_code(client.get(f"{JOBS}/{info['id']}", headers=auth)) == (404, "NOT_FOUND")


def test_daily_batch_allocation_fails_the_job(client, auth, app, run):
    org = app.extensions["mock_salesforce"].default_org
    org.usage.bulk_batches.set_used(org.clock.now(), org.usage.bulk_batches.limit)
    info = run("LastName\nA\nB\n")
    assert (info["state"], info["errorMessage"]) == (
        "Failed", "ExceededQuota : ApiBatchItems Limit exceeded.")
    assert [r["LastName"] for r in rows(client, auth, info["id"], "unprocessedrecords")] == \
        ["A", "B"]
    limits = client.get(f"{V}/limits", headers=auth).json["DailyBulkApiBatches"]
    assert limits["Remaining"] == 0


def test_close_answers_the_short_info_and_only_an_open_job_has_a_content_url(client, auth, open_job):
    job_id = open_job()
    assert "contentUrl" in client.get(f"{JOBS}/{job_id}", headers=auth).json
    client.put(f"{JOBS}/{job_id}/batches", headers={**auth, **CSV}, data="LastName\nA\n")
    closed = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "UploadComplete"}).json
    assert set(closed) == {"id", "operation", "object", "createdById", "createdDate",
                           "systemModstamp", "state", "concurrencyMode", "contentType",
                           "apiVersion"}
    assert "contentUrl" not in client.get(f"{JOBS}/{job_id}", headers=auth).json


def test_a_job_failed_on_an_unknown_column_still_names_the_uploaded_columns(client, auth, run):
    info = run("Name,Employees\nFoo,12\n")
    assert info["state"] == "Failed"
    for kind, first in (("successfulResults", "sf__Created"), ("failedResults", "sf__Error")):
        response = client.get(f"{JOBS}/{info['id']}/{kind}", headers=auth)
        assert response.get_data(as_text=True) == f'"sf__Id","{first}","Name","Employees"\n'
