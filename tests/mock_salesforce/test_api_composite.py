"""sObject Collections through Flask's test client."""
from mock_salesforce.backend import ids

V = "/services/data/v59.0"


def contact(**fields):
    return {"attributes": {"type": "Contact"}, **fields}


def count(client, auth, app, sobject="Contact"):
    org = app.extensions["mock_salesforce"].default_org
    return org.store.count(org.sobject(sobject))


def test_create_many_returns_one_result_per_record(client, auth, app):
    response = client.post(f"{V}/composite/sobjects", headers=auth, json={
        "allOrNone": False, "records": [contact(LastName="A"), contact(LastName="B"),
                                        {"attributes": {"type": "Account"}, "Name": "Acme"}]})
    assert response.status_code == 200
    assert [r["success"] for r in response.json] == [True, True, True]
    assert response.json[2]["id"].startswith("001") and count(client, auth, app) == 2


def test_partial_success_without_all_or_none(client, auth, app):
    response = client.post(f"{V}/composite/sobjects", headers=auth, json={
        "records": [contact(LastName="A"), contact(FirstName="no last name")]})
    assert [r["success"] for r in response.json] == [True, False]
    assert response.json[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert count(client, auth, app) == 1


def test_all_or_none_rolls_everything_back(client, auth, app):
    response = client.post(f"{V}/composite/sobjects", headers=auth, json={
        "allOrNone": True, "records": [contact(LastName="A"), contact(FirstName="no last name")]})
    assert response.json[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert response.json[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert count(client, auth, app) == 0


def test_more_than_200_records_is_exceeded_id_limit(client, auth):
    response = client.post(f"{V}/composite/sobjects", headers=auth, json={
        "records": [contact(LastName=str(i)) for i in range(201)]})
    assert response.status_code == 400 and response.json[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def _ids(client, auth, n):
    response = client.post(f"{V}/composite/sobjects", headers=auth, json={
        "records": [contact(LastName=f"C{i}") for i in range(n)]})
    return [r["id"] for r in response.json]


def test_update_many(client, auth):
    first, second = _ids(client, auth, 2)
    response = client.patch(f"{V}/composite/sobjects", headers=auth, json={"records": [
        contact(id=first, Title="CEO"), contact(id=second, Title="CTO")]})
    assert [r["success"] for r in response.json] == [True, True]
    assert client.get(f"{V}/sobjects/Contact/{second}", headers=auth).json["Title"] == "CTO"


def test_update_many_all_or_none_rolls_back(client, auth):
    (first,) = _ids(client, auth, 1)
    response = client.patch(f"{V}/composite/sobjects", headers=auth, json={"allOrNone": True, "records": [
        contact(id=first, Title="CEO"), contact(id=first, LastName=None)]})
    assert [r["success"] for r in response.json] == [False, False]
    assert client.get(f"{V}/sobjects/Contact/{first}", headers=auth).json["Title"] is None


def test_delete_many(client, auth, app):
    first, second = _ids(client, auth, 2)
    response = client.delete(f"{V}/composite/sobjects?ids={first},{second}", headers=auth)
    assert [r["success"] for r in response.json] == [True, True] and count(client, auth, app) == 0


def test_delete_many_all_or_none_with_a_missing_id_deletes_nothing(client, auth, app):
    (first,) = _ids(client, auth, 1)
    response = client.delete(f"{V}/composite/sobjects?ids={first},001D000000IqhSLIAZ&allOrNone=true",
                             headers=auth)
    assert [r["success"] for r in response.json] == [False, False] and count(client, auth, app) == 1


def test_retrieve_many_keeps_positions_and_nulls(client, auth):
    first, second = _ids(client, auth, 2)
    response = client.post(f"{V}/composite/sobjects/Contact", headers=auth, json={
        "ids": [second, "003D000000IqhSLIAZ", first], "fields": ["LastName"]})
    assert [r and r["LastName"] for r in response.json] == ["C1", None, "C0"]


def test_retrieve_many_with_unknown_field_is_invalid_field(client, auth):
    (first,) = _ids(client, auth, 1)
    response = client.get(f"{V}/composite/sobjects/Contact?ids={first}&fields=Nope", headers=auth)
    assert response.json[0]["errorCode"] == "INVALID_FIELD"


def test_upsert_many_creates_updates_and_reports_each_record(client, auth):
    url = f"{V}/composite/sobjects/Contact/Email"
    first = client.patch(url, headers=auth, json={"records": [
        contact(Email="a@x.example", LastName="A")]}).json[0]
    assert first["success"] and first["created"]
    response = client.patch(url, headers=auth, json={"allOrNone": False, "records": [
        contact(Email="A@x.example", Title="CEO"), contact(LastName="no key"), "not a record"]})
    results = response.json
    assert results[0] == {"id": first["id"], "success": True, "errors": [], "created": False}
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["errors"][0]["statusCode"] == "JSON_PARSER_ERROR"
    assert client.get(f"{V}/sobjects/Contact/{first['id']}", headers=auth).json["Title"] == "CEO"


def test_upsert_many_with_several_matches_is_duplicate_external_id(client, auth):
    for name in ("A", "B"):
        client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": name, "Email": "d@x.example"})
    response = client.patch(f"{V}/composite/sobjects/Contact/Email", headers=auth, json={
        "records": [contact(Email="d@x.example", Title="CTO")]})
    assert response.json[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert response.json[0]["created"] is False


def test_upsert_many_by_id_updates_live_records_and_refuses_the_rest(client, auth):
    made = [client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": name}).json["id"]
            for name in ("A", "B", "Gone")]
    account = client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "Acme"}).json["id"]
    assert client.delete(f"{V}/sobjects/Contact/{made[2]}", headers=auth).status_code == 204
    keys = [made[0], made[1][:15], made[2], ids.make_id("003", 999_999), "abc", account]
    records = [contact(Id=key, Title=f"T{n}") for n, key in enumerate(keys)]
    records[1] = contact(id=keys[1], Title="T1")
    records += [contact(Title="no key"), contact(Id=made[0], Title="again", LastName=None)]
    results = client.patch(f"{V}/composite/sobjects/Contact/Id", headers=auth,
                           json={"allOrNone": False, "records": records}).json
    assert [(r["id"], r["created"]) for r in results[:2]] == [(made[0], False), (made[1], False)]
    assert [r["errors"][0]["statusCode"] if r["errors"] else None for r in results] == [
        None, None, "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND",
        "REQUIRED_FIELD_MISSING", "REQUIRED_FIELD_MISSING"]
    assert [client.get(f"{V}/sobjects/Contact/{record_id}", headers=auth).json["Title"]
            for record_id in made[:2]] == ["T0", "T1"]
