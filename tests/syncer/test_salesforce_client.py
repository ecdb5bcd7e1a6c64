"""The syncer's Salesforce client against the real mock: retries, refresh, budget, errors."""
import pytest

from syncer.salesforce import (ApiLimitError, AuthError, FatalError, SalesforceClient, make_session,
                               parse_limit_info)

from configs import credentials


@pytest.mark.parametrize("header,expected", [
    ("api-usage=10/15000", (10, 15000)),
    ("api-usage=10/15000; api-bursts=2/10", (10, 15000)),
    ("per-app-api-usage=1/5(appName=x); api-usage=7/100", (7, 100)),
    ("nonsense", None), (None, None),
])
def test_limit_info_is_parsed_tolerantly(header, expected):
    assert parse_limit_info(header) == expected


@pytest.fixture
def client(salesforce_org):
    return SalesforceClient(credentials(salesforce_org),
                            session=make_session(verify=str(salesforce_org.ca_path)))


def test_query_pages_and_usage(client, salesforce_org):
    sf = salesforce_org.client()
    sf.Account.create({"Name": "Acme"})
    pages = list(client.query_pages("SELECT Id, Name FROM Account"))
    assert [r["Name"] for r in pages[0]] == ["Acme"] and "attributes" not in pages[0][0]
    assert client.usage.limit == 100000 and client.usage.used >= 1
    assert client.server_time is not None


def test_expired_session_is_refreshed_once(client, salesforce_org):
    client.describe("Account")
    first_token = client.credentials.access_token
    salesforce_org.control("POST", "clock", json={"advance": 7300})
    assert client.describe("Account")["name"] == "Account"
    assert client.credentials.access_token != first_token


def test_server_errors_are_retried(client, salesforce_org):
    salesforce_org.control("POST", "faults", json={"kind": "500", "count": 2})
    assert client.describe("Account")["name"] == "Account"


def test_limit_exceeded_is_an_api_limit_error(client, salesforce_org):
    client.describe("Account")
    salesforce_org.control("POST", "orgs/org1/usage", json={"used": 10, "limit": 10})
    with pytest.raises(ApiLimitError):
        client.describe("Account")


def test_bad_query_is_fatal_with_its_error_code(client):
    with pytest.raises(FatalError) as caught:
        list(client.query_pages("SELECT Nope FROM Account"))
    assert caught.value.error_code == "INVALID_FIELD"


def test_wrong_password_is_an_auth_error(client):
    client.credentials.password = "wrong"
    with pytest.raises(AuthError, match="invalid_grant"):
        client.describe("Account")
