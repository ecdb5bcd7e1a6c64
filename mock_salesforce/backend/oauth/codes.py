"""The web-server flow: checking an authorize request, issuing codes, exchanging them.

Salesforce answers a bad ``client_id`` or a ``redirect_uri`` that is not registered (compared
character for character) on its own error page, never at the untrusted URI; every later error
goes to the callback as ``error`` and ``error_description``. A code lives 15 minutes on the org
clock, works once, and only for the client, redirect URI and PKCE verifier it was issued to.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session

from ...clock import to_millis
from ...errors import OAuthError
from .grants import Grants, LoginContext
from .models import AuthorizationCode, ConnectedApp, OAuthApproval, UserAccount, digest

CODE_LIFETIME_MS = 15 * 60 * 1000
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256, no padding


class AuthorizeError(OAuthError):
    """An authorize-endpoint error: on the error page when ``redirect_uri`` is None, else sent there."""

    def __init__(self, error: str, description: str, redirect_uri: str | None = None,
                 state: str | None = None) -> None:
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass
class AuthorizeRequest:
    """A checked ``/services/oauth2/authorize`` request."""

    app: ConnectedApp
    redirect_uri: str
    state: str | None
    scope: str
    code_challenge: str | None
    prompt: set[str] = field(default_factory=set)

    def fail(self, error: str, description: str) -> AuthorizeError:
        """An error for the client's callback."""
        return AuthorizeError(error, description, self.redirect_uri, self.state)


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class AuthorizationCodes:
    """Authorize requests, consent, codes and their exchange for tokens."""

    def __init__(self, registry) -> None:
        self.registry = registry
        self.grants: Grants = registry.grants

    def _now(self) -> int:
        return to_millis(self.registry.clock.now())

    def check(self, args: Mapping[str, str]) -> AuthorizeRequest:
        """Validate the query of an authorize request (raises :class:`AuthorizeError`)."""
        try:
            app = self.grants.app(args.get("client_id"))
        except OAuthError:
            raise AuthorizeError("invalid_client_id", "client identifier invalid") from None
        redirect_uri = args.get("redirect_uri", "")
        if redirect_uri not in app.callback_urls:
            raise AuthorizeError("redirect_uri_mismatch", "redirect_uri must match configuration")
        state = args.get("state")
        request = AuthorizeRequest(app, redirect_uri, state, "", None,
                                   set(args.get("prompt", "").split()))
        if args.get("response_type") != "code":
            raise request.fail("unsupported_response_type", "response type not supported")
        requested = args.get("scope", "").split()
        if any(scope not in app.scopes and scope not in ("id", "openid") for scope in requested):
            raise request.fail("invalid_scope", "the requested scope is not allowed")
        request.scope = " ".join(requested) if requested else " ".join(app.scopes)
        challenge = args.get("code_challenge")
        if challenge is not None:
            if args.get("code_challenge_method", "S256") != "S256" or not _CHALLENGE.match(challenge):
                raise request.fail("invalid_request", "invalid code_challenge")
            request.code_challenge = challenge
        return request

    def admit(self, request: AuthorizeRequest, user: UserAccount, ip: str | None) -> None:
        """Permitted Users and IP Relaxation for the logged-in user (errors go to the callback)."""
        try:
            self.grants.check_access(request.app, user, LoginContext("", ip), "authorization_code")
        except OAuthError as error:
            raise request.fail("access_denied", error.description) from None

    def needs_consent(self, request: AuthorizeRequest, user: UserAccount) -> bool:
        """Whether to show the Allow page (first use, or ``prompt=consent``)."""
        return "consent" in request.prompt or not self.grants.approved(request.app, user)

    def approve(self, request: AuthorizeRequest, user: UserAccount) -> str:
        """Record the user's Allow and issue a code for the callback."""
        now = self._now()
        with Session(self.registry.engine) as session:
            approval = session.get(OAuthApproval, (request.app.id, user.id))
            if approval is None:
                approval = OAuthApproval(app_id=request.app.id, user_id=user.id, approved_at=now)
            approval.scope, approval.approved_at = request.scope, now
            session.add(approval)
            value = "aPrx" + secrets.token_urlsafe(48)
            session.add(AuthorizationCode(
                digest=digest(value), app_id=request.app.id, org_id=user.org_id, user_id=user.id,
                redirect_uri=request.redirect_uri, code_challenge=request.code_challenge,
                scope=request.scope, issued_at=now, expires_at=now + CODE_LIFETIME_MS))
            session.commit()
        return value

    def _redeem(self, value: str | None, app: ConnectedApp) -> AuthorizationCode:
        """Use a code up: any exchange attempt spends it, so a guessed verifier gets one try."""
        invalid = OAuthError("invalid_grant", "invalid authorization code")
        if not value:
            raise invalid
        key = digest(value)
        with Session(self.registry.engine) as session:
            code = session.get(AuthorizationCode, key)
            if code is None or code.app_id != app.id:
                raise invalid
            session.expunge(code)
            spent = session.exec(update(AuthorizationCode)
                                 .where(AuthorizationCode.digest == key,
                                        AuthorizationCode.used == False)  # noqa: E712
                                 .values(used=True))
            session.commit()
        if spent.rowcount != 1:
            raise invalid
        if self._now() >= code.expires_at:
            raise OAuthError("invalid_grant", "expired authorization code")
        return code

    def exchange(self, form: dict, ctx: LoginContext) -> dict:
        """``grant_type=authorization_code``: the code (with its URI and verifier) for tokens."""
        app = self.grants.app(form.get("client_id"))
        self.grants.authenticate_client(app.client_id, form.get("client_secret"),
                                        required=app.require_secret_web_server)
        code = self._redeem(form.get("code"), app)
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        verifier = form.get("code_verifier")
        if code.code_challenge is not None or verifier is not None:
            if not verifier or code.code_challenge is None or \
                    not hmac.compare_digest(s256(verifier), code.code_challenge):
                raise OAuthError("invalid_grant", "invalid code verifier")
        user = self.grants.user_by_id(code.user_id)
        if user is None:
            raise OAuthError("invalid_grant", "invalid authorization code")
        scopes = code.scope.split()
        refresh = "refresh_token" in scopes or "offline_access" in scopes
        return self.grants.token_response(app, user, ctx, code.scope, refresh=refresh)
