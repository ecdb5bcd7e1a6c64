"""``/sobjects/<T>/updated`` and ``/sobjects/<T>/deleted``: the data-replication windows.

Static segments outrank ``/sobjects/<T>/<id>`` in Werkzeug's routing, so these win over a
record read of an id called "updated".
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import errors
from ..backend import replication
from .common import org

bp = Blueprint("replication", __name__, url_prefix="/services/data/<version>/sobjects/<sobject>")


def _window():
    return replication.window(org(), request.args.get("start"), request.args.get("end"))


@bp.get("/updated")
def updated(version, sobject):
    """Ids of records created or changed between ``start`` and ``end``."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    start, end = _window()
    return jsonify(replication.updated(org(), definition, start, end))


@bp.get("/deleted")
def deleted(version, sobject):
    """Records deleted between ``start`` and ``end``, with their deletion dates."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    start, end = _window()
    return jsonify(replication.deleted(org(), definition, start, end))
