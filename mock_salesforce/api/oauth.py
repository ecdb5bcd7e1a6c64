"""``/services/oauth2``: token, authorize (login and Allow pages), revoke and introspect.

The grants, codes and policies live in ``backend/oauth``; this blueprint only reads requests and
writes responses. Authorize errors are pages or redirects (rendered by the handler below); token
errors are ``{"error", "error_description"}`` (rendered by ``app.py``).
"""
from __future__ import annotations

import base64
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from ..backend.oauth.codes import AuthorizationCodes, AuthorizeError, AuthorizeRequest
from ..backend.oauth.identity import introspection
from ..errors import OAuthError
from .common import base_url, registry
from .identity import current_visitor, logged_in_user, login_context, web_sessions, with_cookie

bp = Blueprint("oauth", __name__, url_prefix="/services/oauth2")
NO_STORE = "no-cache,must-revalidate,max-age=0,no-store,private"
SCOPE_LABELS = {"api": "Access and manage your data (api)",
                "refresh_token": "Perform requests on your behalf at any time (refresh_token, "
                                 "offline_access)",
                "offline_access": "Perform requests on your behalf at any time (refresh_token, "
                                  "offline_access)",
                "web": "Provide access to your data via the Web (web)",
                "full": "Full access (full)", "id": "Access your basic information (id, profile, "
                                                    "email, address, phone)",
                "openid": "Access unique user identifiers (openid)"}


def token_form() -> dict:
    """The form fields, with client credentials from HTTP Basic auth when sent that way."""
    form = request.form.to_dict()
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
        form.setdefault("client_id", client_id)
        form.setdefault("client_secret", secret)
    return form


@bp.post("/token")
def token():
    """Exchange credentials, a code, a refresh token or a JWT for an access token."""
    response = jsonify(registry().grants.token(token_form(), login_context()))
    response.headers["Cache-Control"] = NO_STORE
    return response


def _to_callback(uri: str, params: dict):
    """Redirect to the client's callback with ``params`` added to its own query."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return redirect(f"{uri}{'&' if '?' in uri else '?'}{query}", code=302)


def _issue(codes: AuthorizationCodes, authorize: AuthorizeRequest, user):
    code = codes.approve(authorize, user)
    return _to_callback(authorize.redirect_uri, {"code": code, "state": authorize.state})


@bp.get("/authorize")
def authorize():
    """Start the web-server flow: the login page, then the Allow page (or straight back)."""
    codes = AuthorizationCodes(registry())
    authorize_request = codes.check(request.args)
    visitor = current_visitor()
    user = logged_in_user(visitor, login_context())
    if user is None or "login" in authorize_request.prompt:
        # After logging in, come back without prompt=login, or the login page would loop.
        args = request.args.to_dict()
        args["prompt"] = " ".join(authorize_request.prompt - {"login"}) or None
        start = url_for("oauth.authorize", **{k: v for k, v in args.items() if v is not None})
        return with_cookie(render_template("login.html", csrf_token=visitor.csrf_token,
                                           start_url=start, app_name=authorize_request.app.name),
                           visitor)
    codes.admit(authorize_request, user, request.remote_addr)
    if not codes.needs_consent(authorize_request, user):
        return with_cookie(_issue(codes, authorize_request, user), visitor)
    scopes = list(dict.fromkeys(SCOPE_LABELS.get(s, s) for s in authorize_request.scope.split()))
    page = render_template("authorize.html", app=authorize_request.app, user=user, scopes=scopes,
                           fields=request.args.to_dict(), csrf_token=visitor.csrf_token)
    return with_cookie(page, visitor)


@bp.post("/authorize")
def decide():
    """The Allow page's answer: a code for the callback, or ``access_denied``."""
    codes = AuthorizationCodes(registry())
    fields = {k: v for k, v in request.form.items() if k not in ("_csrf", "decision")}
    authorize_request = codes.check(fields)
    visitor = current_visitor()
    user = logged_in_user(visitor, login_context())
    if user is None or not web_sessions().check_csrf(visitor, request.form.get("_csrf")):
        raise AuthorizeError("invalid_request", "the login session has expired or is invalid")
    codes.admit(authorize_request, user, request.remote_addr)
    if request.form.get("decision") != "allow":
        raise authorize_request.fail("access_denied", "end-user denied authorization")
    return with_cookie(_issue(codes, authorize_request, user), visitor)


@bp.errorhandler(AuthorizeError)
def authorize_error(error: AuthorizeError):
    """Untrusted callback: Salesforce's own error page. Trusted callback: the error goes there."""
    if error.redirect_uri is None:
        return redirect(f"/setup/secur/RemoteAccessErrorPage.apexp?"
                        f"{urlencode({'error': error.error, 'error_description': error.description})}")
    return _to_callback(error.redirect_uri, {"error": error.error,
                                             "error_description": error.description,
                                             "state": error.state})


@bp.route("/revoke", methods=["GET", "POST"])
def revoke():
    """Revoke an access token, or a refresh token and every access token it issued."""
    value = request.values.get("token")
    if not value or not registry().tokens.revoke(value):
        raise OAuthError("invalid_token", "invalid token")
    return "", 200


@bp.post("/introspect")
def introspect():
    """Whether a token is live, for an app of the same org (client credentials required)."""
    form = token_form()
    grants = registry().grants
    app = grants.authenticate_client(form.get("client_id"), form.get("client_secret"))
    tokens = registry().tokens
    token = tokens.find_value(form.get("token"))
    if token is None or token.org_id != app.org_id:
        return jsonify({"active": False})
    token_app = next((a for a in registry().apps(token.org_id) if a.id == token.app_id), None)
    if token.kind == "access":
        alive, expires = tokens.alive(token), token.last_used_at + token.idle_timeout * 1000
    else:
        ends = grants.refresh_expires_at(token_app, token) if token_app else None
        alive = not token.revoked and (ends is None or registry().clock.now() < ends)
        expires = int(ends.timestamp() * 1000) if ends else None
    user = grants.user_by_id(token.user_id)
    return jsonify(introspection(token, alive, token_app, user, base_url(), expires))
