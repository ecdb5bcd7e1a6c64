"""Inserting CSV rows a column at a time: the checks of :func:`.dml.prepare` that need nothing but
the row, chosen once per chunk from each column's field and applied down the column.

A row passes when every cell converts (text within its length, a number, date or boolean that
reads, a reference to a live record of an object the field may name) and every required field
has a value; it is then finished here exactly as :func:`.dml.prepare` finishes a new record
(defaults, values the org writes itself, derived fields, audit fields, id) and kept in the
batch. Any other row goes the exact per-row way (``slow``), in its place, so its error, and the
ids of the rows after it, are what writing the rows one by one gives. Objects whose insert
checks depend on more than the row (unique fields in play, columns an insert may not write,
objects that cannot be created) go the per-row way entirely: :meth:`InsertColumns.of` is None.

sObject Collections insert JSON records the same way (``typed``): their values are JSON values,
so null is null, an empty text is a text, and nothing is left out.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from ..clock import to_millis
from . import derived, ids
from .dml_batch import Batch
from .dml_rules import Rules
from .records import EMAIL, to_store
from .schema import FieldDef, SObjectDef

NULL = "#N/A"  # a cell setting its field to null (see bulk_ingest_rows)
OMIT = object()  # an empty cell: the field is left alone
BAD = object()  # a cell the field does not take: the row goes the per-row way
# Text types whose only check is the length (email and restricted picklists check more).
_PLAIN_TEXT = {"string", "textarea", "phone", "url", "multipicklist", "combobox",
               "encryptedstring"}

Column = Callable[[tuple], list]


class InsertColumns:
    """The column converters and row checks of one chunk of insert rows."""

    def __init__(self, batch: Batch, sobject: SObjectDef, fields: list[FieldDef],
                 user_id: str, typed: bool = False) -> None:
        self.batch, self.sobject, self.fields, self.user_id = batch, sobject, fields, user_id
        self.rules = batch.rules(sobject)
        self.columns = [(self._json_column if typed else self._column)(field) for field in fields]
        defaults = {name for name, _ in self.rules.defaults}
        index = {field.name: i for i, field in enumerate(fields)}
        # A required field in no column and without a default: every row misses it.
        self.hopeless = any(name not in index and name not in defaults
                            for name in self.rules.required)
        # Required columns: an empty cell is a miss unless a default fills it; #N/A always is.
        self.required = [(index[name], name in defaults) for name in self.rules.required
                         if name in index]
        # What a new record's row leaves out is filled from these (dml.prepare's setdefaults).
        self._filled = {**dict(self.rules.initial), **dict(self.rules.defaults)}
        self._now = batch.now()
        millis = to_millis(self._now)
        self._stamps = {"LastModifiedDate": millis, "LastModifiedById": user_id,
                        "SystemModstamp": millis, "IsDeleted": False, "CreatedDate": millis,
                        "CreatedById": user_id}
        if "OwnerId" in sobject.fields:
            self._stamps["OwnerId"] = user_id
        self._names = [field.name for field in fields]
        self._derive = derived.rule_of(sobject)
        # No column, default or derived field sets an audit field: they can simply go last.
        self._stamps_last = not self._stamps.keys() & {*self._names, *self._filled}

    @classmethod
    def of(cls, batch: Batch, sobject: SObjectDef, names: list[str], user_id: str,
           typed: bool = False) -> "InsertColumns | None":
        """The plan for rows under these header names (of JSON values when ``typed``), or None
        when they need the per-row way."""
        if not sobject.createable:
            return None
        rules = batch.rules(sobject)
        fields = rules.written(names, True)
        if fields is None or {f.name for f in fields} & rules.unique or \
                {name for name, _ in rules.defaults} & (rules.unique | rules.references):
            return None
        return cls(batch, sobject, fields, user_id, typed)

    def _column(self, field: FieldDef) -> Column:
        if field.type in _PLAIN_TEXT or field.type == "picklist" and not field.restricted_picklist:
            limit = field.length or 0
            if not limit:
                return lambda cells: [OMIT if c == "" else None if c == NULL else c for c in cells]
            return lambda cells: [OMIT if c == "" else None if c == NULL else c
                                  if len(c) <= limit else BAD for c in cells]
        if field.name in self.rules.references:
            return lambda cells: self._references(field, self._converted(field, cells))
        return lambda cells: self._converted(field, cells)

    def _json_column(self, field: FieldDef) -> Column:
        return json_column(self.batch, self.rules, field)

    @staticmethod
    def _converted(field: FieldDef, cells: tuple) -> list:
        """Each cell as :func:`.records.to_store` stores it, BAD where it raises."""
        values = []
        for cell in cells:
            if cell == "":
                values.append(OMIT)
            elif cell == NULL:
                values.append(None)
            else:
                try:
                    values.append(to_store(field, cell))
                except Exception:  # noqa: BLE001 - the per-row way raises it again, in its place
                    values.append(BAD)
        return values

    def _references(self, field: FieldDef, values: list) -> list:
        return live_references(self.batch, field, values)

    def values(self, rows: list[list[str]]) -> list[tuple | None]:
        """Per row: the stored values of its cells (OMIT for an empty one) when it passes the
        row's own checks, else None (the row goes the per-row way)."""
        if self.hopeless or not rows:
            return [None] * len(rows)
        converted = [convert(cells) for convert, cells in zip(self.columns, zip(*rows))]
        failed: set[int] = set()
        for column in converted:
            if BAD in column:
                failed.update(i for i, value in enumerate(column) if value is BAD)
        for index, default in self.required:
            column = converted[index]
            if None in column or (OMIT in column and not default):
                failed.update(i for i, value in enumerate(column)
                              if value is None or (value is OMIT and not default))
        found: list[tuple | None] = list(zip(*converted))
        for index in failed:
            found[index] = None
        return found

    def finish(self, cells: tuple, record_id: str) -> dict:
        """A passing row's values made the record to write, as :func:`.dml.prepare` makes it:
        what the row leaves out taken from defaults, then from the values the org writes itself,
        derived fields, then audit fields, the id and what derives from it."""
        row = self._filled.copy()
        if OMIT in cells:
            row.update((name, value) for name, value in zip(self._names, cells)
                       if value is not OMIT)
        else:
            row.update(zip(self._names, cells))
        if self._derive is not None:
            self._derive(row, row, self._now)
        if self._stamps_last:
            row.update(self._stamps)
        else:
            row = {**self._stamps, **row}
        row["Id"] = record_id
        derived.from_id(row, self.rules.id_templates)
        return row


def json_column(batch: Batch, rules: Rules, field: FieldDef) -> Column:
    """The converter of a column of JSON values: each as :func:`.records.to_store` stores it,
    BAD where it raises or (a reference validation checks) names no live record the field may
    point to."""
    if field.type in _PLAIN_TEXT or field.type == "picklist" and not field.restricted_picklist:
        limit = field.length or math.inf
        return lambda values: [value if value.__class__ is str and len(value) <= limit
                               else _stored(field, value) for value in values]
    if field.type == "email":  # as records._text judges a text: its length, then its shape
        limit, shaped = field.length or math.inf, EMAIL.match
        return lambda values: [value if value.__class__ is str and len(value) <= limit
                               and (not value or shaped(value)) else _stored(field, value)
                               for value in values]
    if field.name in rules.references:
        return lambda values: live_references(batch, field, [_stored(field, v) for v in values])
    return lambda values: [_stored(field, value) for value in values]


def live_references(batch: Batch, field: FieldDef, values: list) -> list:
    """Stored ids of records that are live (read for the whole column at once), else BAD."""
    schema = batch.org.schema
    targets: dict[str, SObjectDef | None] = {}
    wanted: dict[str, set[str]] = {}
    for value in values:
        if isinstance(value, str):
            prefix = ids.prefix_of(value)
            if prefix not in targets:
                target = schema.by_prefix(prefix)
                targets[prefix] = target if target is not None and \
                    target.name in field.reference_to else None
            if targets[prefix] is not None:
                wanted.setdefault(prefix, set()).add(value)
    for prefix, found in wanted.items():
        batch.read_live(targets[prefix], found)
    exists = batch.exists
    return [value if not isinstance(value, str) else BAD
            if targets[ids.prefix_of(value)] is None
            or not exists(targets[ids.prefix_of(value)], value) else value
            for value in values]


def _stored(field: FieldDef, value: object) -> object:
    """A JSON value as :func:`.records.to_store` stores it, BAD where it raises."""
    if value is None:
        return None
    try:
        return to_store(field, value)
    except Exception:  # noqa: BLE001 - the per-row way raises it again, in its place
        return BAD


def insert_rows(plan: InsertColumns, rows: list, made: Callable[[object, str], object],
                slow: Callable[[object], object], cells: list[list] | None = None) -> list:
    """Insert the rows in order: passing runs of rows with ids taken at once (``made(row, id)``
    is each one's result), the others through ``slow(row)``. ``cells``: each row's values in the
    plan's column order, when the rows themselves are not (JSON records)."""
    batch, sobject, org = plan.batch, plan.sobject, plan.batch.org
    values = plan.values(rows if cells is None else cells)
    results: list = []
    start, count = 0, len(rows)
    while start < count:
        if values[start] is None:
            results.append(slow(rows[start]))
            start += 1
            continue
        stop = start
        while stop < count and values[stop] is not None:
            stop += 1
        made_ids = org.new_ids(sobject, stop - start)
        finish = plan.finish
        batch.insert_all(sobject, [finish(value, record_id)
                                   for value, record_id in zip(values[start:stop], made_ids)])
        results.extend(map(made, rows[start:stop], made_ids))
        start = stop
    return results

