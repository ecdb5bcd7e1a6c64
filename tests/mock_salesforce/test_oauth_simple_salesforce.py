"""simple-salesforce, unmodified, logging in to the TLS mock by SOAP, OAuth password and JWT."""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed


def domain(server, path: str) -> str:
    """simple-salesforce builds https://{domain}.salesforce.com/...; '#' turns the rest into a fragment."""
    return f"{server.host}:{server.port}{path}#"


def soap_client(server) -> Salesforce:
    return Salesforce(username=server.config.username, password=server.config.password,
                      security_token="", domain=domain(server, "/services/Soap/u/59.0"),
                      session=server.session())


def test_soap_login_session_reads_data(salesforce_org):
    sf = soap_client(salesforce_org)
    assert sf.sf_instance == f"127.0.0.1:{salesforce_org.port}"
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


def test_soap_session_is_renewed_after_it_expires(salesforce_org):
    sf = soap_client(salesforce_org)
    first = sf.session_id
    sf.limits()
    salesforce_org.registry.clock.advance(salesforce_org.config.session_timeout + 1)
    assert sf.limits()["DailyApiRequests"]["Max"] > 0  # 401 INVALID_SESSION_ID → re-login
    assert sf.session_id != first


def test_soap_login_with_wrong_password_raises(salesforce_org):
    with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
        Salesforce(username=salesforce_org.config.username, password="wrong", security_token="",
                   domain=domain(salesforce_org, "/services/Soap/u/59.0"),
                   session=salesforce_org.session())


def test_oauth_password_login(salesforce_org):
    config = salesforce_org.config
    sf = Salesforce(username=config.username, password=config.password,
                    consumer_key=config.client_id, consumer_secret=config.client_secret,
                    domain=domain(salesforce_org, "/services/oauth2/token"),
                    session=salesforce_org.session())
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


def test_jwt_login_with_an_uploaded_certificate(salesforce_org):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ss-jwt")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    config = salesforce_org.config
    salesforce_org.session().put(f"{salesforce_org.url}/_mock/apps/{config.client_id}/certificate",
                                 headers={"X-Mock-Secret": config.control_secret},
                                 data=cert.public_bytes(serialization.Encoding.PEM)).raise_for_status()
    salesforce_org.control("PATCH", f"apps/{config.client_id}", json={
        "permitted_users": "admin_approved", "preauthorized_users": [config.username]})
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sf = Salesforce(username=config.username, consumer_key=config.client_id, privatekey=pem,
                    domain=domain(salesforce_org, "/services/oauth2/token"),
                    session=salesforce_org.session())
    assert sf.limits()["DailyApiRequests"]["Max"] > 0
