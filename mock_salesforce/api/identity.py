"""Who is calling: the login form and browser session, the front door from an API session into
the browser, the identity URL and OpenID userinfo.

The identity service answers a bad token with a bare ``403 Bad_OAuth_Token`` (text, not JSON),
as Salesforce does; that one rendering lives in this blueprint's error handler.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from ..backend import ids
from ..backend.oauth import hosts
from ..backend.oauth.grants import LoginContext
from ..backend.oauth.identity import identity_document, userinfo
from ..backend.oauth.logins import credentials_ok
from ..backend.oauth.sessions import Visitor, WebSessions
from ..clock import to_millis
from ..errors import SalesforceError
from .common import base_url, registry

bp = Blueprint("identity", __name__)
COOKIE = "sid"
LOGIN_FAILED = ("Please check your username and password. If you still can't log in, "
                "contact your Salesforce administrator.")


class BadOAuthToken(Exception):
    """The identity service's refusal of a missing, expired or foreign token."""


def login_context() -> LoginContext:
    """The URL, IP and login host (production, sandbox or My Domain) of this request."""
    return LoginContext(base_url(), request.remote_addr,
                        hosts.login_domain(request.host, request.environ.get(hosts.ENVIRON_KEY)))


def web_sessions() -> WebSessions:
    """The browser sessions of this server."""
    backend = registry()
    return WebSessions(backend.engine, backend.clock, backend.config.session_timeout)


def current_visitor() -> Visitor:
    """The browser's session (a new anonymous one when it has none)."""
    return web_sessions().visitor(request.cookies.get(COOKIE))


def logged_in_user(visitor: Visitor, ctx: LoginContext):
    """The visitor's user, if logged in and welcome at this login host."""
    if not visitor.user_id:
        return None
    grants = registry().grants
    user = grants.user_by_id(visitor.user_id)
    return user if user is not None and grants.admits_host(user, ctx) else None


def with_cookie(body, visitor: Visitor) -> Response:
    """A response that (re)sets the session cookie when the session is new."""
    response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    if visitor.created:
        response.set_cookie(COOKIE, visitor.sid, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/")
    return response


def safe_start(url: str | None, default: str = "/setup/home") -> str:
    """A local path to go to after login (never another site: no open redirect)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


@bp.route("/", methods=["GET", "POST"])
def login():
    """The login page; a successful POST starts a browser session and goes to ``startURL``."""
    visitor = current_visitor()
    start = safe_start(request.values.get("startURL"))
    if request.method == "GET":
        if visitor.user_id and logged_in_user(visitor, login_context()):
            return redirect(start)
        return with_cookie(render_template("login.html", csrf_token=visitor.csrf_token,
                                           start_url=start), visitor)
    sessions = web_sessions()
    if not sessions.check_csrf(visitor, request.form.get("_csrf")):
        page = render_template("login.html", csrf_token=visitor.csrf_token, start_url=start,
                               error="Your session has expired. Please log in again.")
        return with_cookie(Response(page, status=403, mimetype="text/html"), visitor)
    user = credentials_ok(registry().grants, request.form.get("username"),
                          request.form.get("pw"), login_context())
    if user is None:
        page = render_template("login.html", csrf_token=visitor.csrf_token, start_url=start,
                               error=LOGIN_FAILED, username=request.form.get("username", ""))
        return with_cookie(page, visitor)
    return with_cookie(redirect(start), sessions.log_in(visitor, user.id, user.org_id))


@bp.get("/secur/logout.jsp")
def logout():
    """End the browser session."""
    web_sessions().end(request.cookies.get(COOKIE))
    response = redirect("/")
    response.delete_cookie(COOKIE, path="/")
    return response


@bp.route("/services/oauth2/singleaccess", methods=["GET", "POST"])
def single_access():
    """A one-time front-door URL that logs a browser in as the token's user (``sf org open``)."""
    principal = _principal(_bearer())
    start = request.values.get("redirect_uri")
    otp = registry().front_door.issue(principal.user_id, principal.org_id,
                                      safe_start(start, default=None) if start else None)
    return jsonify({"frontdoor_uri": f"{base_url()}/secur/frontdoor.jsp?otp={otp}"})


@bp.get("/secur/frontdoor.jsp")
def front_door():
    """Log the browser in from ``?otp=`` (single use) or ``?sid=`` (an access token), then go to
    ``startURL`` / ``retURL``; anything else lands on the login page, as Salesforce does."""
    backend = registry()
    if request.args.get("otp"):
        found = backend.front_door.redeem(request.args["otp"])
        user_id, org_id, start = (found.user_id, found.org_id, found.start) if found else (None,) * 3
    else:
        try:
            principal = backend.tokens.check_access(request.args.get("sid"))
        except SalesforceError:
            principal = None
        user_id, org_id, start = (principal.user_id, principal.org_id, None) if principal \
            else (None,) * 3
    if user_id is None:
        return redirect("/")
    target = safe_start(request.args.get("startURL") or request.args.get("retURL") or start)
    return with_cookie(redirect(target), web_sessions().log_in(current_visitor(), user_id, org_id))


def _principal(token: str | None):
    try:
        return registry().tokens.check_access(token)
    except SalesforceError:
        raise BadOAuthToken() from None


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "oauth") else None


def _user_record(org_id: str, user_id: str):
    """The login user and org, and when the User record last changed."""
    backend = registry()
    user, org = backend.grants.user_by_id(user_id), backend.grants.org_record(org_id)
    if user is None or org is None or user.org_id != org.id:
        return None, None, 0
    live = backend.org(org.id)
    row = live.store.get(live.sobject("User"), user.id) if live else None
    modified = row["LastModifiedDate"] if row else to_millis(backend.clock.now())
    return user, org, modified


@bp.route("/services/oauth2/userinfo", methods=["GET", "POST"])
def user_info():
    """OpenID Connect userinfo of the token's user."""
    principal = _principal(_bearer() or request.values.get("access_token"))
    user, org, modified = _user_record(principal.org_id, principal.user_id)
    if user is None:
        raise BadOAuthToken()
    return jsonify(userinfo(user, org, base_url(), modified))


@bp.route("/id/<org_id>/<user_id>", methods=["GET", "POST"])
def identity(org_id: str, user_id: str):
    """The identity URL of a token response (``Bearer`` or ``?oauth_token=``; JSON)."""
    principal = _principal(_bearer() or request.values.get("oauth_token"))
    if principal.org_id[:15] != org_id[:15]:
        raise BadOAuthToken()
    user_id = ids.to18(user_id) if ids.is_valid(user_id) else user_id
    user, org, modified = _user_record(principal.org_id, user_id)
    if user is None:
        return Response("Bad_Id", status=404, mimetype="text/plain")
    return jsonify(identity_document(user, org, base_url(), modified))


@bp.errorhandler(BadOAuthToken)
def bad_token(_error: BadOAuthToken):
    """Salesforce's identity service answers a bad token with a bare 403."""
    return Response("Bad_OAuth_Token", status=403, mimetype="text/plain")
