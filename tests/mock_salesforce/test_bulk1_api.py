"""Bulk API 1.0 rules through the Flask test client: job definitions, state changes, batches of
an aborted job, results before completion, unknown routes and a bad body — all in Bulk 1.0's
``exceptionCode`` shape, never the REST envelope."""
import json
import re

import pytest

JSON = "application/json"


@pytest.fixture
def bulk(client, token):
    """POST/GET a Bulk 1.0 path (JSON requests) and return the response."""
    def call(method, path, body=None, content_type=JSON):
        return client.open(f"/services/async/59.0/{path}", method=method, data=body,
                           headers={"X-SFDC-Session": token, "Content-Type": content_type})
    return call


def job(bulk, **fields):
    body = {"operation": "query", "object": "Contact", "contentType": "JSON", **fields}
    return bulk("POST", "job", json.dumps(body))


@pytest.mark.parametrize("fields, code, message", [
    ({"operation": "upsert"}, "InvalidJob", "External ID was blank for Contact"),
    ({"operation": "merge"}, "InvalidJob", "Invalid operation: merge"),
    ({"object": "Nope__c"}, "InvalidJob", "Unable to find object: Nope__c"),
    ({"contentType": "XML"}, "InvalidJob", "contentType XML is not emulated"),
    ({"concurrencyMode": "Sometimes"}, "InvalidJob", "Invalid concurrencyMode: Sometimes"),
])
def test_bad_job_definitions_are_invalid_job(bulk, fields, code, message):
    response = job(bulk, **fields)
    assert response.status_code == 400
    assert response.json["exceptionCode"] == code
    assert response.json["exceptionMessage"].startswith(message)


def test_serial_mode_from_simple_salesforce_numbers(bulk):
    assert job(bulk, concurrencyMode=1).json["concurrencyMode"] == "Serial"
    assert job(bulk, concurrencyMode=0).json["concurrencyMode"] == "Parallel"


def test_bad_json_body_is_client_input_error(bulk):
    response = bulk("POST", "job", "{not json")
    assert response.status_code == 400 and response.json["exceptionCode"] == "ClientInputError"


def test_bad_xml_body_is_invalid_xml(bulk):
    response = bulk("POST", "job", "<jobInfo", content_type="application/xml")
    assert response.status_code == 400
    assert b"<exceptionCode>InvalidXML</exceptionCode>" in response.data


def test_closed_job_cannot_reopen_and_aborted_job_stays_aborted(bulk):
    job_id = job(bulk).json["id"]
    assert bulk("POST", f"job/{job_id}", '{"state":"Closed"}').json["state"] == "Closed"
    assert bulk("POST", f"job/{job_id}", '{"state":"Open"}').json["exceptionCode"] == \
        "InvalidJobState"
    assert bulk("POST", f"job/{job_id}", '{"state":"Aborted"}').json["state"] == "Aborted"
    assert bulk("POST", f"job/{job_id}", '{"state":"Closed"}').json["exceptionCode"] == \
        "InvalidJobState"


def test_results_of_a_failed_batch_are_invalid_batch(bulk):
    job_id = job(bulk).json["id"]
    batch = bulk("POST", f"job/{job_id}/batch", "SELECT Nope FROM Contact").json
    assert batch["state"] == "Queued"
    assert bulk("GET", f"job/{job_id}/batch/{batch['id']}").json["state"] == "Failed"
    response = bulk("GET", f"job/{job_id}/batch/{batch['id']}/result")
    assert response.status_code == 400
    assert response.json == {"exceptionCode": "InvalidBatch",
                             "exceptionMessage": "Batch not completed"}


def test_unknown_batch_and_result_are_invalid_batch(bulk):
    job_id = job(bulk).json["id"]
    assert bulk("GET", f"job/{job_id}/batch/751000000000000AAA").json["exceptionCode"] == \
        "InvalidBatch"
    batch_id = bulk("POST", f"job/{job_id}/batch", "SELECT Id FROM Contact").json["id"]
    assert bulk("GET", f"job/{job_id}/batch/{batch_id}").json["state"] == "Completed"
    response = bulk("GET", f"job/{job_id}/batch/{batch_id}/result/752000000000000AAA")
    assert response.json["exceptionCode"] == "InvalidBatch"


def test_empty_csv_result_says_no_records(bulk):
    job_id = job(bulk, contentType="CSV").json["id"]
    batch = bulk("POST", f"job/{job_id}/batch", "SELECT Id FROM Contact", content_type="text/csv")
    batch_id = batch.data.split(b"<id>")[1].split(b"</id>")[0].decode()  # CSV jobs answer in XML
    bulk("GET", f"job/{job_id}/batch/{batch_id}")
    listing = bulk("GET", f"job/{job_id}/batch/{batch_id}/result", content_type="text/csv")
    result_id = listing.data.split(b"<result>")[1].split(b"</result>")[0].decode()
    result = bulk("GET", f"job/{job_id}/batch/{batch_id}/result/{result_id}")
    assert result.headers["Content-Type"] == "text/csv"
    assert result.data == b"Records not found for this query"


def test_unknown_route_and_bad_version_answer_in_the_bulk_shape(bulk, client, token):
    assert bulk("GET", "nope").json["exceptionCode"] == "InvalidUrl"
    response = client.get("/services/async/v59.0/job/x", headers={"X-SFDC-Session": token,
                                                                  "Content-Type": JSON})
    assert response.status_code == 400 and response.json["exceptionCode"] == "InvalidUrl"


def test_csv_ingest_batch_result_is_id_success_created_error(client, token):
    created = client.post("/services/async/59.0/job", data=json.dumps(
        {"operation": "insert", "object": "Contact", "contentType": "CSV"}),
        headers={"X-SFDC-Session": token, "Content-Type": JSON})
    job_id = created.json["id"]
    batch = client.post(f"/services/async/59.0/job/{job_id}/batch", data="LastName,Title\nA,\n,x\n",
                        headers={"X-SFDC-Session": token, "Content-Type": "text/csv"})
    assert batch.status_code == 201 and batch.headers["Content-Type"] == "application/xml"
    batch_id = re.search(r"<id>(\w+)</id>", batch.get_data(as_text=True)).group(1)
    result = client.get(f"/services/async/59.0/job/{job_id}/batch/{batch_id}/result",
                        headers={"X-SFDC-Session": token})
    assert result.headers["Content-Type"] == "text/csv"
    lines = result.get_data(as_text=True).splitlines()
    assert lines[0] == '"Id","Success","Created","Error"'
    assert re.fullmatch(r'"003\w{15}","true","true",""', lines[1])
    assert lines[2] == ('"","false","false","REQUIRED_FIELD_MISSING:Required fields are missing: '
                        '[LastName]:LastName --"')
    info = client.get(f"/services/async/59.0/job/{job_id}/batch/{batch_id}",
                      headers={"X-SFDC-Session": token}).get_data(as_text=True)
    assert "<numberRecordsProcessed>2</numberRecordsProcessed>" in info
    assert "<numberRecordsFailed>1</numberRecordsFailed>" in info


def test_ingest_batch_with_an_unknown_field_fails(bulk):
    job_id = job(bulk, operation="insert").json["id"]
    batch = bulk("POST", f"job/{job_id}/batch", json.dumps([{"LastName": "A", "Nope": 1}]))
    status = bulk("GET", f"job/{job_id}/batch/{batch.json['id']}").json
    assert (status["state"], status["stateMessage"]) == (
        "Failed", "InvalidBatch : Field name not found : Nope")


def test_job_create_is_201_and_a_batch_create_is_201_queued_with_its_location(bulk):
    created = job(bulk)
    assert created.status_code == 201
    job_id = created.json["id"]
    batch = bulk("POST", f"job/{job_id}/batch", "SELECT Id FROM Contact")
    assert batch.status_code == 201 and batch.json["state"] == "Queued"
    assert batch.headers["Location"] == f"/services/async/59.0/job/{job_id}/batch/{batch.json['id']}"


def test_json_batch_info_carries_state_message_null(bulk):
    job_id = job(bulk).json["id"]
    batch_id = bulk("POST", f"job/{job_id}/batch", "SELECT Id FROM Contact").json["id"]
    info = bulk("GET", f"job/{job_id}/batch/{batch_id}").json
    assert info["state"] == "Completed" and info["stateMessage"] is None
    assert list(info) == sorted(info)


def test_json_query_results_give_datetimes_as_epoch_milliseconds(bulk, client, auth):
    client.post("/services/data/v59.0/sobjects/Contact", headers=auth, json={"LastName": "Epoch"})
    job_id = job(bulk).json["id"]
    batch_id = bulk("POST", f"job/{job_id}/batch", "SELECT Id, CreatedDate FROM Contact").json["id"]
    assert bulk("GET", f"job/{job_id}/batch/{batch_id}").json["state"] == "Completed"
    result_id = bulk("GET", f"job/{job_id}/batch/{batch_id}/result").json[0]
    record = bulk("GET", f"job/{job_id}/batch/{batch_id}/result/{result_id}").json[0]
    assert isinstance(record["CreatedDate"], int) and record["CreatedDate"] > 1_500_000_000_000
