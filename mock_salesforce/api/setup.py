"""Setup pages for connected apps, as an admin walks them after logging in to the org.

Settings > Apps > Connected Apps > Connected Apps OAuth Usage (apps, users, token counts,
Install, Revoke) and Manage Connected Apps (an app's policies, Edit Policies, Save). Every form
carries the session's CSRF token; every page needs a logged-in browser session.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from ..backend.oauth import policies
from ..backend.oauth.apps import AppAdmin
from .common import registry
from .identity import current_visitor, logged_in_user, login_context, web_sessions, with_cookie

bp = Blueprint("setup", __name__, url_prefix="/setup")
LABELS = {
    "permitted_users": {"all": "All users may self-authorize",
                        "admin_approved": "Admin approved users are pre-authorized"},
    "ip_relaxation": {"enforce": "Enforce IP restrictions",
                      "enforce_except_refresh": "Enforce IP restrictions, but relax for refresh tokens",
                      "relax": "Relax IP restrictions"},
    "refresh_token_policy": {"infinite": "Refresh token is valid until revoked",
                             "zero": "Immediately expire refresh token",
                             "idle": "Expire refresh token if not used for",
                             "absolute": "Expire refresh token after"},
}


def _page(template: str, status: int = 200, **context) -> Response:
    html = render_template(template, user=g.user, csrf_token=g.visitor.csrf_token,
                           labels=LABELS, units=policies.UNITS, **context)
    return with_cookie(Response(html, status=status, mimetype="text/html"), g.visitor)


def admin_page(view):
    """Log-in (and, for POST, CSRF) guard of every Setup page."""
    @wraps(view)
    def guarded(*args, **kwargs):
        g.visitor = current_visitor()
        g.user = logged_in_user(g.visitor, login_context())
        if g.user is None:
            return with_cookie(redirect(url_for("identity.login", startURL=request.full_path)),
                               g.visitor)
        if request.method == "POST" and \
                not web_sessions().check_csrf(g.visitor, request.form.get("_csrf")):
            return _page("error.html", 403, error="invalid_request",
                         error_description="The page has expired. Reload it and try again.")
        return view(*args, **kwargs)
    return guarded


def _app(app_id: str):
    """The org's app (None when it is not one of the admin's org)."""
    try:
        return AppAdmin(registry()).app(app_id, g.user.org_id)
    except KeyError:
        return None


def _not_found() -> Response:
    return _page("error.html", 404, error="NOT_FOUND",
                 error_description="Data Not Available: the connected app does not exist.")


@bp.get("/secur/RemoteAccessErrorPage.apexp")
def remote_access_error():
    """Salesforce's OAuth error page (unknown client, unregistered redirect URI…)."""
    html = render_template("error.html", user=None, error=request.args.get("error", ""),
                           error_description=request.args.get("error_description", ""))
    return Response(html, status=400, mimetype="text/html")


@bp.get("/home")
@admin_page
def home():
    """Setup home: the navigation the seed's admin follows."""
    return _page("setup_home.html")


@bp.get("/connectedApps/usage")
@admin_page
def usage():
    """Connected Apps OAuth Usage: apps, their users and live tokens, Install / Uninstall."""
    return _page("setup_usage.html", rows=AppAdmin(registry()).usage(g.user.org_id))


@bp.get("/connectedApps/<app_id>/users")
@admin_page
def app_users(app_id: str):
    """Connected App User's Usage: who holds tokens, with Revoke."""
    app = _app(app_id)
    if app is None:
        return _not_found()
    row = next(r for r in AppAdmin(registry()).usage(g.user.org_id) if r.app.id == app.id)
    return _page("setup_app_users.html", app=app, row=row)


@bp.post("/connectedApps/<app_id>/<action>")
@admin_page
def act(app_id: str, action: str):
    """Install, Uninstall or Revoke (one user's tokens, or everyone's)."""
    app = _app(app_id)
    if app is None or action not in ("install", "uninstall", "revoke"):
        return _not_found()
    admin = AppAdmin(registry())
    if action == "revoke":
        admin.revoke(app.id, request.form.get("user_id") or None, g.user.org_id)
        return redirect(url_for("setup.app_users", app_id=app.id))
    admin.update_app(app.id, {"installed": action == "install"}, g.user.org_id)
    return redirect(url_for("setup.usage"))


@bp.get("/connectedApps")
@admin_page
def manage():
    """Manage Connected Apps: the installed apps whose policies an admin can edit."""
    return _page("setup_apps.html", apps=[a for a in registry().apps(g.user.org_id) if a.installed])


@bp.get("/connectedApps/<app_id>")
@admin_page
def detail(app_id: str):
    """An installed app's OAuth policies, with Edit Policies."""
    app = _app(app_id)
    if app is None or not app.installed:
        return _not_found()
    return _page("setup_app.html", app=app, saved=request.args.get("saved"))


@bp.route("/connectedApps/<app_id>/edit", methods=["GET", "POST"])
@admin_page
def edit(app_id: str):
    """Edit Policies; Save applies them at once (to tokens already issued too)."""
    app = _app(app_id)
    if app is None or not app.installed:
        return _not_found()
    users = AppAdmin(registry()).users(g.user.org_id)
    if request.method == "GET":
        return _page("setup_app_edit.html", app=app, users=users, error=None,
                     timeouts=_timeouts(app.session_timeout))
    try:
        AppAdmin(registry()).update_app(app.id, _policy_form(request.form), g.user.org_id)
    except ValueError as error:
        return _page("setup_app_edit.html", 400, app=app, users=users, error=str(error),
                     timeouts=_timeouts(app.session_timeout))
    return redirect(url_for("setup.detail", app_id=app.id, saved=1))


def _policy_form(form) -> dict:
    """The Edit Policies form as app settings."""
    policy = form.get("refresh_token_policy", "infinite")
    changes = {"permitted_users": form.get("permitted_users", "all"),
               "ip_relaxation": form.get("ip_relaxation", "enforce"),
               "refresh_token_policy": policy,
               "rotate_refresh_tokens": form.get("rotate_refresh_tokens") == "on",
               "preauthorized_user_ids": form.getlist("preauthorized_user_ids"),
               "callback_urls": [u.strip() for u in form.get("callback_urls", "").splitlines()
                                 if u.strip()]}
    try:
        changes["session_timeout"] = int(form.get("session_timeout", "0"))
        if policy in ("idle", "absolute"):
            changes["refresh_token_validity"] = int(form.get(f"{policy}_validity", ""))
            changes["refresh_token_unit"] = form.get(f"{policy}_unit", "hours")
    except ValueError:
        raise ValueError("Enter a whole number for the refresh token validity.") from None
    return changes


def _timeouts(current: int) -> list[int]:
    return sorted(set(policies.SESSION_TIMEOUTS) | {current})
