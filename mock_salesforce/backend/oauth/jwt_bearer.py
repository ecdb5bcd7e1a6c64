"""The JWT bearer grant: an RS256 assertion signed with the key of the app's uploaded certificate.

Claims as Salesforce reads them: ``iss`` the consumer key, ``sub`` the username, ``aud`` the
login URL (``https://login.salesforce.com``, ``https://test.salesforce.com`` for sandboxes, or
the org's own host), ``exp`` checked on the org clock. The user must have approved the app
before (or be pre-authorized by an admin); no refresh token is issued.
"""
from __future__ import annotations

import jwt
from cryptography import x509

from ...errors import OAuthError
from . import hosts
from .grants import Grants, LoginContext, authentication_failure

EXPIRED = ("invalid_grant", "expired authorization code")


def _grant_error(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def public_key_of(certificate_pem: str):
    """The public key of a PEM X.509 certificate (ValueError when it is not one)."""
    return x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()


def jwt_bearer(grants: Grants, form: dict, ctx: LoginContext) -> dict:
    """``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``."""
    assertion = form.get("assertion") or ""
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _grant_error("invalid assertion") from None
    app = grants.app(str(unverified.get("iss") or ""))
    if not app.certificate_pem:
        raise _grant_error("invalid assertion")
    try:
        # exp is checked below against the org clock, not the machine's.
        claims = jwt.decode(assertion, public_key_of(app.certificate_pem), algorithms=["RS256"],
                            options={"verify_exp": False, "verify_aud": False,
                                     "verify_iat": False, "verify_nbf": False})
    except (jwt.PyJWTError, ValueError):
        raise _grant_error("invalid assertion") from None
    try:
        expires = float(claims["exp"])
    except (KeyError, TypeError, ValueError):
        raise _grant_error("invalid assertion") from None
    if expires <= grants.registry.clock.now().timestamp():
        raise OAuthError(*EXPIRED)
    user = grants.find_user(str(claims.get("sub") or ""))
    if user is None or user.org_id != app.org_id:
        raise _grant_error("user hasn't approved this consumer")
    is_sandbox = grants.org_record(user.org_id).is_sandbox
    audience = claims.get("aud") or ""
    accepts = hosts.audiences(ctx.domain, is_sandbox, ctx.base_url)
    if not any(accepts(aud) for aud in (audience if isinstance(audience, list) else [audience])):
        raise _grant_error("audience is invalid")
    if not grants.admits_host(user, ctx):
        raise authentication_failure()
    if not grants.approved(app, user):
        raise _grant_error("user hasn't approved this consumer")
    grants.check_access(app, user, ctx, "jwt_bearer")
    return grants.token_response(app, user, ctx, " ".join(s for s in app.scopes
                                                          if s != "refresh_token"))
