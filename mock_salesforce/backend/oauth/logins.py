"""Logins without a connected app: the SOAP ``login()``/``logout()`` calls and the login form.

They answer to the user's own login IP ranges (no app policy can relax them) and to the login
host's kind: production users at ``login``, sandbox users at ``test``, anyone at My Domain.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import OAuthError, SalesforceError
from . import policies
from .grants import Grants, LoginContext
from .models import OrgRecord, UserAccount

INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


class LoginFault(Exception):
    """A SOAP fault: ``sf:exceptionCode`` and ``sf:exceptionMessage``."""

    def __init__(self, exception_code: str, message: str) -> None:
        super().__init__(f"{exception_code}: {message}")
        self.exception_code = exception_code
        self.message = message


@dataclass
class SoapSession:
    """What a SOAP login returns: the user, the org and the session id (an access token)."""

    user: UserAccount
    org: OrgRecord
    session_id: str
    timeout: int


def credentials_ok(grants: Grants, username: str | None, password: str | None,
                   ctx: LoginContext) -> UserAccount | None:
    """The user, when the password, login host and login IP ranges all let them in."""
    try:
        user = grants.user(username, password)
    except OAuthError:
        return None
    if not grants.admits_host(user, ctx) or \
            not policies.ip_in_ranges(ctx.ip, user.trusted_ip_ranges):
        return None
    return user


def soap_login(grants: Grants, username: str | None, password: str | None,
               organization_id: str | None, ctx: LoginContext) -> SoapSession:
    """``login()``: a session id for a user, optionally scoped to one org (LoginScopeHeader)."""
    user = credentials_ok(grants, username, password, ctx)
    if user is None or (organization_id and organization_id[:15] != user.org_id[:15]):
        raise LoginFault("INVALID_LOGIN", INVALID_LOGIN)
    timeout = grants.registry.config.session_timeout
    session_id = grants.registry.tokens.issue_access(user.org_id, user.id, None, timeout, "api web")
    return SoapSession(user, grants.org_record(user.org_id), session_id, timeout)


def soap_logout(grants: Grants, session_id: str | None) -> None:
    """``logout()``: end the session named in the SessionHeader."""
    tokens = grants.registry.tokens
    try:
        tokens.check_access(session_id)
    except SalesforceError:
        raise LoginFault("INVALID_SESSION_ID",
                         "Invalid Session ID found in SessionHeader: Illegal Session") from None
    tokens.revoke(session_id)
