"""Unmodified simple-salesforce running SOQL against the real threaded server over TLS."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce.backend import dml_batch


def load(org, sobject, bodies):
    return dml_batch.bulk_create(org, org.sobject(sobject), bodies, org.first_user_id(), audit=True)


@pytest.fixture
def five_thousand(org):
    return load(org, "Contact", [{"LastName": f"L{n:05d}", "Email": f"c{n}@example.com"}
                                 for n in range(5000)])


def test_query_all_pages_through_5000_rows(sf, five_thousand):
    result = sf.query_all("SELECT Id, LastName FROM Contact")
    assert result["totalSize"] == 5000 and result["done"] is True
    assert sorted(r["Id"] for r in result["records"]) == sorted(five_thousand)


def test_query_all_iter_keeps_order_across_pages(sf, five_thousand):
    names = [r["LastName"] for r in sf.query_all_iter("SELECT LastName FROM Contact "
                                                      "ORDER BY LastName DESC")]
    assert names == [f"L{n:05d}" for n in reversed(range(5000))]


def test_paging_is_stable_while_records_are_inserted(sf, org, five_thousand):
    pages = sf.query_all_iter("SELECT Id FROM Contact ORDER BY SystemModstamp")
    seen = [next(pages)["Id"]]
    writer = threading.Thread(target=load, args=(org, "Contact",
                                                 [{"LastName": f"New{n}"} for n in range(700)]))
    writer.start()
    seen += [r["Id"] for r in pages]
    writer.join()
    assert len(seen) == 5000 and set(seen) == set(five_thousand)


def test_parent_to_child_and_child_to_parent(sf, org):
    account = load(org, "Account", [{"Name": "Acme"}])[0]
    load(org, "Contact", [{"LastName": "Smith", "AccountId": account},
                          {"LastName": "Jones", "AccountId": account}])
    parent = sf.query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) "
                      "FROM Account")["records"][0]
    assert [c["LastName"] for c in parent["Contacts"]["records"]] == ["Jones", "Smith"]
    child = sf.query("SELECT LastName, Account.Name FROM Contact ORDER BY LastName")["records"][0]
    assert child["Account"]["Name"] == "Acme"


def test_semi_join(sf, org):
    contacts = load(org, "Contact", [{"LastName": "Primary"}, {"LastName": "Other"}])
    opportunity = load(org, "Opportunity", [{"Name": "Deal", "StageName": "Prospecting",
                                             "CloseDate": "2024-06-01"}])[0]
    load(org, "OpportunityContactRole", [
        {"OpportunityId": opportunity, "ContactId": contacts[0], "IsPrimary": True},
        {"OpportunityId": opportunity, "ContactId": contacts[1], "IsPrimary": False}])
    records = sf.query("SELECT LastName FROM Contact WHERE Id IN (SELECT ContactId FROM "
                       "OpportunityContactRole WHERE IsPrimary = true)")["records"]
    assert [r["LastName"] for r in records] == ["Primary"]


def test_aggregates(sf, org):
    load(org, "Opportunity", [
        {"Name": n, "StageName": s, "CloseDate": "2024-06-01", "Amount": a}
        for n, s, a in [("A", "Prospecting", 10), ("B", "Prospecting", 20),
                        ("C", "Closed Won", 5)]])
    records = sf.query("SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity "
                       "GROUP BY StageName ORDER BY StageName")["records"]
    assert [(r["StageName"], r["n"], r["expr0"]) for r in records] == \
        [("Closed Won", 1, 5.0), ("Prospecting", 2, 30.0)]
    assert records[0]["attributes"] == {"type": "AggregateResult"}


def test_date_literals_follow_the_moved_clock(sf, salesforce_org):
    sf.Contact.create({"LastName": "Today"})
    assert sf.query("SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY")["totalSize"] == 1
    salesforce_org.control("POST", "clock", json={"advance": 86400})
    sf = salesforce_org.client()  # a day later the old session has expired
    assert sf.query("SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY")["totalSize"] == 0
    assert sf.query("SELECT COUNT() FROM Contact WHERE CreatedDate = YESTERDAY")["totalSize"] == 1


def test_query_all_sees_deleted_rows_and_query_does_not(sf):
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    deleted = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(gone, True)]


def test_updated_and_deleted_windows(sf, salesforce_org):
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    kept = sf.Contact.create({"LastName": "Kept"})["id"]
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    salesforce_org.control("POST", "clock", json={"advance": 120})
    end = datetime.now(timezone.utc) + timedelta(minutes=2)
    assert sf.Contact.updated(start, end)["ids"] == [kept]
    deleted = sf.Contact.deleted(start, end)
    assert [d["id"] for d in deleted["deletedRecords"]] == [gone]
    assert deleted["latestDateCovered"].endswith(":00.000+0000")


def test_malformed_query_raises_the_client_error(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Contact WHERE")
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"
