"""Bulk API 1.0 queries against the real threaded server over TLS: unmodified simple-salesforce
(JSON jobs), tap-salesforce's request sequence and an XML-flavour client (salesforce-bulk's
shapes) with plain requests, and the Bulk 1.0 error shape."""
import csv
import io
import xml.etree.ElementTree as ET

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest

from mock_salesforce.backend import bulk1, dml_batch

WAIT = 0.05  # seconds simple-salesforce sleeps between polls (its default is 5)
NS = "{http://www.force.com/2009/06/asyncapi/dataload}"
TAP_SOQL = ("SELECT Id,IsDeleted,LastName,SystemModstamp FROM Contact "
            "WHERE SystemModstamp >= 2020-01-01T00:00:00Z  ORDER BY SystemModstamp ASC")


@pytest.fixture
def contacts(org):
    account = dml_batch.bulk_create(org, org.sobject("Account"), [{"Name": "Acme"}],
                              org.first_user_id(), audit=True)[0]
    return dml_batch.bulk_create(org, org.sobject("Contact"),
                           [{"LastName": f"L{n}", "AccountId": account} for n in range(5)],
                           org.first_user_id(), audit=True)


@pytest.fixture
def base(salesforce_org):
    return f"{salesforce_org.url}/services/async/61.0"


@pytest.fixture
def session(salesforce_org):
    return salesforce_org.token()["access_token"]


def text(element, name):
    return element.findtext(NS + name)


# -- simple-salesforce (JSON flavour) -------------------------------------------------------------
def test_query_returns_records_with_their_parent(sf, contacts):
    records = sf.bulk.Contact.query("SELECT Id, LastName, Account.Name FROM Contact", wait=WAIT)
    assert sorted(r["Id"] for r in records) == sorted(contacts)
    assert records[0]["attributes"]["type"] == "Contact"
    assert {r["Account"]["Name"] for r in records} == {"Acme"}


def test_query_all_includes_deleted_records(sf, contacts):
    sf.Contact.delete(contacts[0])
    live = sf.bulk.Contact.query("SELECT Id, IsDeleted FROM Contact", wait=WAIT)
    every = sf.bulk.Contact.query_all("SELECT Id, IsDeleted FROM Contact", wait=WAIT)
    assert len(live) == 4 and not any(r["IsDeleted"] for r in live)
    assert [r["Id"] for r in every if r["IsDeleted"]] == [contacts[0]]


def test_results_split_into_several_result_files(sf, contacts, monkeypatch):
    monkeypatch.setattr(bulk1, "RESULT_RECORDS", 2)
    records = sf.bulk.Contact.query("SELECT Id FROM Contact", wait=WAIT)
    assert sorted(r["Id"] for r in records) == sorted(contacts)


def test_bad_query_fails_the_batch_with_its_message(sf, contacts):
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.bulk.Contact.query("SELECT Id, Nope__c FROM Contact", wait=WAIT)
    assert caught.value.content.startswith(
        "InvalidBatch : Failed to process query: INVALID_FIELD: ")


@pytest.mark.parametrize("soql, message", [
    ("SELECT Id, MailingAddress FROM Contact",
     "Selecting compound data not supported in Bulk Query"),
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account",
     "Aggregate Relationship not supported in Bulk Query"),
])
def test_what_bulk_cannot_query_fails_the_batch(sf, soql, message):
    sobject = soql.split()[-1]
    with pytest.raises(SalesforceGeneralError) as caught:
        getattr(sf.bulk, sobject).query(soql, wait=WAIT)
    assert caught.value.content == \
        f"InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: {message}"


def test_unknown_object_is_refused_as_invalid_job(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.bulk.Nope__c.query("SELECT Id FROM Nope__c", wait=WAIT)
    assert caught.value.content == {"exceptionCode": "InvalidJob",
                                    "exceptionMessage": "Unable to find object: Nope__c"}


# -- tap-salesforce's sequence (JSON job, contentType CSV, XML batch calls) ------------------------
def test_tap_salesforce_query_all_sequence(salesforce_org, base, session, contacts, sf):
    sf.Contact.delete(contacts[0])
    data = f"{salesforce_org.url}/services/data/v61.0"
    bearer = {"Authorization": f"Bearer {session}"}
    before = requests.get(f"{data}/limits", headers=bearer).json()["DailyBulkApiBatches"]
    headers = {"X-SFDC-Session": session, "Content-Type": "application/json"}
    job = requests.post(f"{base}/job", headers={**headers, "Sforce-Disable-Batch-Retry": "true"},
                        json={"operation": "queryAll", "object": "Contact", "contentType": "CSV"})
    assert job.headers["Content-Type"] == "application/json"
    job_id = job.json()["id"]
    batch = requests.post(f"{base}/job/{job_id}/batch",
                          headers={**headers, "Content-Type": "text/csv"}, data=TAP_SOQL)
    batch_id = text(ET.fromstring(batch.content), "id")
    requests.post(f"{base}/job/{job_id}", headers=headers, json={"state": "Closed"})
    status = requests.get(f"{base}/job/{job_id}/batch/{batch_id}", headers=headers)
    assert text(ET.fromstring(status.content), "state") == "Completed"  # on the first poll
    listing = requests.get(f"{base}/job/{job_id}/batch/{batch_id}/result", headers=headers)
    result_ids = [e.text for e in ET.fromstring(listing.content).findall(NS + "result")]
    assert listing.headers["Content-Type"] == "application/xml" and len(result_ids) == 1
    result = requests.get(f"{base}/job/{job_id}/batch/{batch_id}/result/{result_ids[0]}",
                          headers={**headers, "Content-Type": "text/csv"}, stream=True)
    assert result.headers["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(result.text), delimiter=",", quotechar='"'))
    assert rows[0] == ["Id", "IsDeleted", "LastName", "SystemModstamp"]
    assert sorted(r[0] for r in rows[1:]) == sorted(contacts)
    assert [r[0] for r in rows[1:] if r[1] == "true"] == [contacts[0]]
    after = requests.get(f"{data}/limits", headers=bearer).json()["DailyBulkApiBatches"]
    assert after["Remaining"] == before["Remaining"] - 1


def test_tap_salesforce_sees_a_gone_job_as_invalid_job(base, session):
    response = requests.get(f"{base}/job/750000000000000AAA",
                            headers={"X-SFDC-Session": session, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["exceptionCode"] == "InvalidJob"


# -- XML flavour (salesforce-bulk's and jsforce's shapes) ------------------------------------------
def xml_job(**elements):
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in elements.items())
    return ('<?xml version="1.0" encoding="UTF-8"?><jobInfo '
            f'xmlns="http://www.force.com/2009/06/asyncapi/dataload">{inner}</jobInfo>')


def test_xml_job_batch_list_and_namespaced_infos(base, session, contacts):
    headers = {"X-SFDC-Session": session, "Content-Type": "application/xml; charset=UTF-8"}
    job = requests.post(f"{base}/job", headers=headers,
                        data=xml_job(operation="query", object="Contact", contentType="CSV"))
    assert job.headers["Content-Type"] == "application/xml"
    info = ET.fromstring(job.content)
    assert info.tag == NS + "jobInfo" and text(info, "state") == "Open"
    job_id = text(info, "id")
    csv_headers = {**headers, "Content-Type": "text/csv; charset=UTF-8"}
    first = requests.post(f"{base}/job/{job_id}/batch", headers=csv_headers,
                          data="SELECT Id FROM Contact")
    second = requests.post(f"{base}/job/{job_id}/batch", headers=csv_headers,
                           data="SELECT Id FROM Account")
    assert ET.fromstring(first.content).tag == NS + "batchInfo"
    assert text(ET.fromstring(first.content), "jobId") == job_id
    closed = requests.post(f"{base}/job/{job_id}", headers=headers, data=xml_job(state="Closed"))
    assert text(ET.fromstring(closed.content), "state") == "Closed"
    requests.get(f"{base}/job/{job_id}/batch/{text(ET.fromstring(first.content), 'id')}",
                 headers=headers)
    listing = ET.fromstring(requests.get(f"{base}/job/{job_id}/batch", headers=headers).content)
    assert listing.tag == NS + "batchInfoList"
    states = {text(b, "id"): (text(b, "state"), text(b, "stateMessage"))
              for b in listing.findall(NS + "batchInfo")}
    assert states[text(ET.fromstring(first.content), "id")] == ("Completed", None)
    state, message = states[text(ET.fromstring(second.content), "id")]
    assert state == "Failed" and "does not match the job's object Contact" in message
    info = ET.fromstring(requests.get(f"{base}/job/{job_id}", headers=headers).content)
    assert (text(info, "numberBatchesTotal"), text(info, "numberRecordsProcessed")) == ("2", "5")


def test_closed_job_takes_no_batch(base, session):
    headers = {"X-SFDC-Session": session, "Content-Type": "application/xml"}
    job_id = text(ET.fromstring(requests.post(f"{base}/job", headers=headers, data=xml_job(
        operation="query", object="Contact", contentType="CSV")).content), "id")
    requests.post(f"{base}/job/{job_id}", headers=headers, data=xml_job(state="Closed"))
    response = requests.post(f"{base}/job/{job_id}/batch", headers={**headers, "Content-Type":
                             "text/csv"}, data="SELECT Id FROM Contact")
    assert response.status_code == 400
    assert text(ET.fromstring(response.content), "exceptionCode") == "InvalidJobState"


# -- session errors --------------------------------------------------------------------------------
def test_invalid_session_is_400_invalid_session_id_in_xml(base):
    response = requests.post(f"{base}/job", headers={"X-SFDC-SESSION": "00Dstale!token",
                                                     "Content-Type": "application/xml"},
                             data=xml_job(operation="query", object="Contact"))
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/xml"
    assert "<exceptionCode>InvalidSessionId</exceptionCode>" in response.text
    error = ET.fromstring(response.content)
    assert error.tag == NS + "error" and text(error, "exceptionMessage") == "Invalid session id"


def test_invalid_session_in_json(base):
    response = requests.get(f"{base}/job/750000000000000AAA",
                            headers={"X-SFDC-Session": "bad", "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"exceptionCode": "InvalidSessionId",
                               "exceptionMessage": "Invalid session id"}


def test_bearer_token_is_accepted_and_usage_counted(base, session, org):
    used = org.usage.used(org.clock.now())
    response = requests.post(f"{base}/job", json={"operation": "query", "object": "Contact",
                                                   "contentType": "JSON"},
                             headers={"Authorization": f"Bearer {session}"})
    assert response.status_code == 201 and response.json()["contentType"] == "JSON"
    assert org.usage.used(org.clock.now()) == used + 1


def test_armed_fault_answers_in_the_bulk_shape(salesforce_org, base, session):
    salesforce_org.control("POST", "faults", json={"kind": "503", "path": "/services/async"})
    response = requests.get(f"{base}/job/750000000000000AAA",
                            headers={"X-SFDC-Session": session, "Content-Type": "application/json"})
    assert response.status_code == 503
    assert response.json()["exceptionCode"] == "Unknown"


def test_json_ingest_insert_update_upsert_delete(sf, salesforce_org):
    salesforce_org.control("POST", "orgs/org1/fields/Contact",
                           json={"name": "Ext__c", "type": "string", "externalId": True})
    inserted = sf.bulk.Contact.insert([{"LastName": "One", "Ext__c": "E1"}, {"FirstName": "No"}],
                                      batch_size=10, use_serial=True)
    assert [(r["success"], r["created"]) for r in inserted] == [(True, True), (False, False)]
    assert inserted[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    record_id = inserted[0]["id"]
    updated = sf.bulk.Contact.update([{"Id": record_id, "Title": "Boss"}])
    assert updated[0]["success"] and sf.Contact.get(record_id)["Title"] == "Boss"
    upserted = sf.bulk.Contact.upsert([{"Ext__c": "E1", "LastName": "Uno"},
                                       {"Ext__c": "E2", "LastName": "Dos"}], "Ext__c")
    assert [(r["id"] == record_id, r["created"]) for r in upserted] == [(True, False),
                                                                         (False, True)]
    assert sf.Contact.get(record_id)["LastName"] == "Uno"
    deleted = sf.bulk.Contact.delete([{"Id": record_id}])
    assert deleted[0]["success"]
    live = sf.query("SELECT LastName FROM Contact")["records"]
    assert [r["LastName"] for r in live] == ["Dos"]
