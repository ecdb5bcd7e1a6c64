"""``/composite`` and ``/composite/graph``: subrequests, references, all-or-none rollback."""
import pytest

V = "/services/data/v59.0"


def composite(client, auth, subrequests, all_or_none=True):
    return client.post(f"{V}/composite", headers=auth, json={
        "allOrNone": all_or_none, "compositeRequest": subrequests})


def test_subrequests_see_earlier_answers_through_references(client, auth):
    response = composite(client, auth, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acc",
         "body": {"Name": "Acme"}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "con",
         "body": {"LastName": "Ada", "AccountId": "@{acc.id}"}},
        {"method": "GET", "url": f"{V}/sobjects/Contact/@{{con.id}}?fields=AccountId",
         "referenceId": "read"}])
    assert response.status_code == 200
    created, contact, read = response.json["compositeResponse"]
    assert created["httpStatusCode"] == 201
    assert created["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{created['body']['id']}"}
    assert contact["body"]["success"] is True and read["httpStatusCode"] == 200
    assert read["body"]["AccountId"] == created["body"]["id"]


def test_all_or_none_rolls_back_the_writes_before_a_failure(client, auth):
    existing = client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "Old"}).json["id"]
    response = composite(client, auth, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "new",
         "body": {"Name": "New"}},
        {"method": "PATCH", "url": f"{V}/sobjects/Account/{existing}", "referenceId": "upd",
         "body": {"Name": "Changed"}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "bad",
         "body": {"FirstName": "No last name"}},
        {"method": "GET", "url": f"{V}/sobjects/Account/{existing}", "referenceId": "after"}])
    new, upd, bad, after = response.json["compositeResponse"]
    assert bad["httpStatusCode"] == 400 and bad["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    for halted in (new, upd, after):
        assert halted["httpStatusCode"] == 400
        assert halted["body"][0]["errorCode"] == "PROCESSING_HALTED"
    names = client.get(f"{V}/query", headers=auth, query_string={
        "q": "SELECT Name FROM Account"}).json["records"]
    assert [r["Name"] for r in names] == ["Old"]


def test_without_all_or_none_a_failure_stops_only_what_refers_to_it(client, auth):
    response = composite(client, auth, [
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "bad", "body": {}},
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "ok",
         "body": {"Name": "Kept"}},
        {"method": "GET", "url": f"{V}/sobjects/Contact/@{{bad.id}}", "referenceId": "ref"}],
        all_or_none=False)
    bad, ok, ref = response.json["compositeResponse"]
    assert bad["httpStatusCode"] == 400 and ok["httpStatusCode"] == 201
    assert ref["httpStatusCode"] == 400 and ref["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_a_composite_request_counts_as_one_api_call(app, client, auth):
    org = app.extensions["mock_salesforce"].default_org
    before = org.usage.used(org.clock.now())
    composite(client, auth, [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{n}"}
                             for n in range(5)])
    assert org.usage.used(org.clock.now()) == before + 1


def test_graph_runs_each_graph_all_or_none(client, auth):
    response = client.post(f"{V}/composite/graph", headers=auth, json={"graphs": [
        {"graphId": "good", "compositeRequest": [
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "a",
             "body": {"Name": "Graph"}}]},
        {"graphId": "bad", "compositeRequest": [
            {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "c", "body": {}}]}]})
    good, bad = response.json["graphs"]
    assert good["isSuccessful"] is True and bad["isSuccessful"] is False
    assert good["graphResponse"]["compositeResponse"][0]["httpStatusCode"] == 201


@pytest.mark.parametrize("body, code", [
    ({"compositeRequest": []}, "JSON_PARSER_ERROR"),
    ({"compositeRequest": [{"method": "GET", "url": f"{V}/limits", "referenceId": "x"}] * 2},
     "INVALID_INPUT"),
    ({"compositeRequest": [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{n}"}
                           for n in range(26)]}, "INVALID_INPUT"),
])
def test_bad_composite_requests_are_refused(client, auth, body, code):
    response = client.post(f"{V}/composite", headers=auth, json=body)
    assert response.status_code == 400 and response.json[0]["errorCode"] == code
