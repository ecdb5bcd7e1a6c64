"""Paging a query in Id order (no WHERE): each page is read as one Id range of the table, and must
still be exactly the snapshot's records, whatever was inserted, deleted or purged meanwhile."""
import pytest
import sqlalchemy as sa

from mock_salesforce.backend import dml, dml_batch
from mock_salesforce.backend.soql import engine

FIELDS = "Id, LastName, Email, SystemModstamp, Account.Name"


@pytest.fixture
def contacts(org):
    account = dml.create(org, org.sobject("Account"), {"Name": "Acme"}, org.first_user_id())
    bodies = [{"LastName": f"P{n:04d}", "Email": f"p{n}@example.com",
               "AccountId": account if n % 3 else None} for n in range(650)]
    return dml_batch.bulk_create(org, org.sobject("Contact"), bodies, org.first_user_id())


def pages(org, soql, batch=200, between=None):
    """Every page of a query; ``between(n)`` runs before page n (n >= 1) is fetched."""
    page = engine.query(org, soql, False, engine.PageRequest("v59.0", "query", batch)).as_dict()
    result = [page]
    while not page["done"]:
        if between:
            between(len(result))
        locator = page["nextRecordsUrl"].rsplit("/", 1)[1]
        page = engine.query_more(org, locator, engine.PageRequest("v59.0", "query", batch)) \
            .as_dict()
        result.append(page)
    return result


def records(result):
    return [record for page in result for record in page["records"]]


def test_id_order_without_where_reads_pages_as_id_ranges(org):
    plan = engine.compile_soql(org, f"SELECT {FIELDS} FROM Contact", False)
    assert plan.id_range is not None
    assert engine.compile_soql(org, f"SELECT {FIELDS} FROM Contact ORDER BY Id", False).id_range \
        is not None
    for other in ("WHERE LastName != null", "ORDER BY LastName", "ORDER BY Id DESC"):
        assert engine.compile_soql(org, f"SELECT {FIELDS} FROM Contact {other}", False) \
            .id_range is None


def test_range_pages_equal_pages_read_by_id(org, contacts):
    by_range = pages(org, f"SELECT {FIELDS} FROM Contact")
    by_id = pages(org, f"SELECT {FIELDS} FROM Contact WHERE Id != null ORDER BY Id")
    assert [len(page["records"]) for page in by_range] == [200, 200, 200, 50]
    assert records(by_range) == records(by_id)
    assert [r["Id"] for r in records(by_range)] == sorted(contacts)


def test_range_pages_keep_the_snapshot_under_changes(org, contacts):
    contact = org.sobject("Contact")
    ordered = sorted(contacts)
    # An Id that sorts inside the third page, as if created by another org's id sequence.
    inside = ordered[450][:15] + "zzz"
    assert ordered[450] < inside < ordered[451]
    stamp = 1_700_000_000_000

    def change(number):
        if number != 1:
            return
        with org.store.engine.begin() as conn:
            org.store.insert_many(contact, [{
                "Id": inside, "IsDeleted": False, "LastName": "Intruder", "Name": "Intruder",
                "OwnerId": org.first_user_id(), "CreatedById": org.first_user_id(), "LastModifiedById": org.first_user_id(),
                "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp,
                "HasOptedOutOfEmail": False, "HasOptedOutOfFax": False, "DoNotCall": False}],
                conn)
        dml_batch.bulk_create(org, contact, [{"LastName": "Late"}] * 5, org.first_user_id())
        dml.delete(org, contact, ordered[300])  # to the recycle bin: still in the snapshot
        with org.store.engine.begin() as conn:  # purged: gone from its page
            conn.execute(sa.delete(org.store.table(contact))
                         .where(org.store.table(contact).c.Id == ordered[500]))

    result = pages(org, f"SELECT {FIELDS} FROM Contact", between=change)
    seen = [r["Id"] for r in records(result)]
    assert seen == [i for i in ordered if i != ordered[500]]
    assert result[0]["totalSize"] == 650
