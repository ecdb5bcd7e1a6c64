"""Unmodified simple-salesforce against the real threaded server over TLS."""
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (SalesforceExpiredSession, SalesforceMalformedRequest,
                                          SalesforceMoreThanOneRecord, SalesforceRefusedRequest,
                                          SalesforceResourceNotFound)


@pytest.fixture
def sf(salesforce_org):
    return salesforce_org.client()


def error_code(caught):
    return caught.value.content[0]["errorCode"]


def test_describe_global_and_object(sf):
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign",
            "CampaignMember", "Task", "Event", "User", "Organization"} <= names
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["Email"]["type"] == "email" and fields["AccountId"]["referenceTo"] == ["Account"]


def test_crud_round_trip(sf):
    created = sf.Account.create({"Name": "Acme", "NumberOfEmployees": 12})
    assert created["success"] is True and created["errors"] == []
    assert sf.Account.get(created["id"])["NumberOfEmployees"] == 12
    assert sf.Account.update(created["id"], {"Name": "Acme Ltd"}) == 204
    assert sf.Account.get(created["id"])["Name"] == "Acme Ltd"
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_upsert_created_updated_and_several(sf, salesforce_org):
    salesforce_org.control("POST", "orgs/org1/fields/Contact",
                           json={"name": "Ext__c", "type": "string", "externalId": True})
    assert sf.Contact.upsert("Ext__c/A1", {"LastName": "One"}) == 201
    assert sf.Contact.upsert("Ext__c/A1", {"LastName": "Uno"}) == 200
    assert sf.Contact.get_by_custom_id("Ext__c", "A1")["LastName"] == "Uno"
    sf.Contact.create({"LastName": "Two", "Ext__c": "B"})
    sf.Contact.create({"LastName": "Three", "Ext__c": "B"})
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Contact.upsert("Ext__c/B", {"LastName": "?"})


def test_collections_all_or_none_rolls_back(sf):
    records = [{"attributes": {"type": "Contact"}, "LastName": "Fine"},
               {"attributes": {"type": "Contact"}, "FirstName": "Broken"}]
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": True, "records": records})
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING"]
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True, False]
    assert sf.Contact.get(results[0]["id"])["LastName"] == "Fine"


def test_limits_and_usage_header(sf):
    sf.describe()
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 100000
    usage = sf.api_usage["api-usage"]
    assert usage.total == 100000 and usage.used == 2


def test_limit_exceeded_is_refused(sf, salesforce_org):
    salesforce_org.control("POST", "orgs/org1/usage", json={"used": 5, "limit": 5})
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.describe()
    assert error_code(caught) == "REQUEST_LIMIT_EXCEEDED"


def test_missing_token_is_401(salesforce_org):
    sf = Salesforce(instance_url=salesforce_org.url, session_id="", session=salesforce_org.session())
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.describe()
    assert error_code(caught) == "INVALID_SESSION_ID"


def test_expired_token_is_401(sf, salesforce_org):
    salesforce_org.control("POST", "clock", json={"advance": 7201})
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.Contact.describe()
    assert error_code(caught) == "INVALID_SESSION_ID"


@pytest.mark.parametrize("body,code", [
    ({"FirstName": "x"}, "REQUIRED_FIELD_MISSING"),
    ({"LastName": "x", "Nope__c": 1}, "INVALID_FIELD"),
    ({"LastName": "x", "Name": "y"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"LastName": "x", "Birthdate": "soon"}, "JSON_PARSER_ERROR"),
    ({"LastName": "x" * 100}, "STRING_TOO_LONG"),
    ({"LastName": "x", "AccountId": "123"}, "MALFORMED_ID"),
    ({"LastName": "x", "AccountId": "001D000000IqhSLIAZ"}, "INVALID_CROSS_REFERENCE_KEY"),
])
def test_validation_errors_reach_the_client(sf, body, code):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create(body)
    assert error_code(caught) == code


def test_restricted_picklist_error_reaches_the_client(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Task.create({"Status": "Sleeping"})
    assert error_code(caught) == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Nope__c.describe()
    assert error_code(caught) == "NOT_FOUND"


def test_environment_ca_bundle_trusts_the_mock(salesforce_org):
    # The plugin points REQUESTS_CA_BUNDLE at system CAs + the mock CA: plain requests works.
    response = requests.get(f"{salesforce_org.url}/services/data")
    assert response.status_code == 200


def test_many_concurrent_clients(salesforce_org):
    from concurrent.futures import ThreadPoolExecutor
    token = salesforce_org.token()

    def call(_):
        session = salesforce_org.session()
        return session.get(f"{salesforce_org.url}/services/data/v59.0/sobjects/Account/describe",
                           headers={"Authorization": f"Bearer {token['access_token']}"}).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(call, range(64))) == {200}
