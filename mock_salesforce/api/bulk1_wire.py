"""Bulk API 1.0 wire formats: ``jobInfo`` bodies read from XML or JSON, and ``jobInfo``,
``batchInfo``, ``batchInfoList``, ``result-list`` and ``error`` written as namespaced XML or JSON.

Content-Type values are exact (``application/xml``, ``application/json``, ``text/csv``):
salesforce-bulk and tap-salesforce compare them with ``==``. XML datetimes end in ``Z``
(``2024-01-02T03:04:05.000Z``), JSON ones in ``+0000``, as Salesforce writes each. JSON infos
list their keys alphabetically and, from API 40.0, carry their empty keys as null
(``stateMessage``, ``assignmentRuleId``, ``externalIdFieldName``) where XML leaves them out: a
real v36.0 response (2015) has none of them, v40.0 and v45.0 ones (2019) have them all; the
exact version in between is a guess.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from flask import Response, current_app, request

from .. import errors
from ..backend import json_input
from ..clock import format_datetime

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XML = "application/xml"
JSON = "application/json"


def request_is_json() -> bool:
    """Whether the request's Content-Type is JSON (the format of errors and of a job create)."""
    return request.mimetype == JSON


def read_job_fields() -> dict:
    """The elements of the ``jobInfo`` in the request body, from JSON or XML by Content-Type."""
    data = request.get_data(cache=True)
    if request_is_json():
        try:
            body = json_input.loads(data)
        except json_input.BadJson as error:
            raise errors.ClientInputError(f"Failed to parse JSON: {error}") from None
        if not isinstance(body, dict):
            raise errors.ClientInputError("The request body must be a JSON object")
        return body
    if request.mimetype not in (XML, "text/xml"):
        raise errors.ClientInputError(f"Unsupported content type: {request.mimetype or 'none'}")
    try:
        root = ElementTree.fromstring(data.strip())
    except ElementTree.ParseError as error:
        raise errors.InvalidXML(f"Failed to parse XML: {error}") from None
    if _local(root.tag) != "jobInfo":
        raise errors.InvalidXML(f"Expected a jobInfo element, not {_local(root.tag)}")
    return {_local(child.tag): (child.text or "").strip() for child in root}


JSON_NULLS_FROM = 40.0
_JSON_EMPTY = {"jobInfo": {"assignmentRuleId": None, "externalIdFieldName": None,
                           "fastPathEnabled": False},
               "batchInfo": {"stateMessage": None}}


def info(kind: str, body: dict, as_json: bool, api_version: float = 0.0) -> Response:
    """A ``jobInfo`` or ``batchInfo`` (in JSON, shaped for the job's API version)."""
    if as_json:
        return _json(_json_info(kind, body, api_version))
    return _xml(f'<{kind} xmlns="{NS}">{_elements(body)}</{kind}>')


def _json_info(kind: str, body: dict, api_version: float) -> dict:
    empty = _JSON_EMPTY[kind] if api_version >= JSON_NULLS_FROM else {}
    merged = {**empty, **{k: v for k, v in body.items() if v is not None or k in empty}}
    return {key: _json_value(merged[key]) for key in sorted(merged)}


def batch_list(bodies: list[dict], as_json: bool, api_version: float = 0.0) -> Response:
    """A ``batchInfoList``."""
    if as_json:
        return _json({"batchInfo": [_json_info("batchInfo", b, api_version) for b in bodies]})
    inner = "".join(f"<batchInfo>{_elements(body)}</batchInfo>" for body in bodies)
    return _xml(f'<batchInfoList xmlns="{NS}">{inner}</batchInfoList>')


def result_list(result_ids: list[str], as_json: bool) -> Response:
    """A query batch's ``result-list`` (a JSON array of ids for JSON jobs)."""
    if as_json:
        return _json(result_ids)
    inner = "".join(f"<result>{escape(rid)}</result>" for rid in result_ids)
    return _xml(f'<result-list xmlns="{NS}">{inner}</result-list>')


def error_response(error: errors.AsyncApiError) -> Response:
    """The Bulk API 1.0 error body, JSON for JSON requests and XML otherwise."""
    if request_is_json():
        response = _json(error.to_dict())
    else:
        response = _xml(f'<error xmlns="{NS}"><exceptionCode>{escape(error.exception_code)}'
                        f'</exceptionCode><exceptionMessage>{escape(error.message)}'
                        f'</exceptionMessage></error>')
    response.status_code = error.status
    return response


def _json(body: object) -> Response:
    return current_app.response_class(json.dumps(body, separators=(",", ":")),
                                      headers={"Content-Type": JSON})


def _xml(document: str) -> Response:
    return current_app.response_class('<?xml version="1.0" encoding="UTF-8"?>' + document,
                                      headers={"Content-Type": XML})


def _elements(body: dict) -> str:
    return "".join(f"<{key}>{escape(_xml_value(value))}</{key}>" for key, value in body.items()
                   if value is not None)


def _xml_value(value: object) -> str:
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(timezone.utc))[:-5] + "Z"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_value(value: object) -> object:
    return format_datetime(value) if isinstance(value, datetime) else value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
