"""The rows of a Bulk API 2.0 ingest job: CSV in, DML in batches of rows, result CSV out.

Each row goes through :mod:`.dml` exactly as a REST call would (validation, required fields,
duplicate external ids, audit fields, ``SystemModstamp``), so a row fails for the same reasons;
the rows of a batch are judged in order and written together (:class:`.dml_batch.Batch`).
An insert's rows are checked a column at a time first (:mod:`.bulk_ingest_fast`); those that
pass are finished in bulk, with the same outcome, and the others take the per-row way.
A CSV cell is the field's value as text; an empty cell leaves the field alone and ``#N/A`` sets
it to null, as Salesforce reads Bulk CSV. A failed row's ``sf__Error`` is
``CODE:message:fields --`` (``CODE:message:--`` without fields), the form Salesforce writes in
Bulk results. Best guesses, not checked against a real org: the exact wording of the row errors
of a missing Id or external id, DUPLICATE_EXTERNAL_ID's message, and a missing record reported
as INVALID_CROSS_REFERENCE_KEY (as the REST collections report it). Not emulated: relationship
columns (``Account.Ext__c``), which fail the job as unknown fields, and ``assignmentRuleId``.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .. import errors
from . import dml, ids, recycle_bin
from .bulk_ingest_fast import InsertColumns, insert_rows
from .dml_batch import Batch
from .bulk_csv import DELIMITERS, LINE_ENDINGS
from .schema import SObjectDef

NULL = "#N/A"


class JobFailure(Exception):
    """Why a whole job failed (its ``errorMessage``): the data cannot be read as a table."""


@dataclass(slots=True)
class RowResult:
    """The outcome of one row: its record id, whether it was created, or its error."""

    row: list[str]
    id: str = ""
    created: bool = False
    error: str | None = None
    failure: errors.SalesforceError | None = None


def parse(uploads: list[bytes], delimiter: str, line_ending: str,
          sobject: SObjectDef) -> tuple[list[str], list[list[str]]]:
    """The header and rows of every upload (JobFailure when the CSV cannot be used)."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    for data in uploads:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JobFailure("InvalidBatch : The data is not UTF-8 encoded") from None
        _check_line_ending(text, line_ending)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter],
                                strict=True)
            part = list(reader)
        except csv.Error as error:
            raise JobFailure(f"ClientInputError : Invalid CSV: {error}") from None
        while part and not part[0]:
            part.pop(0)
        if not part:
            continue
        if header is None:
            header = part[0]
            _check_header(header, sobject)
        elif [h.lower() for h in part[0]] != [h.lower() for h in header]:
            raise JobFailure("InvalidBatch : Every upload of a job must have the same header row")
        if all(map(len(header).__eq__, map(len, part[1:]))):  # no blank or ragged line
            rows.extend(part[1:])
            continue
        for number, row in enumerate(part[1:], start=2):
            if not row:  # a blank line: one empty value in a one-column file, else nothing
                if len(header) > 1:
                    continue
                row = [""]
            if len(row) != len(header):
                raise JobFailure(f"ClientInputError : Row {number} has {len(row)} columns; the "
                                 f"header has {len(header)}")
            rows.append(row)
    if header is None:
        raise JobFailure("InvalidBatch : The job has no data: upload a CSV with a header row")
    return header, rows


def _check_line_ending(text: str, line_ending: str) -> None:
    first = text.find("\n")
    if first < 0:
        return
    found = "CRLF" if first > 0 and text[first - 1] == "\r" else "LF"
    if found != line_ending:
        # Salesforce's wording when the data's line breaks are not the job's lineEnding.
        raise JobFailure("ClientInputError : LineEnding is invalid on user data. Current "
                         f"LineEnding setting is {line_ending}")


def _check_header(header: list[str], sobject: SObjectDef) -> None:
    for name in header:
        if sobject.field(name.strip()) is None:
            raise JobFailure(f"InvalidBatch : Field name not found : {name}")
    seen = [name.strip().lower() for name in header]
    if len(set(seen)) != len(seen):
        raise JobFailure("InvalidBatch : Duplicate field name in the header row")


def body_of(names: list[str], row: list[str]) -> dict:
    """A REST-like record body (``names``: the header's field names, stripped): empty cells left
    out, ``#N/A`` as null."""
    return {name: (None if value == NULL else value) for name, value in zip(names, row) if value}


def error_text(error: errors.SalesforceError) -> str:
    """The ``sf__Error`` (and Bulk 1.0 ``Error``) text of a failed row."""
    return f"{error.error_code}:{error.message}:{','.join(error.fields or [])} --" \
        if error.fields else f"{error.error_code}:{error.message}:--"


class RowWriter:
    """Applies one operation to rows of one object, as its user: a batch of rows at a time, each
    row's result as if it were written alone (see :mod:`.dml_batch`)."""

    def __init__(self, org, sobject: SObjectDef, operation: str, user_id: str,
                 external_id_field: str | None = None) -> None:
        self.org, self.sobject, self.operation = org, sobject, operation
        self.user_id, self.external_id_field = user_id, external_id_field

    def apply(self, header: list[str], rows: list[list[str]]) -> list[RowResult]:
        """Write CSV rows; their errors are reported in the results, never raised."""
        names = [name.strip() for name in header]
        if self.operation == "insert":
            with Batch(self.org) as batch:
                plan = InsertColumns.of(batch, self.sobject, names, self.user_id)
                if plan is not None:
                    results = insert_rows(
                        plan, rows, lambda row, record_id: RowResult(row, record_id, True),
                        lambda row: self._apply(body_of(names, row), row, batch))
                    batch.write()
                    return results
        return self.apply_bodies([body_of(names, row) for row in rows], rows)

    def apply_bodies(self, bodies: list[dict], rows: list[list[str]]) -> list[RowResult]:
        """Write record bodies (CSV rows or JSON records); errors go into the results."""
        bodies = [{k: v for k, v in body.items() if k != "attributes"} if "attributes" in body
                  else body for body in bodies]
        if self.operation == "hardDelete":  # straight past the recycle bin, one at a time
            return [self._apply(body, row, None) for body, row in zip(bodies, rows)]
        with Batch(self.org) as batch:
            key = self.sobject.field(self.external_id_field or "Id")
            record_ids = [_get(body, "Id") for body in bodies] \
                if self.operation != "insert" else []
            batch.read_ahead(self.sobject, bodies, record_ids,
                             key if self.operation == "upsert" and key.type != "id" else None)
            results = [self._apply(body, row, batch) for body, row in zip(bodies, rows)]
            batch.write()
        return results

    def _apply(self, body: dict, row: list[str], batch: Batch | None) -> RowResult:
        record_id = _pop(body, "Id") if self.operation != "insert" else None
        record_id = None if record_id is None else str(record_id)
        result = RowResult(row, id=record_id or "")
        try:
            result.id, result.created = self._write(body, record_id, batch)
        except errors.SalesforceError as error:
            result.failure = _entity(error)
        except errors.MultipleChoices:
            field = self.external_id_field
            result.failure = errors.DUPLICATE_EXTERNAL_ID(
                f"Duplicate external id specified: {body.get(field) or ''}", [field])
        if result.failure is not None:
            result.error = error_text(result.failure)
        return result

    def _write(self, body: dict, record_id: str | None, batch: Batch | None) -> tuple[str, bool]:
        org, sobject, user = self.org, self.sobject, self.user_id
        if self.operation == "insert":
            return dml.create(org, sobject, body, user, via=batch), True
        if self.operation == "upsert":
            return self._upsert(body, record_id, batch)
        if not record_id:
            raise errors.MISSING_ARGUMENT(f"Id not specified in an {self.operation} call")
        if self.operation == "update":
            dml.update(org, sobject, record_id, body, user, via=batch)
        elif self.operation == "delete":
            dml.delete(org, sobject, record_id, via=batch)
        else:  # hardDelete: straight past the recycle bin
            dml.lookup(org, sobject, record_id)
            outcome = recycle_bin.purge(org, [record_id])[0]
            if not outcome["success"]:
                error = outcome["errors"][0]
                raise errors.SalesforceError(error["message"], error["fields"] or None,
                                             error_code=error["statusCode"])
        return ids.to18(record_id), False

    def _upsert(self, body: dict, record_id: str | None, batch: Batch | None) -> tuple[str, bool]:
        field = self.sobject.field(self.external_id_field or "Id")
        if field.type == "id":
            if not record_id:  # no Id: a new record
                return dml.create(self.org, self.sobject, body, self.user_id, via=batch), True
            value = record_id
        else:
            value = _pop(body, field.name)
            if value is None:
                raise errors.MISSING_ARGUMENT(f"{field.name} not specified", [field.name])
        result = dml.upsert(self.org, self.sobject, field.name, value, body, self.user_id, batch)
        return result.id, bool(result.created)


def _get(body: dict, name: str) -> object:
    return next((value for key, value in body.items() if key.lower() == name.lower()), None)


def _pop(body: dict, name: str) -> str | None:
    for key in list(body):
        if key.lower() == name.lower():
            return body.pop(key)
    return None


def _entity(error: errors.SalesforceError) -> errors.SalesforceError:
    # A row naming a missing record: the collections' code, not the single-record 404.
    if isinstance(error, errors.NOT_FOUND):
        return errors.INVALID_CROSS_REFERENCE_KEY("invalid cross reference id")
    return error


def csv_lines(rows: Iterable[Iterable[str]], delimiter: str, line_ending: str) -> Iterator[str]:
    """Rows as CSV lines, every value quoted (as Salesforce writes its result files)."""
    sep, end = DELIMITERS[delimiter], LINE_ENDINGS[line_ending]
    for row in rows:
        yield sep.join('"' + value.replace('"', '""') + '"' for value in row) + end
