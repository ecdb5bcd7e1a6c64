"""More orgs on one running server, and its login-host listeners, as the pytest plugin offers them."""
import pytest
import requests

FAILURE = {"error": "invalid_grant", "error_description": "authentication failure"}


def test_a_second_org_keeps_its_own_records(salesforce_org):
    other = salesforce_org.create_org("Other", "admin@other.example", "other-pw")
    other.client().Contact.create({"LastName": "Kim", "Email": "k@x.org"})
    salesforce_org.client().Contact.create({"LastName": "Lee", "Email": "l@x.org"})
    assert [r["LastName"] for r in other.client().query("SELECT LastName FROM Contact")["records"]] == ["Kim"]
    mine = salesforce_org.client().query("SELECT LastName FROM Contact")["records"]
    assert [r["LastName"] for r in mine] == ["Lee"]
    assert other.id != salesforce_org.default_org.id and other.key == "org2"


def test_a_second_org_has_its_own_connected_app(salesforce_org):
    callback = "http://127.0.0.1:9999/callback"
    other = salesforce_org.create_org("Other", "admin@other.example", "other-pw", callback_urls=[callback])
    app = salesforce_org.control("GET", f"apps/{other.client_id}").json()
    assert app["org_id"] == other.id and app["callback_urls"] == [callback]
    assert other.client_id != salesforce_org.config.client_id


def test_the_next_reset_removes_the_second_org(salesforce_org):
    salesforce_org.create_org("Other", "admin@other.example", "other-pw")
    salesforce_org.registry.reset()
    assert [o["key"] for o in salesforce_org.control("GET", "orgs").json()] == ["org1"]


def test_a_sandbox_admin_logs_in_at_the_sandbox_host_only(salesforce_org):
    sandbox = salesforce_org.create_org("Acme UAT", "admin@acme.example", "uat-pw", sandbox=True,
                                        sandbox_name="uat")
    assert sandbox.is_sandbox and sandbox.username == "admin@acme.example.uat"
    assert sandbox.token(salesforce_org.login_host("test"))["access_token"]
    refused = salesforce_org.session().post(
        f"{salesforce_org.login_host('login')}/services/oauth2/token",
        data={"grant_type": "password", "client_id": sandbox.client_id,
              "client_secret": sandbox.client_secret, "username": sandbox.username,
              "password": sandbox.password})
    assert refused.status_code == 400 and refused.json() == FAILURE


def test_a_production_admin_is_refused_at_the_sandbox_host(salesforce_org):
    production = salesforce_org.default_org
    assert production.token(salesforce_org.login_host("login"))["access_token"]
    with pytest.raises(requests.HTTPError) as refused:
        production.token(salesforce_org.login_host("test"))
    assert refused.value.response.status_code == 400 and refused.value.response.json() == FAILURE


def test_login_hosts_are_started_once(salesforce_org):
    assert salesforce_org.login_host("test") == salesforce_org.login_host("test")
    assert salesforce_org.login_host("test") != salesforce_org.login_host("login")
