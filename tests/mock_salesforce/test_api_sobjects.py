"""The REST data API for single records, through Flask's test client."""
import pytest

V = "/services/data/v59.0"


def create(client, auth, sobject, body):
    response = client.post(f"{V}/sobjects/{sobject}/", headers=auth, json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def error_code(response):
    return response.json[0]["errorCode"]


def test_versions_list_needs_no_token(client):
    response = client.get("/services/data")
    assert response.status_code == 200
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in response.json


@pytest.mark.parametrize("version", ["v42.0", "v59.0", "v62.0"])
def test_resources_of_any_version(client, auth, version):
    body = client.get(f"/services/data/{version}", headers=auth).json
    assert body["sobjects"] == f"/services/data/{version}/sobjects"
    assert "/id/00D" in body["identity"]


def test_bad_version_is_not_found(client, auth):
    assert error_code(client.get("/services/data/59.0/sobjects", headers=auth)) == "NOT_FOUND"


def test_describe_global_lists_queryable_objects(client, auth):
    body = client.get(f"{V}/sobjects", headers=auth).json
    contact = next(o for o in body["sobjects"] if o["name"] == "Contact")
    assert contact["queryable"] is True and contact["keyPrefix"] == "003"
    assert contact["urls"]["describe"] == f"{V}/sobjects/Contact/describe"


def test_every_listed_object_can_be_described(client, auth):
    names = [o["name"] for o in client.get(f"{V}/sobjects", headers=auth).json["sobjects"]]
    for name in names:
        response = client.get(f"{V}/sobjects/{name}/describe", headers=auth)
        assert response.status_code == 200, name
        assert {"name", "type", "label", "length", "nillable", "createable", "updateable",
                "custom", "externalId", "unique", "referenceTo", "relationshipName",
                "picklistValues", "defaultedOnCreate"} <= response.json["fields"][0].keys()


def test_describe_has_reference_fields_and_child_relationships(client, auth):
    contact = client.get(f"{V}/sobjects/Contact/describe", headers=auth).json
    account_id = next(f for f in contact["fields"] if f["name"] == "AccountId")
    assert account_id["referenceTo"] == ["Account"] and account_id["relationshipName"] == "Account"
    account = client.get(f"{V}/sobjects/Account/describe", headers=auth).json
    assert {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts"}.items() \
        <= next(c for c in account["childRelationships"] if c["childSObject"] == "Contact").items()


def test_describe_unknown_object_is_not_found(client, auth):
    assert error_code(client.get(f"{V}/sobjects/Nope__c/describe", headers=auth)) == "NOT_FOUND"


def test_basic_info(client, auth):
    body = client.get(f"{V}/sobjects/Account", headers=auth).json
    assert body["objectDescribe"]["name"] == "Account" and body["recentItems"] == []


def test_create_then_get_with_system_fields(client, auth):
    new_id = create(client, auth, "Contact", {"FirstName": "Ada", "LastName": "Lovelace"})
    body = client.get(f"{V}/sobjects/Contact/{new_id}", headers=auth).json
    assert body["Name"] == "Ada Lovelace" and body["IsDeleted"] is False
    assert body["CreatedDate"].endswith("+0000") and body["SystemModstamp"] == body["CreatedDate"]
    assert body["OwnerId"].startswith("005")


def test_get_with_fields_parameter(client, auth):
    new_id = create(client, auth, "Contact", {"LastName": "Hopper", "Email": "g@navy.mil"})
    body = client.get(f"{V}/sobjects/Contact/{new_id}?fields=Email,LastName", headers=auth).json
    assert list(body) == ["attributes", "Email", "LastName"]


def test_get_by_15_character_id(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    assert client.get(f"{V}/sobjects/Account/{new_id[:15]}", headers=auth).json["Id"] == new_id


def test_update_is_204_and_bumps_system_modstamp(client, auth, app):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    before = client.get(f"{V}/sobjects/Account/{new_id}", headers=auth).json
    app.extensions["mock_salesforce"].clock.advance(60)
    response = client.patch(f"{V}/sobjects/Account/{new_id}", headers=auth, json={"Name": "Acme 2"})
    assert response.status_code == 204 and response.data == b""
    after = client.get(f"{V}/sobjects/Account/{new_id}", headers=auth).json
    assert after["Name"] == "Acme 2" and after["SystemModstamp"] > before["SystemModstamp"]


def test_delete_is_204_then_a_get_is_not_found(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    assert client.delete(f"{V}/sobjects/Account/{new_id}", headers=auth).status_code == 204
    response = client.get(f"{V}/sobjects/Account/{new_id}", headers=auth)
    assert response.status_code == 404
    assert response.json == [{"message": "The requested resource does not exist",
                              "errorCode": "NOT_FOUND"}]


def test_deleting_a_deleted_record_is_entity_is_deleted_with_empty_fields(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    client.delete(f"{V}/sobjects/Account/{new_id}", headers=auth)
    response = client.delete(f"{V}/sobjects/Account/{new_id}", headers=auth)
    assert response.status_code == 404
    assert response.json == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED",
                              "fields": []}]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_value_that_is_no_id_is_a_failed_external_id_lookup(client, auth, method):
    response = client.open(f"{V}/sobjects/Account/23foo", method=method, headers=auth,
                           json={"Name": "X"} if method == "PATCH" else None)
    assert response.status_code == 404
    assert response.json == [{"message": "Provided external ID field does not exist or is not "
                                         "accessible: 23foo", "errorCode": "NOT_FOUND"}]


def test_an_id_with_a_bad_checksum_is_malformed_on_id(client, auth):
    response = client.patch(f"{V}/sobjects/Account/001B000001Lp1G2IB1", headers=auth,
                            json={"Name": "X"})
    assert response.status_code == 400
    assert response.json == [{"message": "Record ID: id value of incorrect type: 001B000001Lp1G2IB1",
                              "errorCode": "MALFORMED_ID", "fields": ["Id"]}]


def test_create_answers_location_and_json_with_charset(client, auth):
    response = client.post(f"{V}/sobjects/Account", headers=auth, json={"Name": "Acme"})
    assert response.status_code == 201
    assert response.headers["Location"] == f"{V}/sobjects/Account/{response.json['id']}"
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"


def test_no_content_has_no_content_type(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    response = client.patch(f"{V}/sobjects/Account/{new_id}", headers=auth, json={"Name": "B"})
    assert response.status_code == 204 and "Content-Type" not in response.headers


def test_invalid_session_says_www_authenticate_token(client):
    response = client.get(f"{V}/sobjects", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Token"


def test_get_unknown_record_is_not_found(client, auth):
    response = client.get(f"{V}/sobjects/Account/001D000000IqhSLIAZ", headers=auth)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


@pytest.mark.parametrize("body,code,fields", [
    ({"FirstName": "X"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
    ({"LastName": "X", "Nope__c": 1}, "INVALID_FIELD", None),  # real orgs send no fields
    ({"LastName": "X", "Name": "Y"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
    ({"LastName": "X", "Birthdate": "yesterday"}, "JSON_PARSER_ERROR", ["Birthdate"]),
    ({"LastName": "X" * 81}, "STRING_TOO_LONG", ["LastName"]),
    ({"LastName": "X", "AccountId": "bad-id"}, "MALFORMED_ID", ["AccountId"]),
    ({"LastName": "X", "AccountId": "001D000000IqhSLIAZ"}, "INVALID_CROSS_REFERENCE_KEY", ["AccountId"]),
    ({"LastName": "X", "AccountId": "003D000000IqhSLIAZ"}, "FIELD_INTEGRITY_EXCEPTION", ["AccountId"]),
    ({"LastName": "X", "Email": "nope"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
])
def test_create_validation_errors(client, auth, body, code, fields):
    response = client.post(f"{V}/sobjects/Contact", headers=auth, json=body)
    assert response.status_code == 400
    expected = {"message": response.json[0]["message"], "errorCode": code}
    assert response.json == [expected if fields is None else {**expected, "fields": fields}]


def test_restricted_picklist_value_is_refused(client, auth):
    response = client.post(f"{V}/sobjects/Opportunity", headers=auth, json={
        "Name": "Deal", "StageName": "Dreaming", "CloseDate": "2025-01-01"})
    assert error_code(response) == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_create_unknown_object_is_not_found(client, auth):
    assert error_code(client.post(f"{V}/sobjects/Nope__c", headers=auth, json={})) == "NOT_FOUND"


def test_body_that_is_not_json_is_json_parser_error(client, auth):
    response = client.post(f"{V}/sobjects/Contact", headers=auth, data="{nope",
                           content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "JSON_PARSER_ERROR"


def test_unknown_route_is_not_found_envelope(client, auth):
    response = client.get(f"{V}/nothing/here", headers=auth)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


def test_wrong_method_is_method_not_allowed(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    response = client.put(f"{V}/sobjects/Account/{new_id}", headers=auth, json={})
    assert response.status_code == 405 and error_code(response) == "METHOD_NOT_ALLOWED"


class TestUpsert:
    @pytest.fixture(autouse=True)
    def external_id_field(self, client, control):
        response = client.post("/_mock/orgs/org1/fields/Contact", headers=control, json={
            "name": "Ext_Id__c", "type": "string", "length": 40, "externalId": True})
        assert response.status_code == 201

    def test_upsert_creates_with_201(self, client, auth):
        response = client.patch(f"{V}/sobjects/Contact/Ext_Id__c/E1", headers=auth,
                                json={"LastName": "New"})
        assert response.status_code == 201
        assert response.json["created"] is True and response.json["success"] is True

    def test_upsert_updates_with_200(self, client, auth):
        first = client.patch(f"{V}/sobjects/Contact/Ext_Id__c/E1", headers=auth, json={"LastName": "A"})
        second = client.patch(f"{V}/sobjects/Contact/Ext_Id__c/E1", headers=auth, json={"LastName": "B"})
        assert second.status_code == 200 and second.json["created"] is False
        assert second.json["id"] == first.json["id"]
        assert client.get(f"{V}/sobjects/Contact/{first.json['id']}", headers=auth).json["LastName"] == "B"

    def test_upsert_before_v46_updates_with_204_and_no_body(self, client, auth):
        old = "/services/data/v26.0"
        first = client.patch(f"{old}/sobjects/Contact/Ext_Id__c/E1", headers=auth, json={"LastName": "A"})
        assert first.status_code == 201
        assert first.json == {"id": first.json["id"], "success": True, "errors": []}
        assert first.headers["Location"] == f"{old}/sobjects/Contact/{first.json['id']}"
        second = client.patch(f"{old}/sobjects/Contact/Ext_Id__c/E1", headers=auth, json={"LastName": "B"})
        assert second.status_code == 204 and second.data == b""

    def test_upsert_with_several_matches_is_300(self, client, auth):
        create(client, auth, "Contact", {"LastName": "A", "Ext_Id__c": "DUP"})
        create(client, auth, "Contact", {"LastName": "B", "Ext_Id__c": "DUP"})
        response = client.patch(f"{V}/sobjects/Contact/Ext_Id__c/DUP", headers=auth, json={"LastName": "C"})
        assert response.status_code == 300 and len(response.json) == 2
        assert all(url.startswith(f"{V}/sobjects/Contact/003") for url in response.json)

    def test_get_by_external_id(self, client, auth):
        new_id = create(client, auth, "Contact", {"LastName": "A", "Ext_Id__c": "K9"})
        assert client.get(f"{V}/sobjects/Contact/Ext_Id__c/K9", headers=auth).json["Id"] == new_id

    def test_get_upsert_and_delete_find_a_number_external_id_alike(self, client, auth, control):
        # One lookup serves all three: the URL's text is read as the field's type each time.
        client.post("/_mock/orgs/org1/fields/Contact", headers=control, json={
            "name": "Badge__c", "type": "double", "precision": 18, "scale": 0, "externalId": True})
        created = client.patch(f"{V}/sobjects/Contact/Badge__c/42", headers=auth, json={"LastName": "A"})
        assert created.status_code == 201
        assert client.get(f"{V}/sobjects/Contact/Badge__c/42", headers=auth).json["Id"] == created.json["id"]
        updated = client.patch(f"{V}/sobjects/Contact/Badge__c/42", headers=auth, json={"LastName": "B"})
        assert (updated.status_code, updated.json["id"]) == (200, created.json["id"])
        assert client.delete(f"{V}/sobjects/Contact/Badge__c/42", headers=auth).status_code == 204
        assert client.get(f"{V}/sobjects/Contact/Badge__c/42", headers=auth).status_code == 404

    def test_get_and_delete_by_id_as_an_external_id(self, client, auth):
        new_id = create(client, auth, "Contact", {"LastName": "A"})
        assert client.get(f"{V}/sobjects/Contact/Id/{new_id[:15]}", headers=auth).json["Id"] == new_id
        assert client.delete(f"{V}/sobjects/Contact/Id/{new_id}", headers=auth).status_code == 204
        assert client.get(f"{V}/sobjects/Contact/Id/{new_id}", headers=auth).status_code == 404

    def test_upsert_on_a_field_that_is_not_external_is_not_found(self, client, auth):
        response = client.patch(f"{V}/sobjects/Contact/LastName/X", headers=auth, json={})
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


def test_describe_sends_etag_and_last_modified_and_honours_if_none_match(client, auth):
    response = client.get(f"{V}/sobjects/Account/describe", headers=auth)
    assert response.status_code == 200 and response.headers["Last-Modified"].endswith(" GMT")
    etag = response.headers["ETag"]
    again = client.get(f"{V}/sobjects/Account/describe", headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_record_get_sends_etag_and_last_modified(client, auth):
    new_id = create(client, auth, "Account", {"Name": "Acme"})
    response = client.get(f"{V}/sobjects/Account/{new_id}", headers=auth)
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('="')
    assert response.headers["Last-Modified"].endswith(" GMT")
