"""Unmodified simple-salesforce Bulk API 2.0 loads (insert, update, upsert, delete, hardDelete)
against the real threaded server over TLS; records are read back through REST and SOQL."""
import csv
import io

import pytest
from simple_salesforce.exceptions import SalesforceOperationError

WAIT = 0.05  # simple-salesforce sleeps this long before its first poll (its default is 5 s)


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def names(sf) -> list[str]:
    return sorted(r["LastName"] for r in sf.query_all("SELECT LastName FROM Contact")["records"])


def test_insert_creates_records_and_reports_failed_rows(sf):
    [result] = sf.bulk2.Contact.insert(records=[
        {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"},
        {"FirstName": "No", "LastName": "", "Email": "no@example.com"},
        {"FirstName": "Bad", "LastName": "Mail", "Email": "not-an-email"},
        {"FirstName": "Alan", "LastName": "Turing", "Email": ""}], wait=WAIT)
    assert result["numberRecordsProcessed"] == 4 and result["numberRecordsFailed"] == 2
    assert result["numberRecordsTotal"] == 4
    assert names(sf) == ["Lovelace", "Turing"]
    ok = parse(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert [(r["sf__Created"], r["LastName"]) for r in ok] == [("true", "Lovelace"),
                                                               ("true", "Turing")]
    assert sf.Contact.get(ok[0]["sf__Id"])["Email"] == "ada@example.com"
    failed = parse(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert [r["sf__Error"] for r in failed] == [
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
        "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --"]
    assert [r["sf__Id"] for r in failed] == ["", ""] and failed[1]["FirstName"] == "Bad"
    assert parse(sf.bulk2.Contact.get_unprocessed_records(result["job_id"])) == []


def test_update_changes_fields_and_stamps_system_modstamp(sf):
    created = sf.Contact.create({"LastName": "Old", "Title": "Keep"})
    before = sf.Contact.get(created["id"])
    [result] = sf.bulk2.Contact.update(records=[
        {"Id": created["id"], "LastName": "New"},
        {"Id": "003000000000000AAA", "LastName": "Ghost"}], wait=WAIT)
    assert result["numberRecordsFailed"] == 1
    after = sf.Contact.get(created["id"])
    assert after["LastName"] == "New" and after["Title"] == "Keep"  # empty cells change nothing
    assert after["SystemModstamp"] >= before["SystemModstamp"]
    failed = parse(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed[0]["sf__Id"] == "003000000000000AAA"
    assert failed[0]["sf__Error"].startswith("INVALID_CROSS_REFERENCE_KEY:")
    ok = parse(sf.bulk2.Contact.get_successful_records(result["job_id"]))
    assert ok[0]["sf__Created"] == "false" and len(ok[0]["sf__Id"]) == 18


def test_upsert_by_external_id_creates_then_updates(sf, salesforce_org):
    salesforce_org.control("POST", "orgs/org1/fields/Contact",
                           json={"name": "Ext__c", "type": "string", "externalId": True})
    [first] = sf.bulk2.Contact.upsert(records=[{"Ext__c": "A1", "LastName": "One"},
                                               {"Ext__c": "B2", "LastName": "Two"}],
                                      external_id_field="Ext__c", wait=WAIT)
    [second] = sf.bulk2.Contact.upsert(records=[{"Ext__c": "A1", "LastName": "Uno"},
                                                {"Ext__c": "C3", "LastName": "Tres"}],
                                       external_id_field="Ext__c", wait=WAIT)
    assert first["numberRecordsFailed"] == second["numberRecordsFailed"] == 0
    created = {r["Ext__c"]: r["sf__Created"]
               for r in parse(sf.bulk2.Contact.get_successful_records(second["job_id"]))}
    assert created == {"A1": "false", "C3": "true"}
    assert names(sf) == ["Tres", "Two", "Uno"]
    assert sf.Contact.get_by_custom_id("Ext__c", "A1")["LastName"] == "Uno"


def test_upsert_with_duplicate_external_ids_fails_the_row(sf, salesforce_org):
    salesforce_org.control("POST", "orgs/org1/fields/Contact",
                           json={"name": "Ext__c", "type": "string", "externalId": True})
    sf.Contact.create({"LastName": "Two", "Ext__c": "B"})
    sf.Contact.create({"LastName": "Three", "Ext__c": "B"})
    [result] = sf.bulk2.Contact.upsert(records=[{"Ext__c": "B", "LastName": "?"}],
                                       external_id_field="Ext__c", wait=WAIT)
    [failed] = parse(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed["sf__Error"].startswith("DUPLICATE_EXTERNAL_ID:")


def test_delete_moves_records_to_the_recycle_bin_and_hard_delete_purges(sf):
    ids = [sf.Contact.create({"LastName": f"L{n}"})["id"] for n in range(3)]
    [soft] = sf.bulk2.Contact.delete(records=[{"Id": ids[0]}], wait=WAIT)
    [hard] = sf.bulk2.Contact.hard_delete(records=[{"Id": ids[1]}], wait=WAIT)
    assert soft["numberRecordsFailed"] == hard["numberRecordsFailed"] == 0
    assert names(sf) == ["L2"]
    every = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)["records"]
    assert {r["Id"]: r["IsDeleted"] for r in every} == {ids[0]: True, ids[2]: False}


def test_unknown_column_fails_the_job_with_its_error_message(sf):
    with pytest.raises(SalesforceOperationError) as caught:
        sf.bulk2.Contact.insert(records=[{"LastName": "X", "Nope__c": "1"}], wait=WAIT)
    assert "InvalidBatch : Field name not found : Nope__c" in str(caught.value)


def test_several_jobs_by_batch_size(sf):
    results = sf.bulk2.Contact.insert(records=[{"LastName": f"N{n:03d}"} for n in range(250)],
                                      batch_size=100, wait=WAIT)
    assert [r["numberRecordsProcessed"] for r in results] == [100, 100, 50]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 250
