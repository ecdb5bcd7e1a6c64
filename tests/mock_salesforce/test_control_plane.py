"""The /_mock control plane: secret, reset, load, clock, ids, custom fields."""
from mock_salesforce.backend.ids import make_id

V = "/services/data/v59.0"


def test_control_plane_needs_its_secret(client):
    assert client.post("/_mock/reset").status_code == 403
    assert client.post("/_mock/reset", headers={"X-Mock-Secret": "wrong"}).status_code == 403


def test_data_token_does_not_open_the_control_plane(client, auth):
    assert client.post("/_mock/reset", headers=auth).status_code == 403


def test_load_records_with_audit_fields(client, control, auth):
    response = client.post("/_mock/orgs/org1/records/Contact", headers=control, json={"records": [
        {"LastName": "Old", "CreatedDate": "2020-01-01T00:00:00Z",
         "SystemModstamp": "2020-01-02T00:00:00Z", "LastModifiedDate": "2020-01-02T00:00:00Z"}]})
    assert response.status_code == 201
    body = client.get(f"{V}/sobjects/Contact/{response.json['ids'][0]}", headers=auth).json
    assert body["CreatedDate"] == "2020-01-01T00:00:00.000+0000"
    assert body["SystemModstamp"] == "2020-01-02T00:00:00.000+0000"


def test_load_is_all_or_nothing(client, control, app):
    response = client.post("/_mock/orgs/org1/records/Contact", headers=control, json={"records": [
        {"LastName": "Fine"}, {"FirstName": "no last name"}]})
    assert response.status_code == 400 and response.json[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    org = app.extensions["mock_salesforce"].default_org
    assert org.store.count(org.sobject("Contact")) == 0


def test_reset_empties_the_org_and_invalidates_tokens(client, control, auth):
    client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "Acme"})
    assert client.post("/_mock/reset", headers=control).status_code == 200
    assert client.get(f"{V}/sobjects", headers=auth).status_code == 401


def test_clock_can_be_set_frozen_and_advanced(client, control, auth):
    body = client.post("/_mock/clock", headers=control,
                       json={"set": "2030-05-01T12:00:00Z", "frozen": True}).json
    assert body["now"] == "2030-05-01T12:00:00.000+0000" and body["frozen"] is True
    body = client.post("/_mock/clock", headers=control, json={"advance": 90}).json
    assert body["now"] == "2030-05-01T12:01:30.000+0000"


def test_moved_clock_stamps_new_records(client, control, login):
    client.post("/_mock/clock", headers=control, json={"set": "2030-05-01T12:00:00Z", "frozen": True})
    auth = login()  # the old token idled out during the jump
    new_id = client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "A"}).json["id"]
    body = client.get(f"{V}/sobjects/Account/{new_id}", headers=auth).json
    assert body["CreatedDate"] == "2030-05-01T12:00:00.000+0000"


def test_bad_clock_request_is_a_control_error(client, control):
    response = client.post("/_mock/clock", headers=control, json={"set": "not a date"})
    assert response.status_code == 400 and "error" in response.json


def test_id_seed_makes_ids_deterministic(client, control, auth):
    client.post("/_mock/orgs/org1/ids", headers=control, json={"start": 5_000_000})
    first = client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "A"}).json["id"]
    second = client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": "B"}).json["id"]
    assert (first, second) == (make_id("001", 5_000_001), make_id("003", 5_000_002))


def test_add_custom_field_appears_in_describe_and_accepts_values(client, control, auth):
    response = client.post("/_mock/orgs/org1/fields/Contact", headers=control,
                           json={"name": "Tier__c", "type": "picklist", "label": "Tier",
                                 "picklistValues": [{"value": "Gold"}], "restrictedPicklist": True})
    assert response.status_code == 201
    fields = client.get(f"{V}/sobjects/Contact/describe", headers=auth).json["fields"]
    assert next(f for f in fields if f["name"] == "Tier__c")["custom"] is True
    created = client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": "X", "Tier__c": "Gold"})
    assert created.status_code == 201


def test_add_custom_object_from_describe(client, control, auth):
    response = client.post("/_mock/orgs/org1/objects", headers=control, json={
        "name": "Invoice__c", "label": "Invoice", "custom": True, "fields": [
            {"name": "Amount__c", "type": "currency"},
            {"name": "Contact__c", "type": "reference", "referenceTo": ["Contact"],
             "relationshipName": "Contact__r"}]})
    assert response.status_code == 201 and response.json["keyPrefix"].startswith("a")
    describe = client.get(f"{V}/sobjects/Invoice__c/describe", headers=auth).json
    assert {"Id", "OwnerId", "Amount__c", "Contact__c", "SystemModstamp"} <= {f["name"] for f in describe["fields"]}
    contact = client.get(f"{V}/sobjects/Contact/describe", headers=auth).json
    assert any(c["childSObject"] == "Invoice__c" and c["relationshipName"] == "Invoices__r"
               for c in contact["childRelationships"])
