"""``/composite/sobjects``: sObject Collections (create, update, delete, retrieve, upsert)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import errors
from ..backend import composite
from ..backend.records import serialise
from .common import flag, json_body, org, user_id

bp = Blueprint("composite", __name__, url_prefix="/services/data/<version>/composite/sobjects")


def _collection_body() -> tuple[list, bool]:
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise errors.JSON_PARSER_ERROR("Expected {\"allOrNone\": bool, \"records\": [...]}")
    return body["records"], bool(body.get("allOrNone", False))


@bp.post("")
def create_many(version):
    """Create up to 200 records of any types."""
    records, all_or_none = _collection_body()
    return jsonify([r.to_dict() for r in composite.create_many(org(), records, all_or_none, user_id())])


@bp.patch("")
def update_many(version):
    """Update up to 200 records by id."""
    records, all_or_none = _collection_body()
    return jsonify([r.to_dict() for r in composite.update_many(org(), records, all_or_none, user_id())])


@bp.delete("")
def delete_many(version):
    """Delete up to 200 records: ``?ids=a,b&allOrNone=true``."""
    record_ids = [i for i in request.args.get("ids", "").split(",") if i]
    if not record_ids:
        raise errors.MISSING_ARGUMENT("ids parameter is required")
    return jsonify([r.to_dict() for r in composite.delete_many(org(), record_ids, flag("allOrNone"))])


def _texts(body: dict, key: str) -> list[str]:
    """A list of strings from the body (a guess at the wording: Salesforce's reader refuses
    anything else as Jackson would, with JSON_PARSER_ERROR)."""
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.JSON_PARSER_ERROR(f"Cannot deserialize instance of `java.util.ArrayList` "
                                       f"out of the value of '{key}': expected an array of strings")
    return value


@bp.route("/<sobject>", methods=["GET", "POST"])
def retrieve_many(version, sobject):
    """Retrieve records by ids with chosen fields (``{ids, fields}`` or ``?ids=&fields=``)."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    if request.method == "POST":
        body = json_body()
        if not isinstance(body, dict):
            raise errors.JSON_PARSER_ERROR("Expected {\"ids\": [...], \"fields\": [...]}")
        record_ids, field_names = _texts(body, "ids"), _texts(body, "fields")
    else:
        record_ids = [i for i in request.args.get("ids", "").split(",") if i]
        field_names = [f for f in request.args.get("fields", "").split(",") if f]
    if not record_ids or not field_names:
        raise errors.MISSING_ARGUMENT("ids and fields are required")
    rows = composite.retrieve_many(org(), definition, record_ids, field_names)
    return jsonify([serialise(definition, row, version, fields) if row else None
                    for row, fields in rows])


@bp.patch("/<sobject>/<field_name>")
def upsert_many(version, sobject, field_name):
    """Upsert up to 200 records of one type by an external-id field."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    records, all_or_none = _collection_body()
    results = composite.upsert_many(org(), definition, field_name, records, all_or_none, user_id())
    return jsonify([r.to_dict(with_created=True) for r in results])
