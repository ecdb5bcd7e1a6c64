"""``/composite/tree/{T}``: sObject Tree, record trees created all or none."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..backend.composite_tree import create_tree
from .common import json_body, org, user_id

bp = Blueprint("composite_tree", __name__, url_prefix="/services/data/<version>/composite/tree")


@bp.post("/<sobject>")
def create(version, sobject):
    """Create up to 200 records in trees of parents and children (201, or 400 and nothing)."""
    has_errors, results = create_tree(org(), sobject, json_body(), user_id())
    return jsonify({"hasErrors": has_errors, "results": results}), 400 if has_errors else 201
