"""``/services/Soap/u/{version}``: the partner API's ``login()`` and ``logout()`` calls.

simple-salesforce reads ``sessionId`` and ``serverUrl`` by literal tag name (so they are
unprefixed, in the default namespace) and ``sf:exceptionCode`` on faults; jsforce reads
``serverUrl``, ``sessionId``, ``userId``, ``organizationId`` and ``faultstring`` by regex.
Other partner calls answer with an ``INVALID_OPERATION`` fault.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request

from ..backend.oauth.logins import LoginFault, SoapSession, soap_login, soap_logout
from .common import base_url, registry
from .identity import login_context

bp = Blueprint("soap", __name__, url_prefix="/services/Soap/u")
SOAP_VERSION = re.compile(r"^\d{2,3}\.\d$")
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>')
FAULT = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
         'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
         'xmlns:sf="urn:fault.partner.soap.sforce.com" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
         '<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail>'
         '<sf:{kind} xsi:type="sf:{kind}"><sf:exceptionCode>{code}</sf:exceptionCode>'
         '<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:{kind}></detail>'
         '</soapenv:Fault></soapenv:Body></soapenv:Envelope>')


def _xml(body: str, status: int = 200) -> Response:
    # Recorded (grouparoo's nock fixtures of a real org): exactly "text/xml; charset=utf-8".
    return Response(body, status=status, headers={"Content-Type": "text/xml; charset=utf-8"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _envelope():
    """The parsed request envelope: (header element or None, the call element)."""
    data = request.get_data()
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise LoginFault("INVALID_REQUEST", "DOCTYPE is not allowed")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise LoginFault("INVALID_REQUEST", "the request is not a SOAP envelope") from None
    header = next((e for e in root if _local(e.tag) == "Header"), None)
    body = next((e for e in root if _local(e.tag) == "Body"), None)
    call = next(iter(body), None) if body is not None else None
    if call is None:
        raise LoginFault("INVALID_REQUEST", "the SOAP body is empty")
    return header, call


def _login_result(session: SoapSession, version: str) -> str:
    base, user, org = base_url(), session.user, session.org
    name = escape(f"{user.first_name} {user.last_name}".strip() or user.username)
    return ("<loginResponse><result>"
            f"<metadataServerUrl>{base}/services/Soap/m/{version}/{org.id}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired>"
            f"<sandbox>{'true' if org.is_sandbox else 'false'}</sandbox>"
            f"<serverUrl>{base}/services/Soap/u/{version}/{org.id}</serverUrl>"
            f"<sessionId>{escape(session.session_id)}</sessionId><userId>{user.id}</userId>"
            "<userInfo><accessibilityMode>false</accessibilityMode>"
            "<chatterExternal>false</chatterExternal><currencySymbol>$</currencySymbol>"
            "<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>"
            "<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>"
            "<orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale>"
            "<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>"
            "<orgHasPersonAccounts>false</orgHasPersonAccounts>"
            f"<organizationId>{org.id}</organizationId>"
            "<organizationMultiCurrency>false</organizationMultiCurrency>"
            f"<organizationName>{escape(org.name)}</organizationName>"
            "<profileId>00e000000000000AAA</profileId><roleId xsi:nil=\"true\"/>"
            f"<sessionSecondsValid>{session.timeout}</sessionSecondsValid>"
            "<userDefaultCurrencyIsoCode xsi:nil=\"true\"/>"
            f"<userEmail>{escape(user.email)}</userEmail><userFullName>{name}</userFullName>"
            f"<userId>{user.id}</userId><userLanguage>en_US</userLanguage>"
            f"<userLocale>en_US</userLocale><userName>{escape(user.username)}</userName>"
            "<userTimeZone>GMT</userTimeZone><userType>Standard</userType>"
            "<userUiSkin>Theme3</userUiSkin></userInfo></result></loginResponse>")


@bp.post("/<version>")
@bp.post("/<version>/<org_id>")
def call(version: str, org_id: str | None = None):
    """Dispatch ``login`` and ``logout`` (any other call is refused with a fault)."""
    if not SOAP_VERSION.match(version):
        raise LoginFault("UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}")
    header, element = _envelope()
    operation = _local(element.tag)
    if operation == "login":
        scope = _child_text(header, "organizationId") if header is not None else None
        session = soap_login(registry().grants, _child_text(element, "username"),
                             _child_text(element, "password"), scope, login_context())
        return _xml(ENVELOPE.format(body=_login_result(session, version)))
    if operation == "logout":
        session_id = _child_text(header, "sessionId") if header is not None else None
        soap_logout(registry().grants, session_id)
        return _xml(ENVELOPE.format(body="<logoutResponse/>"))
    raise LoginFault("INVALID_OPERATION", f"the mock does not implement {operation}()")


@bp.errorhandler(LoginFault)
def fault(error: LoginFault):
    """A SOAP fault (HTTP 500), shaped like Salesforce's ``LoginFault``/``UnexpectedErrorFault``."""
    kind = "LoginFault" if error.exception_code == "INVALID_LOGIN" else "UnexpectedErrorFault"
    return _xml(FAULT.format(code=error.exception_code, message=escape(error.message), kind=kind),
                status=500)
