"""The request journal on the wire: hooks that fill it, and the verification API that reads it.

``install(app)`` times every request and, once its answer is ready, keeps an
:class:`~mock_salesforce.backend.journal.Entry` in the org's journal (the control plane and the
console are not journaled). A request belongs to the org of its token; one that carries no valid
token (a login, a refused token, an unknown route) belongs to the org of its ``client_id``, or
else to the server's default org.

Verification API (control secret required, like the rest of ``/_mock``):
``GET /_mock/orgs/{org}/requests?method=&path=&status=&since=&limit=`` lists entries oldest
first (``path`` is a regular expression over the whole path, ``status`` exact or ``4xx``,
``since`` an entry id or an ISO datetime); ``DELETE`` clears the org's journal.
"""
from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import urlencode

from flask import Blueprint, Flask, g, jsonify, request

from ..backend import journal
from ..clock import parse_datetime
from ..errors import ControlError
from .common import registry
from .control import org_for, require_secret
from .data import SUBREQUEST

bp = Blueprint("journal", __name__, url_prefix="/_mock")
bp.before_request(require_secret)
log = logging.getLogger("mock_salesforce.requests")

UNJOURNALED = ("/_mock", "/static", "/favicon.ico")  # the control plane, console assets, browsers
_XML_CODE = re.compile(rb"<exceptionCode>([^<]+)</exceptionCode>")
_XML_MESSAGE = re.compile(rb"<exceptionMessage>([^<]*)</exceptionMessage>")


def install(app: Flask) -> None:
    """Journal every request of ``app`` (before any other hook, so the timing includes auth)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_record)


def _start() -> None:
    g.journal_started = time.perf_counter()


def _record(response):
    config = registry().config
    if not config.journal or "journal_started" not in g or request.path.startswith(UNJOURNALED) \
            or request.environ.get(SUBREQUEST):  # a composite request is one entry, not one per part
        return response
    org = _owner()
    if org is None:
        return response
    req = request._get_current_object()  # one proxy lookup, not one per attribute
    environ = req.environ
    body = req.get_data(cache=True) if environ.get("CONTENT_LENGTH") not in (None, "", "0") else b""
    if not body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        # the view parsed the form, which Werkzeug does not keep as bytes
        body = urlencode(list(req.form.items(multi=True))).encode()
    query = environ.get("QUERY_STRING", "")
    error_code, error_message = _error(response)
    entry = journal.Entry(
        id=org.journal.next_id(), at=org.clock.now(), method=req.method, path=req.path,
        query=journal.mask_text(query) if query else "", headers=journal.environ_headers(environ),
        body_size=len(body), body_excerpt=journal.excerpt(body) if body else "",
        status=response.status_code, error_code=error_code, error_message=error_message,
        duration_ms=round((time.perf_counter() - g.journal_started) * 1000, 2),
        api_cost=g.get("api_cost", 0), user_agent=environ.get("HTTP_USER_AGENT", ""),
        org_id=org.id, user_id=getattr(g.get("principal"), "user_id", None),
        near_misses=_near_misses() if req.url_rule is None else ())
    org.journal.add(entry)
    if config.log_requests:
        log.info(entry.line())
    return response


def _owner():
    """The org a request belongs to (see the module docstring)."""
    if g.get("org") is not None:
        return g.org
    backend = registry()
    client_id = request.values.get("client_id")
    if client_id:
        app = next((a for a in backend.apps() if a.client_id == client_id), None)
        if app is not None:
            return backend.org(app.org_id)
    return backend.default_org


def _error(response) -> tuple[str | None, str | None]:
    """The Salesforce error code and message of an error answer (REST, OAuth or Bulk 1.0 shape)."""
    if response.status_code < 400 or response.is_streamed:
        return None, None
    data = response.get_data()
    if response.mimetype.endswith("xml"):
        code, message = _XML_CODE.search(data), _XML_MESSAGE.search(data)
        return (code.group(1).decode() if code else None,
                message.group(1).decode(errors="replace") if message else None)
    try:
        body = json.loads(data)
    except ValueError:
        return None, None
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return None, None
    return (first.get("errorCode") or first.get("error") or first.get("exceptionCode"),
            first.get("message") or first.get("error_description") or first.get("exceptionMessage"))


def _near_misses() -> tuple[str, ...]:
    from flask import current_app
    routes = [(rule.rule, frozenset(rule.methods or ())) for rule in current_app.url_map.iter_rules()
              if not rule.rule.startswith(UNJOURNALED)]
    return journal.near_misses(request.method, request.path, routes)


@bp.get("/orgs/<key>/requests")
def requests_made(key):
    """The org's journal, oldest first, filtered by method, path, status and since."""
    since = request.args.get("since")
    if since:
        try:
            since = int(since) if since.isdigit() else parse_datetime(since)
        except (TypeError, ValueError):
            raise ControlError(f"since: expected an entry id or an ISO datetime, got {since!r}") from None
    try:
        entries = org_for(key).journal.entries(request.args.get("method"), request.args.get("path"),
                                            request.args.get("status"), since)
    except re.error as error:
        raise ControlError(f"path: not a regular expression ({error})") from None
    limit = request.args.get("limit", type=int)
    if limit is not None and limit >= 0:
        entries = entries[-limit:] if limit else []
    return jsonify({"requests": [entry.to_dict() for entry in entries]})


@bp.delete("/orgs/<key>/requests")
def clear_requests(key):
    """Forget the org's journal."""
    org_for(key).journal.clear()
    return "", 204
