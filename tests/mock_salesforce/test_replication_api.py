"""``/sobjects/<T>/updated``, ``/deleted`` and the recycle-bin control plane (undelete, purge)."""
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from mock_salesforce.clock import format_datetime

V = "/services/data/v59.0"


@pytest.fixture
def clock(app):
    """The org clock, frozen at a known minute."""
    backend = app.extensions["mock_salesforce"]
    backend.clock.set(datetime(2024, 5, 15, 12, 0, 30, tzinfo=timezone.utc), frozen=True)
    return backend.clock


def iso(when):
    return quote(when.isoformat())


def window(client, auth, kind, start, end, sobject="Contact"):
    return client.get(f"{V}/sobjects/{sobject}/{kind}/?start={iso(start)}&end={iso(end)}",
                      headers=auth)


def create(client, auth, name):
    return client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": name}).json["id"]


def error_code(response):
    return response.json[0]["errorCode"]


def test_updated_lists_ids_changed_in_the_window(client, auth, clock):
    before = create(client, auth, "Before")
    clock.advance(120)
    start = clock.now()
    inside = create(client, auth, "Inside")
    clock.advance(120)
    body = window(client, auth, "updated", start, clock.now()).json
    assert body["ids"] == [inside] and before not in body["ids"]


def test_updated_ignores_seconds_and_reports_latest_date_covered(client, auth, clock):
    start = clock.now() - timedelta(minutes=5)
    body = window(client, auth, "updated", start, clock.now()).json
    assert body["latestDateCovered"] == "2024-05-15T12:00:00.000+0000"


def test_updated_end_in_the_future_means_now(client, auth, clock):
    body = window(client, auth, "updated", clock.now() - timedelta(hours=1),
                  clock.now() + timedelta(days=1)).json
    assert body["latestDateCovered"] == "2024-05-15T12:00:00.000+0000"


def test_updated_route_wins_over_a_record_id(client, auth, clock):
    response = client.get(f"{V}/sobjects/Contact/updated?start=2024-05-15T10:00:00Z"
                          f"&end=2024-05-15T11:00:00Z", headers=auth)
    assert response.status_code == 200 and set(response.json) == {"ids", "latestDateCovered"}


def test_start_older_than_30_days_is_invalid_replication_date(client, auth, clock):
    response = window(client, auth, "updated", clock.now() - timedelta(days=31), clock.now())
    assert response.status_code == 400 and error_code(response) == "INVALID_REPLICATION_DATE"


def test_start_after_end_is_invalid_replication_date(client, auth, clock):
    response = window(client, auth, "deleted", clock.now(), clock.now() - timedelta(hours=1))
    assert response.status_code == 400 and error_code(response) == "INVALID_REPLICATION_DATE"


def test_window_under_a_minute_is_invalid_replication_date(client, auth, clock):
    start = clock.now().replace(second=0)
    response = window(client, auth, "updated", start, start + timedelta(seconds=50))
    assert error_code(response) == "INVALID_REPLICATION_DATE"


def test_missing_start_is_missing_argument(client, auth, clock):
    response = client.get(f"{V}/sobjects/Contact/updated?end=2024-05-15T11:00:00Z", headers=auth)
    assert response.status_code == 400 and error_code(response) == "MISSING_ARGUMENT"


def test_unparseable_date_is_invalid_replication_date(client, auth, clock):
    response = client.get(f"{V}/sobjects/Contact/deleted?start=yesterday&end=now", headers=auth)
    assert error_code(response) == "INVALID_REPLICATION_DATE"


def test_unknown_object_is_not_found(client, auth, clock):
    response = window(client, auth, "updated", clock.now() - timedelta(hours=1), clock.now(),
                      sobject="Nope")
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


def test_deleted_lists_records_with_their_deletion_date(client, auth, clock):
    start = clock.now() - timedelta(hours=1)
    gone = create(client, auth, "Gone")
    client.delete(f"{V}/sobjects/Contact/{gone}", headers=auth)
    clock.advance(120)
    body = window(client, auth, "deleted", start, clock.now()).json
    assert body["deletedRecords"] == [{"id": gone, "deletedDate": "2024-05-15T12:00:30.000+0000"}]
    assert body["earliestDateAvailable"] == format_datetime(
        datetime(2024, 4, 15, 12, 2, tzinfo=timezone.utc))
    assert body["latestDateCovered"] == "2024-05-15T12:02:00.000+0000"


def test_undelete_restores_a_record_and_stamps_it(client, auth, control, clock):
    gone = create(client, auth, "Gone")
    client.delete(f"{V}/sobjects/Contact/{gone}", headers=auth)
    clock.advance(120)
    response = client.post("/_mock/orgs/org1/undelete", headers=control, json={"ids": [gone]})
    assert response.json == {"results": [{"id": gone, "success": True, "errors": []}]}
    assert client.get(f"{V}/sobjects/Contact/{gone}", headers=auth).status_code == 200
    clock.advance(120)
    updated = window(client, auth, "updated", clock.now() - timedelta(minutes=3), clock.now())
    assert updated.json["ids"] == [gone]


def test_undelete_of_a_live_record_fails(client, auth, control, clock):
    live = create(client, auth, "Live")
    result = client.post("/_mock/orgs/org1/undelete", headers=control,
                         json={"ids": [live]}).json["results"][0]
    assert result["success"] is False and result["errors"][0]["statusCode"] == "UNDELETE_FAILED"


def test_purge_leaves_query_all_but_stays_in_deleted(client, auth, control, clock):
    start = clock.now() - timedelta(hours=1)
    gone = create(client, auth, "Gone")
    client.delete(f"{V}/sobjects/Contact/{gone}", headers=auth)
    purged = client.post("/_mock/orgs/org1/purge", headers=control, json={"ids": [gone]})
    assert purged.json["results"][0]["success"] is True
    everything = client.get(f"{V}/queryAll?q=SELECT Id FROM Contact", headers=auth).json
    assert everything["totalSize"] == 0
    clock.advance(120)
    deleted = window(client, auth, "deleted", start, clock.now()).json["deletedRecords"]
    assert [d["id"] for d in deleted] == [gone]


def test_purged_record_leaves_deleted_once_its_window_passes(client, auth, control, clock):
    gone = create(client, auth, "Gone")
    client.delete(f"{V}/sobjects/Contact/{gone}", headers=auth)
    client.post("/_mock/orgs/org1/purge", headers=control, json={"ids": [gone]})
    clock.advance(31 * 86400)
    body = window(client, auth, "deleted", clock.now() - timedelta(days=29), clock.now()).json
    assert body["deletedRecords"] == []


def test_recycle_bin_control_needs_the_secret(client):
    response = client.post("/_mock/orgs/org1/purge", json={"ids": []})
    assert response.status_code == 403


def test_recycle_bin_control_needs_ids(client, control):
    response = client.post("/_mock/orgs/org1/undelete", headers=control, json={"id": "x"})
    assert response.status_code == 400
