"""The data API root: versions, resources, limits, and the checks every data call passes.

Each call to ``/services/data/vNN.N/...`` goes through :func:`before_data_request`: armed faults,
the Bearer token, then the org's daily API limit; every answer carries ``Sforce-Limit-Info``.
"""
from __future__ import annotations

import time

from flask import Blueprint, g, jsonify, request
from werkzeug.http import http_date

from .. import errors
from ..backend.faults import raise_for
from .common import VERSION, base_url, org, registry

bp = Blueprint("data", __name__, url_prefix="/services/data")
# Set (in the WSGI environ, out of any client's reach) on the subrequests of a composite request.
SUBREQUEST = "mock_salesforce.subrequest"

VERSIONS = [("Winter '24", "59.0"), ("Spring '24", "60.0"), ("Summer '24", "61.0"),
            ("Winter '25", "62.0"), ("Spring '25", "63.0"), ("Summer '25", "64.0")]


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer …`` (or ``OAuth …``, which old clients send)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "oauth") else None


def authenticate(token: str | None) -> None:
    """Check a token and bind the caller's org to the request (INVALID_SESSION_ID otherwise)."""
    backend = registry()
    principal = backend.tokens.check_access(token)
    caller = backend.org(principal.org_id)
    if caller is None:
        raise errors.INVALID_SESSION_ID("Session expired or invalid")
    g.principal, g.org = principal, caller


def apply_faults() -> None:
    """Answer with an armed fault if one matches this request."""
    fault = registry().faults.take(request.path)
    if fault is not None:
        if fault.kind == "delay":
            time.sleep(fault.delay)
        else:
            raise_for(fault)


def before_data_request() -> None:
    """Faults, version, token, API limit — in the order Salesforce would refuse a call.

    Registered on the app (not a blueprint) so every ``/services/data`` blueprint passes it.
    """
    if not request.path.startswith("/services/data"):
        return
    apply_faults()
    if request.path.rstrip("/") == "/services/data":
        return
    parts = request.path.split("/")
    requested = parts[3] if len(parts) > 3 else ""
    if not VERSION.match(requested):
        raise errors.NOT_FOUND("The requested resource does not exist")
    g.version = requested
    authenticate(bearer_token())
    if not request.environ.get(SUBREQUEST):  # a composite request counts once, not per part
        org().usage.hit(org().clock.now())
        g.api_cost = 1


def limit_header(response):
    """``Sforce-Limit-Info: api-usage=N/M`` on every authenticated data response, and a ``Date``
    header from the org clock on every response (clients read server time from it)."""
    response.headers["Date"] = http_date(registry().clock.now())
    if request.path.startswith("/services/data") and getattr(g, "org", None) is not None:
        response.headers["Sforce-Limit-Info"] = org().usage.header(org().clock.now())
    return response


@bp.get("")
def versions():
    """List the API versions this org serves (no token needed, as in Salesforce)."""
    return jsonify([{"label": label, "url": f"/services/data/v{number}", "version": number}
                    for label, number in VERSIONS])


@bp.get("/<version>")
def resources(version):
    """The resources of one API version, including the caller's identity URL."""
    base = f"/services/data/{version}"
    names = ["sobjects", "query", "queryAll", "search", "limits", "composite", "jobs", "tooling",
             "recent", "parameterizedSearch", "actions", "analytics", "connect"]
    body = {name: f"{base}/{name}" for name in names}
    body["identity"] = f"{base_url()}/id/{org().id}/{g.principal.user_id}"
    return jsonify(body)


@bp.get("/<version>/limits")
def limits(version):
    """Org limits; ``DailyApiRequests`` reflects the calls counted so far."""
    return jsonify(org().usage.limits_document(org().clock.now()))
