"""``/sobjects``: describeGlobal, describe, and single-record create / read / update / delete / upsert."""
from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, jsonify, request
from werkzeug.http import http_date

from .. import errors
from ..backend import dml
from ..backend.records import serialise
from .common import json_body, org, user_id, version, version_number

bp = Blueprint("sobjects", __name__, url_prefix="/services/data/<version>/sobjects")


@bp.get("")
def describe_global(version):
    """Every object of the org (``name``, ``queryable``, ``keyPrefix``, ``urls``…)."""
    return jsonify({"encoding": "UTF-8", "maxBatchSize": 200,
                    "sobjects": [o.summary(version) for o in org().schema.objects()]})


@bp.get("/<sobject>")
def basic_info(version, sobject):
    """An object's summary and (empty) recent items."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    return jsonify({"objectDescribe": definition.summary(version), "recentItems": []})


@bp.get("/<sobject>/describe")
def describe(version, sobject):
    """The full describe of one object: fields, child relationships, record types, urls.

    With ``ETag`` and ``Last-Modified`` (the org's last schema change), as real orgs send; an
    ``If-None-Match`` of the current ETag answers 304 with no body.
    """
    response = jsonify(org().sobject(sobject, errors.NOT_FOUND).describe(
        version, request.host_url.rstrip("/")))
    etag = hashlib.sha1(response.get_data()).hexdigest()[:8]
    if request.if_none_match.contains(etag):
        return "", 304, {"ETag": f'"{etag}"'}
    response.set_etag(etag)
    response.headers["Last-Modified"] = http_date(org().schema_changed)
    return response


@bp.post("/<sobject>")
def create(version, sobject):
    """Create a record: 201 ``{"id", "success": true, "errors": []}``."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    body = json_body()
    new_id = dml.create(org(), definition, body, user_id())
    return jsonify({"id": new_id, "success": True, "errors": []}), 201, _location(definition, new_id)


def _location(definition, record_id: str) -> dict:
    """The ``Location`` header of a 201 create: the new record's path."""
    return {"Location": f"/services/data/{version()}/sobjects/{definition.name}/{record_id}"}


def _fields(definition, names: str | None):
    if not names:
        return None
    selected = []
    for name in names.split(","):
        field = definition.field(name.strip())
        if field is None:
            raise errors.INVALID_FIELD(f"No such column '{name.strip()}' on entity "
                                       f"'{definition.name}'. If you are attempting to use a custom "
                                       "field, be sure to append the '__c' after the custom field "
                                       "name.")
        selected.append(field)
    return selected


@bp.get("/<sobject>/<record_id>")
def get(version, sobject, record_id):
    """Read a record (all fields, or those named in ``?fields=``).

    A deleted record is NOT_FOUND here (a PATCH or DELETE of one says ENTITY_IS_DELETED).
    """
    definition = org().sobject(sobject, errors.NOT_FOUND)
    fields = _fields(definition, request.args.get("fields"))
    try:
        row = dml.lookup(org(), definition, dml.url_record_id(record_id))
    except errors.ENTITY_IS_DELETED:
        raise errors.NOT_FOUND("The requested resource does not exist") from None
    response = jsonify(serialise(definition, row, version, fields))
    # Recorded (grouparoo's nock fixtures): a base64 SHA-256 ETag, and Last-Modified of the
    # record's last change.
    response.set_etag(base64.b64encode(hashlib.sha256(response.get_data()).digest()).decode())
    if row.get("SystemModstamp") is not None:
        response.headers["Last-Modified"] = http_date(row["SystemModstamp"] / 1000)
    return response


@bp.patch("/<sobject>/<record_id>")
def update(version, sobject, record_id):
    """Update a record: 204 with no body."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    dml.update(org(), definition, dml.url_record_id(record_id), json_body(), user_id())
    return "", 204


@bp.delete("/<sobject>/<record_id>")
def delete(version, sobject, record_id):
    """Delete a record (to the recycle bin): 204 with no body."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    dml.delete(org(), definition, dml.url_record_id(record_id))
    return "", 204


@bp.get("/<sobject>/<field_name>/<path:value>")
def get_by_external_id(version, sobject, field_name, value):
    """Read a record by an external-id (or idLookup) field; several matches answer 300."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    row = dml.lookup(org(), definition, dml.external_match(org(), definition, field_name, value))
    return jsonify(serialise(definition, row, version, _fields(definition, request.args.get("fields"))))


# API 46.0 changed the upsert answer: ``created`` in the body, and 200 with a body (not 204)
# when the record existed.
UPSERT_REPORTS_CREATED = 46.0


@bp.patch("/<sobject>/<field_name>/<path:value>")
def upsert(version, sobject, field_name, value):
    """Upsert by external id: 201 created, 200 updated (``created`` false), 300 several matches.

    Before API 46.0: 201 ``{"id", "success", "errors"}`` when created, 204 with no body when
    updated, as older orgs answered.
    """
    definition = org().sobject(sobject, errors.NOT_FOUND)
    result = dml.upsert(org(), definition, field_name, value, json_body(), user_id())
    current = version_number() >= UPSERT_REPORTS_CREATED
    if not result.created and not current:
        return "", 204
    body = jsonify(result.to_dict(with_created=current))
    return (body, 201, _location(definition, result.id)) if result.created else (body, 200)


@bp.delete("/<sobject>/<field_name>/<path:value>")
def delete_by_external_id(version, sobject, field_name, value):
    """Delete a record found by an external-id field."""
    definition = org().sobject(sobject, errors.NOT_FOUND)
    dml.delete(org(), definition, dml.external_match(org(), definition, field_name, value))
    return "", 204
