"""SOAP ``login()`` and ``logout()`` of the partner API, in the shapes clients parse."""
from __future__ import annotations

from xml.dom import minidom

import pytest

SOAP = "/services/Soap/u/59.0"
V = "/services/data/v59.0"


def envelope(call: str, header: str = "") -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><env:Envelope '
            'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:urn="urn:partner.soap.sforce.com">'
            f'<env:Header>{header}</env:Header><env:Body>{call}</env:Body></env:Envelope>')


def login_call(username: str, password: str) -> str:
    return (f'<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{username}</n1:username>'
            f'<n1:password>{password}</n1:password></n1:login>')


@pytest.fixture
def soap_login(client, config):
    """A function posting a SOAP login (simple-salesforce's envelope) and returning the response."""
    def post(password: str = "test-password", header: str = "", **request):
        return client.post(SOAP, data=envelope(login_call(config.username, password), header),
                           headers={"SOAPAction": "login", "Content-Type": "text/xml"}, **request)
    return post


def text(response, tag: str) -> str:
    """An element's text, found by literal tag name the way simple-salesforce does it."""
    return minidom.parseString(response.get_data()).getElementsByTagName(tag)[0].firstChild.nodeValue


def test_login_returns_an_unprefixed_session_id_and_server_url(soap_login, app):
    response = soap_login()
    org = app.extensions["mock_salesforce"].default_org
    assert response.status_code == 200 and response.content_type == "text/xml; charset=utf-8"
    assert text(response, "sessionId").startswith("00D")
    assert text(response, "serverUrl") == f"http://localhost/services/Soap/u/59.0/{org.id}"


def test_login_carries_user_and_org_ids(soap_login, app):
    response = soap_login()
    org = app.extensions["mock_salesforce"].default_org
    assert text(response, "organizationId") == org.id and text(response, "userId").startswith("005")
    assert text(response, "passwordExpired") == "false" and text(response, "sandbox") == "false"


def test_session_id_is_a_rest_session(client, soap_login):
    session = text(soap_login(), "sessionId")
    assert client.get(f"{V}/limits", headers={"Authorization": f"Bearer {session}"}).status_code == 200


def test_wrong_password_is_an_invalid_login_fault(soap_login):
    response = soap_login(password="wrong")
    assert response.status_code == 500
    assert text(response, "sf:exceptionCode") == "INVALID_LOGIN"
    assert text(response, "faultstring") == ("INVALID_LOGIN: Invalid username, password, security "
                                             "token; or user locked out.")


def test_login_scoped_to_another_org_is_refused(soap_login):
    header = ('<urn:LoginScopeHeader><urn:organizationId>00D000000000099AAA</urn:organizationId>'
              '</urn:LoginScopeHeader>')
    assert text(soap_login(header=header), "sf:exceptionCode") == "INVALID_LOGIN"


def test_login_scoped_to_the_users_org(soap_login, app):
    org_id = app.extensions["mock_salesforce"].default_org.id
    header = f'<urn:LoginScopeHeader><urn:organizationId>{org_id}</urn:organizationId></urn:LoginScopeHeader>'
    assert soap_login(header=header).status_code == 200


def test_login_ip_ranges_apply_whatever_the_app_policy(client, control, config, soap_login):
    client.patch(f"/_mock/users/{config.username}", headers=control,
                 json={"trusted_ip_ranges": ["10.0.0.0/8"]})
    client.patch(f"/_mock/apps/{config.client_id}", headers=control, json={"ip_relaxation": "relax"})
    response = soap_login(environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert text(response, "sf:exceptionCode") == "INVALID_LOGIN"


def test_logout_ends_the_session(client, soap_login):
    session = text(soap_login(), "sessionId")
    header = f'<urn:SessionHeader><urn:sessionId>{session}</urn:sessionId></urn:SessionHeader>'
    response = client.post(SOAP, data=envelope('<logout xmlns="urn:partner.soap.sforce.com"/>', header),
                           content_type="text/xml")
    assert response.status_code == 200 and "<logoutResponse/>" in response.get_data(as_text=True)
    assert client.get(f"{V}/limits", headers={"Authorization": f"Bearer {session}"}).status_code == 401


def test_logout_with_a_bad_session_is_a_fault(client):
    header = '<urn:SessionHeader><urn:sessionId>00Dnope!x</urn:sessionId></urn:SessionHeader>'
    response = client.post(SOAP, data=envelope('<logout xmlns="urn:partner.soap.sforce.com"/>', header),
                           content_type="text/xml")
    assert response.status_code == 500
    assert text(response, "sf:exceptionCode") == "INVALID_SESSION_ID"


def test_other_partner_calls_are_refused(client):
    response = client.post(SOAP, data=envelope('<query xmlns="urn:partner.soap.sforce.com"/>'),
                           content_type="text/xml")
    assert text(response, "sf:exceptionCode") == "INVALID_OPERATION"


def test_doctype_is_refused(client):
    body = '<!DOCTYPE x [<!ENTITY a "b">]>' + envelope(login_call("&a;", "x"))
    response = client.post(SOAP, data=body, content_type="text/xml")
    assert response.status_code == 500 and text(response, "sf:exceptionCode") == "INVALID_REQUEST"


def test_not_xml_is_a_fault(client):
    response = client.post(SOAP, data="username=x", content_type="text/xml")
    assert response.status_code == 500 and text(response, "sf:exceptionCode") == "INVALID_REQUEST"
