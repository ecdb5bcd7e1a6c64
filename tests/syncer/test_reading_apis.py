"""Rule 43, which API reads a window: initial loads and backfills above the threshold through Bulk
API 2.0 — CSV typed back into REST shapes, the same CDP as a REST read, resumable at the job's
next results page — and REST reads that Salesforce answers with QUERY_TIMEOUT, asked again over
half the date window."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncer.cdp import readers
from syncer.salesforce import FatalError
from syncer.service import Syncer
from syncer.sync import bulk, run, state

from configs import connected

DESCRIBES = {
    "Contact": {"fields": [
        {"name": "Id", "type": "id"}, {"name": "IsDeleted", "type": "boolean"},
        {"name": "SystemModstamp", "type": "datetime"}, {"name": "Email", "type": "email"},
        {"name": "Score__c", "type": "double"}, {"name": "Visits__c", "type": "int"},
        {"name": "MailingAddress", "type": "address"}, {"name": "Photo__c", "type": "base64"},
        {"name": "AccountId", "type": "reference", "relationshipName": "Account", "referenceTo": ["Account"]},
        {"name": "WhatId", "type": "reference", "relationshipName": "What",
         "referenceTo": ["Account", "Opportunity"]}]},
    "Account": {"fields": [{"name": "Name", "type": "string"}, {"name": "NumberOfEmployees", "type": "int"},
                           {"name": "IsPartner", "type": "boolean"}]},
}


def parse(text: str, sobject: str = "Contact") -> list[dict]:
    return bulk.parse(text, lambda header: bulk.converter(sobject, header, DESCRIBES.__getitem__))


# --- CSV into REST shapes (pure) -------------------------------------------------------------

def test_cells_are_typed_from_the_describe_and_empty_cells_are_null():
    (record,) = parse('Id,IsDeleted,SystemModstamp,Email,Score__c,Visits__c\n'
                      '"003A","false","2024-01-02T03:04:05.000Z","","2.5","12"\n')
    assert record == {"Id": "003A", "IsDeleted": False, "SystemModstamp": "2024-01-02T03:04:05.000+0000",
                      "Email": None, "Score__c": 2.5, "Visits__c": 12}


def test_every_row_of_a_page_is_typed_and_a_short_row_keeps_what_it_has():
    page = ('Id,IsDeleted,Score__c,Email\n"003A","true","","a@x.org"\n"003B","false","-1",""\n'
            '"003C","","0.5",""\n')
    assert parse(page) == [
        {"Id": "003A", "IsDeleted": True, "Score__c": None, "Email": "a@x.org"},
        {"Id": "003B", "IsDeleted": False, "Score__c": -1, "Email": None},
        {"Id": "003C", "IsDeleted": None, "Score__c": 0.5, "Email": None}]
    assert parse('Id,IsDeleted,Email\n"003A","true","a@x.org"\n"003B","false"\n') == [
        {"Id": "003A", "IsDeleted": True, "Email": "a@x.org"}, {"Id": "003B", "IsDeleted": False}]


def test_quoted_commas_quotes_and_newlines_survive():
    (record,) = parse('Id,Email\n"003A","a,""b""\nc@x.org"\n')
    assert record["Email"] == 'a,"b"\nc@x.org'


def test_parent_paths_nest_and_an_empty_parent_is_null_as_in_rest():
    first, second = parse('Id,Account.Name,Account.NumberOfEmployees,Account.IsPartner\n'
                          '"003A","Acme, Inc","40","true"\n"003B","","",""\n')
    assert first["Account"] == {"Name": "Acme, Inc", "NumberOfEmployees": 40, "IsPartner": True}
    assert second == {"Id": "003B", "Account": None}


def test_a_polymorphic_parent_keeps_its_text():
    (record,) = parse('Id,What.Name\n"003A","42"\n')
    assert record["What"] == {"Name": "42"}


def test_an_empty_results_page_has_no_records():
    assert parse("") == [] and parse("Id,Email\n") == []


@pytest.mark.parametrize("select,reason", [
    (["Id", "Email", "Account.Name"], None),
    (["Id", "(SELECT ContactId FROM OpportunityContactRoles WHERE IsPrimary = true)"],
     "child subquery OpportunityContactRoles"),
    (["Id", "MailingAddress"], "compound address field MailingAddress"),
    (["Id", "Photo__c"], "base64 field Photo__c"),
])
def test_what_bulk_cannot_serve_is_named(select, reason):
    assert bulk.rest_only_reason("Contact", select, DESCRIBES.__getitem__) == reason


# --- the cursor keeps the job and locator (pure) ---------------------------------------------

def test_a_bulk_position_survives_the_bookmarks_and_ends_with_its_window():
    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    cursor, window = state.open_window(state.Cursor(), now)
    cursor = state.bulk_page_committed(cursor, {"job": "750A", "locator": "MTAwMDA", "done": False})
    restored = state.Cursor.from_json(cursor.to_json())
    assert restored == cursor
    resumed, again = state.open_window(restored, now)
    assert (resumed.bulk, again.end) == (cursor.bulk, window.end)  # an unfinished window resumes
    assert state.window_committed(resumed).bulk is None
    assert "bulk" not in state.window_committed(resumed).to_json()


# --- against the mock org --------------------------------------------------------------------

CONTACTS = 30


@pytest.fixture
def org(salesforce_org):
    salesforce_org.control("POST", "orgs/org1/records/Account", json={"records": [
        {"Name": f"Account {n}", "Website": f"https://a{n}.example"} for n in range(3)]})
    account_ids = [r["Id"] for r in salesforce_org.client().query("SELECT Id FROM Account")["records"]]
    salesforce_org.control("POST", "orgs/org1/records/Contact", json={"records": [
        {"LastName": f"Lee{n}", "FirstName": "Ann" if n % 2 else None, "Email": f"p{n}@example.org",
         "Phone": f"+61 4{n:08d}", "HasOptedOutOfEmail": n % 3 == 0,
         "AccountId": account_ids[n % 3] if n % 4 else None} for n in range(CONTACTS)]})
    return salesforce_org


def make_syncer(org, tmp_path, name: str, **sync) -> Syncer:
    return connected(org, tmp_path / name, sync={"objects": ["Contact", "Account"], **sync},
                     permissions={"email": {"field": "HasOptedOutOfEmail", "value_for_true": False,
                                            "value_for_false": True}})


def snapshot(service: Syncer) -> tuple[list, list]:
    """Every person and organisation as a user sees them (no CDP row ids)."""
    names = {o.id: o.name for o in readers.iter_organizations(service.cdp.engine)}
    people = sorted((sorted(p.fields.items()), p.email_permission, p.sms_permission,
                     names.get(p.organization_id), [s.sf_id for s in p.sf_ids])
                    for p in readers.iter_people(service.cdp.engine))
    orgs = sorted((sorted(o.fields.items()), [s.sf_id for s in o.sf_ids])
                  for o in readers.iter_organizations(service.cdp.engine))
    return people, orgs


def bulk_jobs_created(org) -> int:
    limits = org.client().restful("limits")["DailyBulkV2QueryJobs"]
    return limits["Max"] - limits["Remaining"]


def test_an_initial_load_above_the_threshold_reads_through_bulk_into_the_same_cdp(org, tmp_path):
    rest = make_syncer(org, tmp_path, "rest", bulk_api=False)
    through_bulk = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)
    rest_summary, bulk_summary = rest.sync(), through_bulk.sync()
    assert bulk_jobs_created(org) == 1  # Contact (30 rows); Account (3 rows) stays on REST
    assert {n: s.api for n, s in bulk_summary.streams.items()} == {"Account": "REST", "Contact": "Bulk API 2.0"}
    assert {n: s.api for n, s in rest_summary.streams.items()} == {"Account": "REST", "Contact": "REST"}
    assert bulk_summary.streams["Contact"].read == CONTACTS
    assert snapshot(through_bulk) == snapshot(rest)
    assert len(snapshot(rest)[0]) == CONTACTS
    assert org.client().restful("jobs/query")["records"] == []  # finished jobs are deleted


def test_later_polls_read_through_rest(org, tmp_path):
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)
    service.sync()
    sf = org.client()
    for record in sf.query("SELECT Id FROM Contact")["records"]:
        sf.Contact.update(record["Id"], {"Title": "Changed"})
    summary = service.sync()
    assert summary.streams["Contact"].api == "REST" and summary.streams["Contact"].read == CONTACTS
    assert bulk_jobs_created(org) == 1


def test_a_bulk_read_stopped_by_the_api_limit_resumes_at_its_next_results_page(org, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "RESULT_PAGE", 7)
    reference = make_syncer(org, tmp_path, "rest", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)
    armed = []

    def arm_once(stream, count):  # once the first records merged: a later results page is refused
        if stream == "Contact" and count and not armed:  # (count 0: the job is still running)
            armed.append(org.control("POST", "faults", json={"kind": "403", "count": 1, "path": "/results"}))

    first = service.sync(progress=arm_once)
    assert first.outcome == "api-limit"
    read_first = first.streams["Contact"].read
    assert 7 <= read_first < CONTACTS
    second = service.sync()
    assert second.outcome == "ok" and second.streams["Contact"].api == "Bulk API 2.0"
    assert read_first + second.streams["Contact"].read == CONTACTS  # no page read twice
    assert bulk_jobs_created(org) == 1  # the second poll went on with the same job
    assert snapshot(service) == snapshot(reference)


def test_a_crashed_bulk_read_whose_job_is_gone_reads_its_window_again(org, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "RESULT_PAGE", 7)
    reference = make_syncer(org, tmp_path, "rest", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)

    def crash(stream, count):  # once the first records merged (count 0: the job is still running)
        if stream == "Contact" and count:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        service.sync(progress=crash)
    position = service.source().bookmarks["Contact"]["bulk"]
    assert position["job"] and position["done"] is False
    org.client().restful(f"jobs/query/{position['job']}", method="DELETE")
    summary = service.sync()
    assert summary.outcome == "ok" and summary.streams["Contact"].read == CONTACTS
    assert bulk_jobs_created(org) == 2
    assert snapshot(service) == snapshot(reference)


def test_the_next_streams_job_runs_while_this_stream_merges(org, tmp_path):
    reference = make_syncer(org, tmp_path, "rest", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=2)  # Account (3) and Contact (30)
    jobs_at_first_merge = []

    def first_merge(stream, count):
        if stream == "Account" and count and not jobs_at_first_merge:
            jobs_at_first_merge.extend(j["object"] for j in org.client().restful("jobs/query")["records"])

    summary = service.sync(progress=first_merge)
    assert sorted(jobs_at_first_merge) == ["Account", "Contact"]
    assert {n: s.api for n, s in summary.streams.items()} == {"Account": "Bulk API 2.0",
                                                             "Contact": "Bulk API 2.0"}
    assert bulk_jobs_created(org) == 2  # the Contact job created early is the one read
    assert summary.streams["Contact"].read == CONTACTS
    assert snapshot(service) == snapshot(reference)


def test_a_poll_stopped_before_an_early_job_is_read_reads_that_job_next_time(org, tmp_path):
    reference = make_syncer(org, tmp_path, "rest", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=2)

    def crash(stream, count):
        if stream == "Account" and count:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        service.sync(progress=crash)
    early = service.source().bookmarks["Contact"]["bulk"]
    assert early["job"] and early["rows"] == 0
    summary = service.sync()
    assert summary.outcome == "ok" and summary.streams["Contact"].read == CONTACTS
    assert bulk_jobs_created(org) == 2  # both jobs went on
    assert snapshot(service) == snapshot(reference)


def test_a_backfill_above_the_threshold_reads_through_one_query_job(org, tmp_path):
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)
    service.sync()
    org.control("POST", "clock", json={"advance": 60})  # the backfill reads up to its start second
    summary = service.backfill()
    assert summary.streams["Contact"].api == "Bulk API 2.0" and summary.streams["Contact"].read == CONTACTS
    assert bulk_jobs_created(org) == 2
    assert service.backfill_percent(service.source().id) is None  # finished



def test_the_poll_summary_says_which_api_read_a_stream_and_why_not_bulk():
    from rich.console import Console

    from syncer.sync.engine import PollSummary, StreamSummary
    from syncer.views import summary_table
    summary = PollSummary(streams={
        "Contact": StreamSummary(read=3, api="Bulk API 2.0"),
        "Opportunity": StreamSummary(read=2, api_note="REST: child subquery OpportunityContactRoles "
                                                      "(Bulk API cannot serve it)")})
    console = Console(record=True, width=300)
    console.print(summary_table(summary))
    text = console.export_text()
    assert "read through Bulk API 2.0" in text
    assert "REST: child subquery OpportunityContactRoles (Bulk API cannot serve it)" in text


# --- QUERY_TIMEOUT on REST: halve the date window, read on --------------------------------------

def test_a_query_timeout_halves_the_window_and_every_record_arrives_once(org, tmp_path):
    reference = make_syncer(org, tmp_path, "reference", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "timeouts", bulk_api=False)
    org.control("POST", "faults", json={"kind": "query_timeout", "count": 3, "path": "/query"})
    summary = service.sync()
    assert summary.outcome == "ok"
    assert summary.streams["Account"].counts["query_timeout:window_halved"] == 3  # Account reads first
    assert summary.streams["Account"].read == 3 and summary.streams["Contact"].read == CONTACTS
    assert snapshot(service) == snapshot(reference)


def test_an_incremental_poll_that_times_out_still_brings_every_change(org, tmp_path):
    service = make_syncer(org, tmp_path, "timeouts", bulk_threshold=10)
    service.sync()
    for _ in range(2):  # a poll 15 minutes later, past the first one's 10-minute lookback
        org.control("POST", "clock", json={"advance": 15 * 60})
        service.sync()
    sf = org.client()
    changed = [r["Id"] for r in sf.query("SELECT Id FROM Contact LIMIT 12")["records"]]
    for sf_id in changed:
        sf.Contact.update(sf_id, {"FirstName": "Sam"})
    org.control("POST", "faults", json={"kind": "query_timeout", "count": 2, "path": "/query"})
    summary = service.sync()
    assert summary.outcome == "ok" and summary.streams["Contact"].api == "REST"
    halvings = sum(s.counts["query_timeout:window_halved"] for s in summary.streams.values())
    assert halvings == 2 and summary.streams["Contact"].read == 12
    firsts = [p.fields.get("str::first") for p in readers.iter_people(service.cdp.engine)]
    assert firsts.count("Sam") == 12


def test_a_query_that_times_out_down_to_one_second_stops_the_poll_with_the_cursor_kept(org, tmp_path):
    service = make_syncer(org, tmp_path, "timeouts", bulk_api=False)
    org.control("POST", "faults", json={"kind": "query_timeout", "count": 1000, "path": "/query"})
    with pytest.raises(FatalError, match="QUERY_TIMEOUT"):
        service.sync()
    org.control("DELETE", "faults")
    bookmarks = service.source().bookmarks
    assert bookmarks["Account"]["committed"] is None  # nothing was read, nothing moved
    assert service.sync().outcome == "ok" and len(snapshot(service)[0]) == CONTACTS


def test_a_first_window_too_big_to_count_is_read_through_bulk(org, tmp_path):
    reference = make_syncer(org, tmp_path, "reference", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "uncounted")  # threshold 2,000: 30 contacts would be REST
    org.control("POST", "faults", json={"kind": "query_timeout", "count": 1, "path": "/query"})
    summary = service.sync()
    assert summary.streams["Account"].api == "Bulk API 2.0"  # its COUNT() timed out
    assert summary.streams["Contact"].api == "REST"
    assert bulk_jobs_created(org) == 1 and snapshot(service) == snapshot(reference)


def test_repeated_crashes_inside_a_results_page_make_progress_every_time(org, tmp_path, monkeypatch):
    # Results pages of 10 rows merged in chunks of 3: every run is killed as its second chunk
    # merges, before that chunk's position is saved — always before the page's end. The saved
    # position must still move on with each run (it names the page and its committed rows), so
    # each run re-reads at most the one chunk it lost, and the runs end.
    monkeypatch.setattr(bulk, "RESULT_PAGE", 10)
    monkeypatch.setattr(run, "PAGE_SIZE", 3)  # the Bulk reader's chunk
    reference = make_syncer(org, tmp_path, "rest", bulk_api=False)
    reference.sync()
    service = make_syncer(org, tmp_path, "bulk", bulk_threshold=10)
    committed_rows, read, runs = [0], 0, 0

    def crash_at_second_chunk(stream, count):
        nonlocal read, chunks
        if stream == "Contact" and count:
            read, chunks = read + count, chunks + 1
            if chunks == 2:
                raise RuntimeError("killed")

    while True:
        runs, chunks = runs + 1, 0
        assert runs <= CONTACTS, "no progress"
        try:
            summary = service.sync(progress=crash_at_second_chunk)
            break
        except RuntimeError:
            position = service.source().bookmarks["Contact"]["bulk"]
            assert position["rows"] > committed_rows[-1]  # progress strictly grows
            assert position["rows"] <= read  # never past what was merged
            committed_rows.append(position["rows"])
    assert summary.outcome == "ok" and summary.streams["Contact"].api == "Bulk API 2.0"
    assert runs >= 5 and committed_rows == sorted(set(committed_rows))
    assert read <= CONTACTS + 3 * (runs - 1)  # each crash lost one chunk at most
    assert bulk_jobs_created(org) == 1
    assert snapshot(service) == snapshot(reference)


class FakeJobs:
    """A Bulk client answering from a fixed list of rows, ``page`` rows a results call."""

    def __init__(self, rows: int, page: int) -> None:
        self.rows, self.page, self.created = [f"r{n}" for n in range(rows)], page, 0

    def bulk_create(self, soql, operation):
        self.created += 1
        return "750J"

    def bulk_job(self, job):
        return {"state": "JobComplete"}

    def bulk_results(self, job, locator, size):
        start = int(locator or 0)
        end = min(start + self.page, len(self.rows))
        text = "Id\n" + "".join(f"{r}\n" for r in self.rows[start:end])
        return text, (str(end) if end < len(self.rows) else None)


def test_a_bulk_position_names_the_results_page_and_its_committed_rows():
    describe = {"X": {"fields": [{"name": "Id", "type": "id"}]}}.__getitem__
    read = bulk.BulkRead(FakeJobs(12, 5), "X", "SELECT Id FROM X", describe)
    out = [(len(records), {k: p[k] for k in ("locator", "offset", "rows", "done")})
           for records, p in read.chunks(2)]
    assert out == [
        (0, {"locator": None, "offset": 0, "rows": 0, "done": False}),  # the new job, saved first
        (2, {"locator": None, "offset": 2, "rows": 2, "done": False}),
        (2, {"locator": None, "offset": 4, "rows": 4, "done": False}),
        (1, {"locator": "5", "offset": 0, "rows": 5, "done": False}),
        (2, {"locator": "5", "offset": 2, "rows": 7, "done": False}),
        (2, {"locator": "5", "offset": 4, "rows": 9, "done": False}),
        (1, {"locator": "10", "offset": 0, "rows": 10, "done": False}),
        (2, {"locator": None, "offset": 0, "rows": 12, "done": True})]


def test_a_bulk_read_resumed_mid_page_skips_exactly_the_committed_rows():
    describe = {"X": {"fields": [{"name": "Id", "type": "id"}]}}.__getitem__
    jobs = FakeJobs(12, 5)
    position = {"job": "750J", "locator": "5", "offset": 3, "rows": 8, "done": False}
    read = bulk.BulkRead(jobs, "X", "SELECT Id FROM X", describe, position=position)
    ids = [r["Id"] for records, _ in read.chunks(2) for r in records]
    assert ids == ["r8", "r9", "r10", "r11"] and jobs.created == 0
    done = bulk.BulkRead(jobs, "X", "SELECT Id FROM X", describe, position={"job": "750J", "done": True})
    assert list(done.chunks(2)) == []


def test_job_status_polls_start_short_and_grow_to_two_seconds():
    class Slow(FakeJobs):
        polls = 0

        def bulk_job(self, job):
            self.polls += 1
            return {"state": "JobComplete" if self.polls > 20 else "InProgress"}

    sleeps: list[float] = []
    read = bulk.BulkRead(Slow(3, 5), "X", "SELECT Id FROM X",
                         {"X": {"fields": [{"name": "Id", "type": "id"}]}}.__getitem__, sleep=sleeps.append)
    assert sum(len(records) for records, _ in read.chunks(2)) == 3
    assert sleeps[0] == 0.1 and max(sleeps) == 2.0 == sleeps[-1]
    # A completed job is seen at most a quarter of the wait so far (+ 0.1 s) after it completes.
    assert all(sleep <= sum(sleeps[:n]) / 4 + 0.1 + 1e-9 for n, sleep in enumerate(sleeps))
