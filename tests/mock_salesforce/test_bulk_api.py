"""Bulk API 2.0 query jobs (``/jobs/query``) through Flask's test client."""
import csv
import dataclasses
import io
import re
import time

import pytest

from mock_salesforce.backend import bulk, bulk_results
from mock_salesforce.backend import jobs as jobs_module
from mock_salesforce.backend.soql import snapshots

V = "/services/data/v59.0"
JOBS = f"{V}/jobs/query"


@pytest.fixture
def config(config, db_url):
    """The shared config on SQLite, and on PostgreSQL too when ``SF_TEST_POSTGRES_URL`` is set."""
    return dataclasses.replace(config, db_url=db_url)


@pytest.fixture
def load(client, control):
    """Insert records through the control plane and return their ids."""
    def insert(bodies, sobject="Contact"):
        response = client.post(f"/_mock/orgs/org1/records/{sobject}", headers=control,
                               json={"records": bodies})
        assert response.status_code == 201, response.json
        return response.json["ids"]
    return insert


@pytest.fixture
def create(client, auth):
    """POST a query job and return the response."""
    def post(query, operation="query", **options):
        return client.post(JOBS, headers=auth, json={"operation": operation, "query": query,
                                                     "contentType": "CSV", **options})
    return post


@pytest.fixture
def completed(client, auth, create):
    """Create a job, poll it until JobComplete and return its id."""
    def run(query, operation="query", **options):
        response = create(query, operation, **options)
        assert response.status_code == 200, response.json
        job_id = response.json["id"]
        deadline = time.monotonic() + 10
        while client.get(f"{JOBS}/{job_id}", headers=auth).json["state"] != "JobComplete":
            assert time.monotonic() < deadline, "the job never completed"
            time.sleep(0.01)
        return job_id
    return run


def results(client, auth, job_id, **params):
    return client.get(f"{JOBS}/{job_id}/results", headers=auth, query_string=params)


def rows(response, delimiter=","):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline=""),
                           delimiter=delimiter))


def error_code(response):
    return response.json[0]["errorCode"]


# -- the job life cycle --------------------------------------------------------------------------
def test_create_returns_the_job_info_salesforce_returns(create, config):
    response = create("SELECT Id FROM Contact", columnDelimiter="COMMA", lineEnding="LF")
    assert response.status_code == 200
    job = response.json
    assert list(job) == ["id", "operation", "object", "createdById", "createdDate",
                         "systemModstamp", "state", "concurrencyMode", "contentType",
                         "apiVersion", "lineEnding", "columnDelimiter"]
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert (job["operation"], job["object"], job["state"]) == ("query", "Contact", "UploadComplete")
    assert (job["concurrencyMode"], job["contentType"], job["apiVersion"]) == \
        ("Parallel", "CSV", 59.0)
    assert job["createdDate"].endswith("+0000")


def test_job_completes_with_the_number_of_records(client, auth, load, completed):
    load([{"LastName": f"L{n}"} for n in range(3)])
    job_id = completed("SELECT Id FROM Contact")
    info = client.get(f"{JOBS}/{job_id}", headers=auth).json
    assert info["state"] == "JobComplete" and info["jobType"] == "V2Query"
    assert info["numberRecordsProcessed"] == 3 and info["retries"] == 0
    assert isinstance(info["totalProcessingTime"], int)


def test_jobs_are_listed(client, auth, completed):
    job_id = completed("SELECT Id FROM Contact")
    listing = client.get(JOBS, headers=auth).json
    assert listing["done"] is True and listing["nextRecordsUrl"] is None
    assert [job["id"] for job in listing["records"]] == [job_id]
    assert listing["records"][0]["jobType"] == "V2Query"


def test_delete_answers_204_and_forgets_the_job(client, auth, completed):
    job_id = completed("SELECT Id FROM Contact")
    response = client.delete(f"{JOBS}/{job_id}", headers=auth)
    assert response.status_code == 204 and response.data == b""
    assert client.get(f"{JOBS}/{job_id}", headers=auth).status_code == 404


@pytest.fixture
def never_finishing(monkeypatch):
    """Jobs whose snapshot never completes, to catch them InProgress."""
    monkeypatch.setattr(snapshots, "take", lambda *args, **kwargs: snapshots.Snapshot())


def test_abort_stops_a_running_job(client, auth, create, never_finishing):
    job_id = create("SELECT Id FROM Contact").json["id"]
    assert client.get(f"{JOBS}/{job_id}", headers=auth).json["state"] == "InProgress"
    response = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "Aborted"})
    assert response.status_code == 200 and response.json["state"] == "Aborted"
    assert client.get(f"{JOBS}/{job_id}", headers=auth).json["state"] == "Aborted"
    assert error_code(results(client, auth, job_id)) == "INVALIDJOBSTATE"


def test_results_of_a_running_job_are_refused(client, auth, create, never_finishing):
    job_id = create("SELECT Id FROM Contact").json["id"]
    response = results(client, auth, job_id)
    assert response.status_code == 400 and error_code(response) == "INVALIDJOBSTATE"


def test_aborting_a_completed_job_is_refused(client, auth, completed):
    job_id = completed("SELECT Id FROM Contact")
    response = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "Aborted"})
    assert response.status_code == 400 and error_code(response) == "INVALIDJOBSTATE"


def test_reset_drops_the_jobs(app, completed):
    completed("SELECT Id FROM Contact")
    registry = app.extensions["mock_salesforce"]
    registry.reset()
    assert registry.default_org.query_jobs.all() == []


@pytest.fixture
def held(monkeypatch):
    """Jobs whose snapshots the test feeds itself (``held`` lists them, oldest first)."""
    made = []

    def take(*args, **kwargs):
        made.append(snapshots.Snapshot())
        return made[-1]
    monkeypatch.setattr(snapshots, "take", take)
    return made


def release(snapshot, record_ids):
    """Hand a held snapshot its Ids and finish it."""
    snapshot._set_total(len(record_ids))
    snapshot._add("".join(record_ids))
    snapshot._finish()


def test_a_job_completes_without_being_polled(app, load, client, auth):
    load([{"LastName": f"L{n}"} for n in range(3)])
    jobs = app.extensions["mock_salesforce"].default_org.query_jobs
    job = jobs.create(bulk.JobRequest("query", "SELECT Id FROM Contact"), "005000000000001AAA",
                      "v59.0")
    assert job.spool.done.wait(10) and job.spool.rows == 3  # no client call asked for it
    info = client.get(f"{JOBS}/{job.id}", headers=auth).json
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 3)


def test_an_aborted_job_writes_no_results(app, client, auth, load, create, held):
    record_ids = load([{"LastName": f"L{n}"} for n in range(3)])
    job_id = create("SELECT Id FROM Contact").json["id"]
    response = client.patch(f"{JOBS}/{job_id}", headers=auth, json={"state": "Aborted"})
    assert response.status_code == 200 and response.json["state"] == "Aborted"
    job = app.extensions["mock_salesforce"].default_org.query_jobs.get(job_id)
    release(held[0], sorted(record_ids))
    assert job.spool.done.wait(10)
    assert (job.spool.rows, job.spool._file.closed) == (0, True)
    assert client.get(f"{JOBS}/{job_id}", headers=auth).json["state"] == "Aborted"


def test_a_job_dropped_while_running_stops_writing(app, client, auth, load, create, held,
                                                   monkeypatch):
    record_ids = load([{"LastName": f"L{n}"} for n in range(3)])
    monkeypatch.setattr(jobs_module, "MAX_JOBS", 1)
    first = create("SELECT Id FROM Contact").json["id"]
    query_jobs = app.extensions["mock_salesforce"].default_org.query_jobs
    job = query_jobs.get(first)
    create("SELECT Id FROM Contact")  # the job table keeps one job: the first is dropped
    assert client.get(f"{JOBS}/{first}", headers=auth).status_code == 404
    release(held[0], sorted(record_ids))
    assert job.spool.done.wait(10)
    assert (job.spool.rows, job.spool._file.closed) == (0, True)



def test_a_reset_stops_the_writing_of_running_jobs(app, client, auth, load, create, held):
    record_ids = load([{"LastName": f"L{n}"} for n in range(3)])
    job_id = create("SELECT Id FROM Contact").json["id"]
    registry = app.extensions["mock_salesforce"]
    job = registry.default_org.query_jobs.get(job_id)
    registry.reset()  # the rebuilt org has tables of the same names: nothing may be read from them
    release(held[0], sorted(record_ids))
    assert job.spool.done.wait(10)
    assert (job.spool.rows, job.spool._file.closed, job.spool.error) == (0, True, None)

# -- CSV results ---------------------------------------------------------------------------------
def test_results_are_quoted_csv_with_salesforce_headers(client, auth, load, completed):
    ids = load([{"LastName": 'O"Brien, Jr.\nsecond line', "Email": "ob@example.com"}])
    job_id = completed("SELECT Id, LastName, Email, Phone, IsDeleted FROM Contact")
    response = results(client, auth, job_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv"
    assert response.headers["Sforce-Locator"] == "null"
    assert response.headers["Sforce-NumberOfRecords"] == "1"
    assert response.get_data(as_text=True) == (
        '"Id","LastName","Email","Phone","IsDeleted"\n'
        f'"{ids[0]}","O""Brien, Jr.\nsecond line","ob@example.com","","false"\n')


def test_datetimes_end_in_z_and_parents_are_dotted(client, auth, load, completed):
    account = load([{"Name": "Acme"}], "Account")[0]
    load([{"LastName": "Smith", "AccountId": account}, {"LastName": "Alone"}])
    job_id = completed("SELECT LastName, Account.Name, CreatedDate FROM Contact "
                       "ORDER BY LastName")
    header, alone, smith = rows(results(client, auth, job_id))
    assert header == ["LastName", "Account.Name", "CreatedDate"]
    assert alone[:2] == ["Alone", ""] and smith[:2] == ["Smith", "Acme"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", smith[2])


@pytest.mark.parametrize("name, char", [("BACKQUOTE", "`"), ("CARET", "^"), ("COMMA", ","),
                                        ("PIPE", "|"), ("SEMICOLON", ";"), ("TAB", "\t")])
def test_column_delimiters(client, auth, load, completed, name, char):
    ids = load([{"LastName": f"a{char}b"}])
    job_id = completed("SELECT Id, LastName FROM Contact", columnDelimiter=name)
    body = results(client, auth, job_id).get_data(as_text=True)
    assert body == f'"Id"{char}"LastName"\n"{ids[0]}"{char}"a{char}b"\n'


def test_crlf_line_ending(client, auth, load, completed):
    load([{"LastName": "Smith"}, {"LastName": "Jones"}])
    job_id = completed("SELECT LastName FROM Contact ORDER BY LastName", lineEnding="CRLF")
    body = results(client, auth, job_id).get_data(as_text=True)
    assert body == '"LastName"\r\n"Jones"\r\n"Smith"\r\n'


def test_locator_pages_through_every_record_once(client, auth, load, completed):
    ids = load([{"LastName": f"L{n}"} for n in range(5)])
    job_id = completed("SELECT Id FROM Contact")
    seen, counts, locator = [], [], None
    while True:
        params = {"maxRecords": 2, **({"locator": locator} if locator else {})}
        response = results(client, auth, job_id, **params)
        header, *records = rows(response)
        assert header == ["Id"]
        seen += [record[0] for record in records]
        counts.append(int(response.headers["Sforce-NumberOfRecords"]))
        locator = response.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert counts == [2, 2, 1] and seen == sorted(ids)


def test_pages_of_non_ascii_rows_split_between_rows(client, auth, load, completed):
    names = ["Ærø", "Łukasz", "Smith", "Zoë", "日本"]
    load([{"LastName": name} for name in names])
    job_id = completed("SELECT LastName FROM Contact ORDER BY LastName")
    whole = rows(results(client, auth, job_id))
    pages = [rows(results(client, auth, job_id, maxRecords=2, locator=locator))
             for locator in (None, bulk.make_locator(2), bulk.make_locator(4))]
    assert [page[0] for page in pages] == [whole[0]] * 3
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [row for page in pages for row in page[1:]] == whole[1:]
    assert sorted(row[0] for row in whole[1:]) == sorted(names)


def test_numbers_and_booleans_as_text_and_null_empty(client, auth, load, completed):
    load([{"Name": "A", "NumberOfEmployees": 12, "AnnualRevenue": 2.5},
          {"Name": "B", "AnnualRevenue": 1e21},
          {"Name": "C", "NumberOfEmployees": 12, "AnnualRevenue": 2.5}], "Account")
    job_id = completed("SELECT Name, NumberOfEmployees, AnnualRevenue, IsDeleted FROM Account "
                       "ORDER BY Name")
    assert results(client, auth, job_id).get_data(as_text=True) == (
        '"Name","NumberOfEmployees","AnnualRevenue","IsDeleted"\n'
        '"A","12","2.5","false"\n"B","","1e+21","false"\n"C","12","2.5","false"\n')


def test_a_page_streams_as_chunks(app, load, completed, monkeypatch):
    load([{"LastName": f"L{n}"} for n in range(5)])
    job_id = completed("SELECT LastName FROM Contact ORDER BY LastName")
    monkeypatch.setattr(bulk_results, "READ_BYTES", 10)
    page = app.extensions["mock_salesforce"].default_org.query_jobs.results(job_id, None, None)
    assert page.number_of_records == 5 and page.locator is None
    assert list(page.chunks) == [b'"LastName"\n', b'"L0"\n"L1"\n', b'"L2"\n"L3"\n', b'"L4"\n']


def test_results_are_fixed_when_the_job_completes(client, auth, load, completed):
    (contact,) = load([{"LastName": "Before"}])
    job_id = completed("SELECT Id, LastName FROM Contact")
    first = results(client, auth, job_id).data
    assert client.patch(f"{V}/sobjects/Contact/{contact}", headers=auth,
                        json={"LastName": "After"}).status_code == 204
    assert client.delete(f"{V}/sobjects/Contact/{contact}", headers=auth).status_code == 204
    again = results(client, auth, job_id)
    assert again.data == first and rows(again)[1:] == [[contact, "Before"]]


def test_results_come_from_the_snapshot(client, auth, load, completed):
    load([{"LastName": "Before"}])
    job_id = completed("SELECT LastName FROM Contact")
    load([{"LastName": "After"}])
    assert rows(results(client, auth, job_id))[1:] == [["Before"]]


def test_query_all_includes_deleted_records(client, auth, load, completed):
    kept, deleted = load([{"LastName": "Kept"}, {"LastName": "Deleted"}])
    assert client.delete(f"{V}/sobjects/Contact/{deleted}", headers=auth).status_code == 204
    query = "SELECT Id, IsDeleted FROM Contact ORDER BY LastName"
    assert rows(results(client, auth, completed(query)))[1:] == [[kept, "false"]]
    assert rows(results(client, auth, completed(query, "queryAll")))[1:] == \
        [[deleted, "true"], [kept, "false"]]


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, message", [
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "Aggregate Relationship"),
    ("SELECT COUNT() FROM Contact", "Aggregate Queries"),
    ("SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName", "Aggregate Queries"),
    ("SELECT Id FROM Contact LIMIT 10 OFFSET 5", "OFFSET"),
    ("SELECT BillingAddress FROM Account", "Selecting compound data not supported in Bulk Query"),
])
def test_features_bulk_cannot_query_are_refused(create, query, message):
    response = create(query)
    assert response.status_code == 400 and error_code(response) == "API_ERROR"
    assert message in response.json[0]["message"]


@pytest.mark.parametrize("query, code", [("SELECT Nope FROM Contact", "INVALID_FIELD"),
                                         ("SELECT Id FROM Nope", "INVALID_TYPE"),
                                         ("SELECT FROM Contact", "MALFORMED_QUERY")])
def test_bad_soql_keeps_its_own_error_code(create, query, code):
    response = create(query)
    assert response.status_code == 400 and error_code(response) == code


@pytest.mark.parametrize("body", [{"operation": "insert", "query": "SELECT Id FROM Contact"},
                                  {"operation": "query"},
                                  {"operation": "query", "query": "SELECT Id FROM Contact",
                                   "columnDelimiter": "COLON"},
                                  {"operation": "query", "query": "SELECT Id FROM Contact",
                                   "lineEnding": "CR"},
                                  {"operation": "query", "query": "SELECT Id FROM Contact",
                                   "contentType": "JSON"}])
def test_bad_job_definitions_are_invalid_jobs(client, auth, body):
    response = client.post(JOBS, headers=auth, json=body)
    assert response.status_code == 400 and error_code(response) == "INVALIDJOB"


def test_unknown_job_is_not_found(client, auth):
    for response in (client.get(f"{JOBS}/7505g0000000001AAA", headers=auth),
                     results(client, auth, "7505g0000000001AAA"),
                     client.delete(f"{JOBS}/7505g0000000001AAA", headers=auth)):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


def test_bad_locator_is_refused(client, auth, completed):
    job_id = completed("SELECT Id FROM Contact")
    response = results(client, auth, job_id, locator="not a locator")
    assert response.status_code == 400 and error_code(response) == "INVALID_QUERY_LOCATOR"


def test_jobs_need_a_token(client):
    response = client.post(JOBS, json={"operation": "query", "query": "SELECT Id FROM Contact"})
    assert response.status_code == 401 and error_code(response) == "INVALID_SESSION_ID"


def test_jobs_count_against_the_api_limit(client, auth, control, completed):
    job_id = completed("SELECT Id FROM Contact")
    client.post("/_mock/orgs/org1/usage", headers=control, json={"limit": 5, "used": 5})
    response = results(client, auth, job_id)
    assert response.status_code == 403 and error_code(response) == "REQUEST_LIMIT_EXCEEDED"


def test_jobs_count_against_the_daily_bulk_job_limit(app, client, auth, create):
    assert create("SELECT Id FROM Contact").status_code == 200
    jobs = client.get(f"{V}/limits", headers=auth).json["DailyBulkV2QueryJobs"]
    assert jobs == {"Max": 10000, "Remaining": 9999}
    org = app.extensions["mock_salesforce"].default_org
    org.usage.bulk_query_jobs.set_used(org.clock.now(), 10000)
    response = create("SELECT Id FROM Contact")
    assert response.status_code == 400 and error_code(response) == "LIMIT_EXCEEDED"
    assert "Max bulk v2 query jobs (10000) per 24 hrs has been reached" in \
        response.json[0]["message"]
