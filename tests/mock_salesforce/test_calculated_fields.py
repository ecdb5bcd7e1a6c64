"""Formula and roll-up fields: read-only in the API, recalculated without moving any stamp."""
import pytest

from mock_salesforce.backend.ids import make_id

V = "/services/data/v59.0"
TIER = {"name": "Account_Tier__c", "type": "string", "calculated": True,
        "calculatedFormula": "TEXT(Account.Tier__c)"}


@pytest.fixture
def contact(client, control, auth) -> str:
    """A contact on an org whose Contact has the formula field ``Account_Tier__c``."""
    assert client.post("/_mock/orgs/org1/fields/Contact", headers=control, json=TIER).status_code == 201
    return client.post(f"{V}/sobjects/Contact", headers=auth, json={"LastName": "Lee"}).json["id"]


def recalculate(client, control, record_id, value, field="Account_Tier__c"):
    return client.post("/_mock/orgs/org1/calculated/Contact", headers=control,
                       json={"records": [{"Id": record_id, field: value}]})


def test_describe_says_calculated_and_read_only(client, auth, contact):
    fields = {f["name"]: f for f in client.get(f"{V}/sobjects/Contact/describe", headers=auth).json["fields"]}
    tier = fields["Account_Tier__c"]
    assert tier["calculated"] is True and tier["calculatedFormula"] == "TEXT(Account.Tier__c)"
    assert tier["createable"] is False and tier["updateable"] is False


def test_clients_cannot_write_a_calculated_field(client, auth, contact):
    response = client.patch(f"{V}/sobjects/Contact/{contact}", headers=auth,
                            json={"Account_Tier__c": "Gold"})
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_recalculation_changes_the_value_but_no_stamp(client, control, auth, contact):
    before = client.get(f"{V}/sobjects/Contact/{contact}", headers=auth).json
    client.post("/_mock/clock", headers=control, json={"advance": 600})
    assert recalculate(client, control, contact, "Platinum").status_code == 200
    after = client.get(f"{V}/sobjects/Contact/{contact}", headers=auth).json
    assert before["Account_Tier__c"] is None and after["Account_Tier__c"] == "Platinum"
    assert after["SystemModstamp"] == before["SystemModstamp"]
    assert after["LastModifiedDate"] == before["LastModifiedDate"]


def test_a_recalculated_value_is_not_in_a_modstamp_window(client, control, auth, contact):
    stamp = client.get(f"{V}/sobjects/Contact/{contact}", headers=auth).json["SystemModstamp"]
    client.post("/_mock/clock", headers=control, json={"advance": 600})
    recalculate(client, control, contact, "Platinum")
    since = stamp.replace(".000+0000", "Z")
    soql = f"SELECT Id FROM Contact WHERE SystemModstamp > {since}"
    assert client.get(f"{V}/query", headers=auth, query_string={"q": soql}).json["totalSize"] == 0


def test_only_calculated_fields_are_recalculated(client, control, contact):
    response = recalculate(client, control, contact, "Kim", field="LastName")
    assert response.status_code == 400 and "not a calculated field" in response.json["error"]


def test_recalculating_an_unknown_record_is_not_found(client, control, contact):
    missing = make_id("003", 999_999)
    assert recalculate(client, control, missing, "Gold").status_code == 404
