"""``POST /composite/tree/{T}``: record trees created all or none (``sf data import tree``)."""
from __future__ import annotations

V = "/services/data/v59.0"


def account(ref: str, name: str | None, *contacts: dict, **fields) -> dict:
    record = {"attributes": {"type": "Account", "referenceId": ref}, **fields}
    if name is not None:
        record["Name"] = name
    if contacts:
        record["Contacts"] = {"records": list(contacts)}
    return record


def contact(ref: str, last_name: str, **fields) -> dict:
    return {"attributes": {"type": "Contact", "referenceId": ref}, "LastName": last_name, **fields}


def post(client, auth, records, sobject="Account"):
    return client.post(f"{V}/composite/tree/{sobject}", headers=auth, json={"records": records})


def test_a_tree_is_created_with_children_linked_to_their_parent(client, auth):
    response = post(client, auth, [
        account("acme", "Acme", contact("wile", "Coyote"), contact("road", "Runner")),
        account("globex", "Globex")])
    assert response.status_code == 201
    body = response.json
    assert body["hasErrors"] is False
    ids = {r["referenceId"]: r["id"] for r in body["results"]}
    assert [r["referenceId"] for r in body["results"]] == ["acme", "globex", "wile", "road"]
    contacts = client.get(f"{V}/query", headers=auth, query_string={
        "q": "SELECT LastName, AccountId FROM Contact ORDER BY LastName"}).json["records"]
    assert [(c["LastName"], c["AccountId"]) for c in contacts] == [
        ("Coyote", ids["acme"]), ("Runner", ids["acme"])]


def test_one_bad_record_fails_the_call_and_writes_nothing(client, auth):
    response = post(client, auth, [
        account("ok", "Fine", contact("bad", "Nobody", Email="not-an-email")),
        account("nameless", None)])
    assert response.status_code == 400
    assert response.json["hasErrors"] is True
    failed = {r["referenceId"]: r["errors"][0] for r in response.json["results"]}
    assert set(failed) == {"bad", "nameless"}
    assert failed["bad"]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert failed["nameless"]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert failed["nameless"]["fields"] == ["Name"]
    count = client.get(f"{V}/query", headers=auth, query_string={
        "q": "SELECT COUNT() FROM Account"}).json["totalSize"]
    assert count == 0


def test_a_top_level_record_of_another_type_is_refused(client, auth):
    response = post(client, auth, [contact("c", "Lone")])
    assert response.status_code == 400 and response.json[0]["errorCode"] == "INVALID_INPUT"


def test_reference_ids_are_required_and_unique(client, auth):
    missing = post(client, auth, [{"attributes": {"type": "Account"}, "Name": "X"}])
    assert missing.status_code == 400 and missing.json[0]["errorCode"] == "INVALID_INPUT"
    twice = post(client, auth, [account("same", "A"), account("same", "B")])
    assert twice.status_code == 400 and "Duplicate ReferenceId" in twice.json[0]["message"]


def test_more_than_200_records_are_refused(client, auth):
    response = post(client, auth, [account(f"a{n}", f"A{n}") for n in range(201)])
    assert response.status_code == 400 and response.json[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_an_unknown_object_is_not_found(client, auth):
    response = post(client, auth, [], sobject="Nope__c")
    assert response.status_code == 404 and response.json[0]["errorCode"] == "NOT_FOUND"
