"""Updating sObject Collections records a column at a time: records of one object with the same
keys (a loader's records) are judged a column at a time, and each passing one finished as
:func:`.dml.update` finishes it, without reading the stored record.

An update reads the stored record for its checks (it exists, it is not deleted), for the
required fields its body empties and for the fields derived from the record as it will be
(a contact's ``Name`` from its first and last names). Read whole, 200 records cost more than
the rest of the call; here only whether each is live is read. A record goes the exact per-record
way (``slow``), in its place, when its id is not a live record's, when a value does not convert
or empties a required field, when a reference names no live record, or when a derived field
needs the stored record: its error, or its result, is then what updating the records one by one
gives. Calls that name a record twice, and objects or bodies the per-record way judges
differently (unique fields, keys an update may not write, objects that cannot be updated), go
the per-record way entirely: :meth:`UpdateColumns.of` is None.
"""
from __future__ import annotations

from collections.abc import Callable

from ..clock import to_millis
from . import derived, ids
from .bulk_ingest_fast import BAD, json_column
from .dml_batch import Batch
from .schema import SObjectDef


class _NeedsRecord(Exception):
    """A derived-field rule read the record as it will be (which is not read here)."""


class _Unread(dict):
    """The record as it will be, for a derived-field rule: writable, never readable."""

    def get(self, *_):
        raise _NeedsRecord

    def __getitem__(self, _):
        raise _NeedsRecord

    def __contains__(self, _):
        raise _NeedsRecord


class UpdateColumns:
    """The column converters and row checks of one call's update bodies."""

    def __init__(self, batch: Batch, sobject: SObjectDef, fields: list, user_id: str) -> None:
        self.batch, self.sobject = batch, sobject
        rules = batch.rules(sobject)
        self.columns = [json_column(batch, rules, field) for field in fields]
        self.names = [field.name for field in fields]
        self.required = [i for i, field in enumerate(fields) if field.name in rules.required]
        self.derive = derived.rule_of(sobject)
        self.now = batch.now()
        millis = to_millis(self.now)
        self.stamps = (("LastModifiedDate", millis), ("LastModifiedById", user_id),
                       ("SystemModstamp", millis))

    @classmethod
    def of(cls, batch: Batch, sobject: SObjectDef, names: list[str],
           user_id: str) -> "UpdateColumns | None":
        """The plan for update bodies with these keys (neither ``attributes`` nor the id key),
        or None when they need the per-record way."""
        if not sobject.updateable:
            return None
        rules = batch.rules(sobject)
        fields = rules.written(names, False)
        if fields is None or any(field.name in rules.unique for field in fields):
            return None
        return cls(batch, sobject, fields, user_id)

    def values(self, cells: list[list]) -> list[dict | None]:
        """Per body (its values in column order): the values :func:`.dml.prepare` would write,
        or None when the body needs the per-record way."""
        converted = [convert(column) for convert, column in zip(self.columns, zip(*cells))]
        found: list[dict | None] = []
        for row_values in (zip(*converted) if converted else [()] * len(cells)):
            if BAD in row_values or any(row_values[i] is None for i in self.required):
                found.append(None)
                continue
            row = dict(zip(self.names, row_values))
            if self.derive is not None:
                try:
                    self.derive(row, _Unread(), self.now)
                except _NeedsRecord:
                    found.append(None)
                    continue
            for name, value in self.stamps:
                row.setdefault(name, value)
            found.append(row)
        return found


def update_rows(plan: UpdateColumns, records: list, keys: list[object],
                made: Callable[[str], object], slow: Callable[[object], object],
                cells: list[list]) -> list | None:
    """Update the records in order: those whose key is a live record's id and whose values pass
    kept in the batch at once (``made(id)`` is each one's result), the others through
    ``slow(record)``. None (nothing done) when two keys name the same record."""
    batch, sobject = plan.batch, plan.sobject
    record_ids = [ids.to18(key) if isinstance(key, str) and ids.is_valid(key) else None
                  for key in keys]
    named = [record_id for record_id in record_ids if record_id is not None]
    if len(set(named)) != len(named):
        return None
    batch.read_live(sobject, named)
    values = plan.values(cells)
    results: list = []
    changes: list[tuple[str, dict]] = []
    for record, record_id, row in zip(records, record_ids, values):
        if row is None or record_id is None or not batch.exists(sobject, record_id):
            batch.update_all(sobject, changes)
            changes = []
            results.append(slow(record))
            continue
        changes.append((record_id, row))
        results.append(made(record_id))
    batch.update_all(sobject, changes)
    return results
