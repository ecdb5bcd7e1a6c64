"""Paths of the request journal (JSON, control secret) and the web console (HTML pages)."""
from __future__ import annotations

from .build import CONTROL, STRING, body, ok, op, path_param, query_param

M = "/_mock"
C = "/_mock/console"
KEY = path_param("key", {"anyOf": [{"type": "string", "enum": ["default", "org1"]}, STRING]})
FORM = "application/x-www-form-urlencoded"
PAGE = {"200": {"description": "An HTML page", "content": {"text/html": {"schema": STRING}}},
        "302": {"description": "A redirect (to the login page, or back after an action)"}}
HTML = {"errors": "HtmlError", "security": CONTROL}


def _form(*names: str) -> dict:
    return body({FORM: {"type": "object", "properties": {n: STRING for n in names}}},
                required=False)


def paths() -> dict:
    """Journal and console paths."""
    k = [KEY]
    return {
        f"{M}/orgs/{{key}}/requests": {
            "get": op("control", "The org's request journal, oldest first", ok("requests"),
                      params=k + [query_param(n) for n in ("method", "path", "status", "since")]
                      + [query_param("limit", {"type": "integer"})],
                      errors="ControlError", security=CONTROL),
            "delete": op("control", "Forget the org's journal", {"204": {"description": "Done"}},
                         params=k, errors="ControlError", security=CONTROL)},
        f"{C}/": {"get": op("console", "Orgs, clock and faults", PAGE,
                            params=[query_param("secret"), query_param("message")], **HTML)},
        f"{C}/login": {"get": op("console", "Ask for the control secret", PAGE, **HTML),
                       "post": op("console", "Log in with the control secret", PAGE,
                                  request=_form("secret"), **HTML)},
        f"{C}/clock": {"post": op("console", "Advance, set or reset the clock", PAGE,
                                  request=_form("action", "set", "frozen", "advance"), **HTML)},
        f"{C}/faults": {"post": op("console", "Arm a fault", PAGE,
                                   request=_form("kind", "count", "path", "delay", "rate"), **HTML)},
        f"{C}/faults/clear": {"post": op("console", "Disarm every fault", PAGE, **HTML)},
        f"{C}/orgs/{{key}}": {"get": op("console", "One org: objects, usage, apps, requests", PAGE,
                                        params=k + [query_param("message")], **HTML)},
        f"{C}/orgs/{{key}}/apps/{{client_id}}/revoke": {"post": op(
            "console", "Revoke an app's tokens", PAGE, params=k + [path_param("client_id")], **HTML)},
        f"{C}/orgs/{{key}}/records": {"get": op(
            "console", "SOQL box and a page of records", PAGE,
            params=k + [query_param(n) for n in ("q", "object", "next")], **HTML)},
        f"{C}/orgs/{{key}}/requests": {"get": op(
            "console", "The request journal, filtered", PAGE,
            params=k + [query_param(n) for n in ("method", "path", "status")], **HTML)},
        f"{C}/orgs/{{key}}/requests/{{entry_id}}": {"get": op(
            "console", "One journaled request", PAGE,
            params=k + [path_param("entry_id", {"type": "integer", "minimum": 0})], **HTML)},
    }
