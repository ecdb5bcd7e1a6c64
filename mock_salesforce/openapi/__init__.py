"""The OpenAPI 3.1 description of every route the mock serves, at ``/_mock/openapi.json``.

It documents the emulated surface (data API, OAuth, identity, SOAP login, Bulk 2.0 and 1.0, the
Setup pages), the control plane and the web console, with each family's error envelope, and it drives the
property-based fuzzing in ``tests/robustness``. A test keeps it true: every Flask route of the
app is described here and every path here is a route.
"""
from __future__ import annotations

from . import bulk, console, control, rest, web
from .build import COMPONENTS

INFO = {
    "title": "mock-salesforce",
    "version": "1",
    "summary": "A local Salesforce org for tests: REST, SOQL, Bulk 1.0/2.0, OAuth, control plane.",
    "description": (
        "Errors take their family's Salesforce shape: the REST API answers "
        '`[{"message", "errorCode", "fields"}]`, OAuth endpoints `{"error", '
        '"error_description"}`, Bulk API 1.0 `exceptionCode`/`exceptionMessage` (XML, or JSON '
        'for JSON requests), SOAP a `soapenv:Fault`, and the control plane `{"error"}`.'),
}


def document() -> dict:
    """The OpenAPI document (a new dict each call)."""
    paths: dict = {}
    for family in (rest, bulk, web, control, console):
        for path, operations in family.paths().items():
            paths.setdefault(path, {}).update(operations)
    return {"openapi": "3.1.0", "info": INFO,
            "servers": [{"url": "/", "description": "this mock server"}],
            "tags": [{"name": name, "description": text} for name, text in TAGS],
            "paths": dict(sorted(paths.items())), "components": COMPONENTS}


TAGS = [("data", "REST data API: versions, limits, describe, records, SOQL, replication"),
        ("composite", "sObject Collections"),
        ("bulk2", "Bulk API 2.0 query and ingest jobs"),
        ("bulk1", "Bulk API 1.0 jobs and batches (XML or JSON)"),
        ("oauth", "OAuth 2.0 token, authorize, revoke, introspect"),
        ("identity", "Login page, identity URL, OpenID userinfo"),
        ("soap", "Partner SOAP API login() and logout()"),
        ("setup", "Setup pages for connected apps (HTML)"),
        ("control", "The mock's control plane for tests (X-Mock-Secret)"),
        ("console", "The web console (HTML; the control secret once, then a cookie)")]
