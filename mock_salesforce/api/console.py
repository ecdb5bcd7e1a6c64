"""The web console at ``/_mock/console``: look inside a running mock from a browser.

Orgs; each org's objects with record counts and a paged record browser with a SOQL box; API usage
over the last 24 hours (an inline SVG chart, drawn on the server: nothing to download, works
without JavaScript); connected apps and their live tokens (revoke); the request journal with each
request's detail; the server's clock (move it) and faults (add, list, clear).

Behind the control secret, like the rest of ``/_mock``: a browser opens the console once with
``?secret=…`` (or through the login form), which sets an HttpOnly, SameSite=Strict cookie; the
``X-Mock-Secret`` header works too. The pages only read and call the backend, as the control plane
does; forms post back and redirect (no state lives in the browser).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for

from .. import errors
from ..backend.oauth.apps import AppAdmin
from ..backend.soql import engine
from ..clock import parse_datetime
from .common import registry
from .control import org_for

bp = Blueprint("console", __name__, url_prefix="/_mock/console")
COOKIE = "mock_console"
PAGE_SIZE = 200
CHART_HOURS = 24


def _cookie_value() -> str:
    """What the console cookie holds: derived from the control secret, never the secret itself."""
    secret = (registry().config.control_secret or "").encode()
    return hmac.new(secret, b"mock-salesforce console", hashlib.sha256).hexdigest()


def _secret_ok(sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(sent.encode(), (registry().config.control_secret or "").encode())


@bp.before_request
def require_secret():
    """Let in a browser with the console cookie or a client with the control secret."""
    if request.endpoint == "console.login":
        return None
    if _secret_ok(request.args.get("secret")):  # first visit: set the cookie, drop the secret
        args = {k: v for k, v in request.args.items() if k != "secret"}
        response = redirect(request.path + (f"?{urlencode(args)}" if args else ""))
        return _with_cookie(response)
    cookie = request.cookies.get(COOKIE, "")
    if hmac.compare_digest(cookie.encode(), _cookie_value().encode()) or \
            _secret_ok(request.headers.get("X-Mock-Secret")):
        return None
    if request.method == "GET":
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return render_template("console/login.html", error="Sign in again."), 403


def _with_cookie(response):
    response.set_cookie(COOKIE, _cookie_value(), httponly=True, samesite="Strict",
                        secure=request.is_secure, path=bp.url_prefix)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Ask for the control secret (printed in the server's banner)."""
    target = request.values.get("next") or url_for("console.index")
    if not target.startswith(bp.url_prefix):
        target = url_for("console.index")
    if request.method == "POST":
        if _secret_ok(request.form.get("secret")):
            return _with_cookie(redirect(target))
        return render_template("console/login.html", error="That is not the control secret.",
                               next=target), 403
    return render_template("console/login.html", next=target)


def _back(endpoint: str, message: str = "", **values):
    return redirect(url_for(endpoint, **values, **({"message": message} if message else {})))


@bp.get("/")
def index():
    """The orgs of this server, the clock and the armed faults."""
    backend = registry()
    orgs = []
    for org in backend.orgs.values():
        now = org.clock.now()
        orgs.append({"org": org, "records": sum(org.store.count(o) for o in org.schema.objects()),
                     "api_used": org.usage.used(now), "api_limit": org.usage.limit})
    return render_template("console/index.html", orgs=orgs, clock=backend.clock.state(),
                           faults=backend.faults.list(), message=request.args.get("message"))


@bp.post("/clock")
def move_clock():
    """Advance the clock by seconds, set it to a time, or give it back to the wall clock."""
    clock = registry().clock
    try:
        if request.form.get("action") == "reset":
            clock.reset()
        elif request.form.get("set"):
            clock.set(parse_datetime(request.form["set"]), frozen=bool(request.form.get("frozen")))
        else:
            clock.advance(float(request.form.get("advance") or 0))
    except ValueError as error:
        return _back("console.index", f"Clock not moved: {error}")
    return _back("console.index", "Clock moved.")


@bp.post("/faults")
def add_fault():
    """Arm a fault (the same fields as ``POST /_mock/faults``)."""
    form = request.form
    try:
        registry().faults.arm(form.get("kind", ""), int(form.get("count") or 1), form.get("path", ""),
                              float(form.get("delay") or 0), float(form.get("rate") or 1))
    except ValueError as error:
        return _back("console.index", f"Fault not added: {error}")
    return _back("console.index", "Fault armed.")


@bp.post("/faults/clear")
def clear_faults():
    """Disarm every fault."""
    registry().faults.clear()
    return _back("console.index", "Faults cleared.")


@bp.get("/orgs/<key>")
def org_page(key):
    """One org: objects and counts, API usage over 24 hours, apps and tokens, last requests."""
    org = org_for(key)
    objects = sorted(((o.name, org.store.count(o)) for o in org.schema.objects()),
                     key=lambda pair: (-pair[1], pair[0]))
    hourly = org.usage.hourly(org.clock.now(), CHART_HOURS)
    return render_template("console/org.html", org=org, objects=objects, chart=_chart(hourly),
                           used=org.usage.used(org.clock.now()), limit=org.usage.limit,
                           apps=AppAdmin(registry()).usage(org.id),
                           recent=org.journal.entries()[-10:][::-1],
                           message=request.args.get("message"))


@bp.post("/orgs/<key>/apps/<client_id>/revoke")
def revoke(key, client_id):
    """Revoke an app's tokens and approvals."""
    org = org_for(key)
    try:
        count = AppAdmin(registry()).revoke(client_id, org_id=org.id)
    except KeyError:
        return _back("console.org_page", f"No app {client_id}.", key=key)
    return _back("console.org_page", f"Revoked {count} token{'s' * (count != 1)}.", key=key)


@bp.get("/orgs/<key>/records")
def records(key):
    """The SOQL box and a page of results (``next`` follows a query locator)."""
    org = org_for(key)
    soql = request.args.get("q", "").strip()
    page, error = None, None
    if not soql and request.args.get("object"):
        try:
            definition = org.sobject(request.args["object"])
        except errors.SalesforceError as failure:
            return render_template("console/records.html", org=org, soql="", error=failure.message)
        names = [n for n in ("Id", "Name", "LastName", "FirstName", "Email", "Subject", "Status",
                             "SystemModstamp") if n in definition.fields]
        soql = f"SELECT {', '.join(names)} FROM {definition.name} ORDER BY Id"
    if soql:
        page_request = engine.PageRequest("v59.0", "query", PAGE_SIZE)
        try:
            locator = request.args.get("next")
            page = engine.query_more(org, locator, page_request) if locator else \
                engine.query(org, soql, False, page_request)
        except errors.SalesforceError as failure:
            error = f"{failure.error_code}: {failure.message}"
    rows = page.records if page else []
    columns = list(dict.fromkeys(k for row in rows for k in row if k != "attributes"))
    locator = page.next_records_url.rsplit("/", 1)[-1] if page and page.next_records_url else None
    return render_template("console/records.html", org=org, soql=soql, page=page, rows=rows,
                           columns=columns, error=error, locator=locator)


@bp.get("/orgs/<key>/requests")
def requests_page(key):
    """The request journal, newest first, filtered by method, path and status."""
    org = org_for(key)
    filters = {name: request.args.get(name) or None for name in ("method", "path", "status")}
    error = None
    try:
        entries = org.journal.entries(**filters)[::-1]
    except re.error as failure:  # a bad regular expression typed in the box
        entries, error = [], f"path: not a regular expression ({failure})"
    return render_template("console/requests.html", org=org, entries=entries, filters=filters,
                           error=error)


@bp.get("/orgs/<key>/requests/<int:entry_id>")
def request_detail(key, entry_id):
    """Everything the journal kept of one request."""
    org = org_for(key)
    entry = next((e for e in org.journal.entries(since=entry_id - 1) if e.id == entry_id), None)
    if entry is None:
        raise errors.NOT_FOUND(f"request #{entry_id} is no longer in the journal")
    return render_template("console/request.html", org=org, entry=entry)


def _chart(hourly: list[int], width: int = 720, height: int = 160) -> dict:
    """Bars of an SVG chart: one per hour, oldest first, scaled to the busiest hour."""
    top = max(hourly) or 1
    step = width / len(hourly)
    bars = [{"x": round(i * step + 1, 1), "width": round(step - 2, 1),
             "height": round(count / top * (height - 20), 1), "count": count,
             "label": f"{len(hourly) - i - 1} h ago" if i < len(hourly) - 1 else "this hour"}
            for i, count in enumerate(hourly)]
    for bar in bars:
        bar["y"] = round(height - bar["height"], 1)
    return {"bars": bars, "width": width, "height": height, "top": top}
