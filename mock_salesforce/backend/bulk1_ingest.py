"""Bulk API 1.0 ingest batches: a CSV or JSON batch body written as one batch, and its result.

Rows go through the same :class:`.bulk_ingest_rows.RowWriter` as Bulk API 2.0 ingest (so the
REST API's DML rules apply). A batch is processed when it is added, so it is ``Completed`` (or
``Failed`` with a ``stateMessage`` when its data cannot be read) by its first status call. Its
result has one entry per row in upload order: CSV ``"Id","Success","Created","Error"`` for CSV
jobs, a JSON array of ``{"success", "created", "id", "errors"}`` for JSON jobs. Not emulated:
XML batches, ZIP content types, Queued/InProgress for ingest batches (they finish at once).
"""
from __future__ import annotations

import json

from .. import errors
from . import json_input
from .bulk_ingest_rows import JobFailure, RowResult, RowWriter, csv_lines, parse
from .schema import SObjectDef


def run(org, sobject: SObjectDef, operation: str, user_id: str, external_id_field: str | None,
        content_type: str, data: bytes) -> tuple[list[RowResult], str | None]:
    """Write a batch's rows: their results, or (no results, the ``stateMessage``) on bad data."""
    writer = RowWriter(org, sobject, operation, user_id, external_id_field)
    try:
        if content_type == "JSON":
            records = _records(data, sobject)
            return writer.apply_bodies(records, [[] for _ in records]), None
        line_ending = "CRLF" if b"\r\n" in data[:data.find(b"\n") + 1] else "LF"
        header, rows = parse([data], "COMMA", line_ending, sobject)
    except JobFailure as failure:
        return [], str(failure)
    return writer.apply(header, rows), None


def _records(data: bytes, sobject: SObjectDef) -> list[dict]:
    try:
        records = json_input.loads(data)
    except json_input.BadJson as error:
        raise JobFailure(f"InvalidBatch : Failed to parse JSON: {error}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise JobFailure("InvalidBatch : A JSON batch must be an array of records")
    for record in records:
        for name in record:
            if name != "attributes" and sobject.field(name) is None:
                raise JobFailure(f"InvalidBatch : Field name not found : {name}")
    return records


def result_body(results: list[RowResult], as_json: bool) -> bytes:
    """The batch result in the job's content type."""
    if as_json:
        return json.dumps([{"success": r.failure is None, "created": r.created,
                            "id": r.id or None,
                            "errors": [] if r.failure is None else [_json_error(r.failure)]}
                           for r in results], separators=(",", ":")).encode()
    rows = [["Id", "Success", "Created", "Error"]]
    rows += [[r.id, "true" if r.failure is None else "false",
              "true" if r.created else "false", r.error or ""] for r in results]
    return "".join(csv_lines(rows, "COMMA", "LF")).encode()


def _json_error(error: errors.SalesforceError) -> dict:
    return {"message": error.message, "fields": error.fields or [],
            "statusCode": error.error_code, "extendedErrorDetails": None}
