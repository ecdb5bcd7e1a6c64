"""``/_mock/openapi.json``: the OpenAPI description of every route (public, like /services/data)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..openapi import document

bp = Blueprint("openapi", __name__, url_prefix="/_mock")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this server's routes and error envelopes."""
    return jsonify(document())
