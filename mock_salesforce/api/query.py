"""``/query`` and ``/queryAll``: SOQL, first pages and later pages by locator.

``/query`` never returns recycle-bin rows; ``/queryAll`` includes them (``IsDeleted`` true).
``Sforce-Query-Options: batchSize=N`` (200..2000) sets the page size. A repeated ``?q=`` on a
locator call (tap-salesforce sends one) is ignored, as Salesforce ignores it.
``?columns=true`` answers the query's column metadata instead of its rows (``sf data query``
asks for it after every query that found rows).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..backend.soql import engine
from ..backend.soql.columns import column_metadata
from .common import flag, org

bp = Blueprint("query", __name__, url_prefix="/services/data/<version>")


def _respond(page: engine.Page):
    # The page encodes itself (often ahead of time): this is the paging hot path.
    response = current_app.response_class(page.to_json(),
                                          content_type="application/json;charset=UTF-8")
    if page.after_send is not None:
        # Prepared while the client parses this page, not while the server is still sending it.
        response.call_on_close(page.after_send)
    return response


def _request(version: str, endpoint: str) -> engine.PageRequest:
    return engine.PageRequest(version, endpoint,
                              engine.batch_size(request.headers.get("Sforce-Query-Options")))


def _first_page(version: str, endpoint: str, include_deleted: bool):
    text = request.args.get("q")
    if not text or not text.strip():
        raise errors.MALFORMED_QUERY("A query string has to be specified")
    if flag("columns"):
        return jsonify(column_metadata(org(), text, include_deleted))
    return _respond(engine.query(org(), text, include_deleted, _request(version, endpoint)))


@bp.get("/query")
def query(version):
    """Run a SOQL query: the first page of live records."""
    return _first_page(version, "query", include_deleted=False)


@bp.get("/queryAll")
def query_all(version):
    """Run a SOQL query that also sees deleted (recycle-bin) records."""
    return _first_page(version, "queryAll", include_deleted=True)


@bp.get("/query/<locator>")
def query_more(version, locator):
    """The next page of a query (the cursor remembers whether it was a queryAll)."""
    return _respond(engine.query_more(org(), locator, _request(version, "query")))


@bp.get("/queryAll/<locator>")
def query_all_more(version, locator):
    """The next page of a queryAll."""
    return _respond(engine.query_more(org(), locator, _request(version, "queryAll")))
