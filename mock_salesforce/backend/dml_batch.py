"""DML on many records at once: each record judged and answered as if it were written alone, in
order; the valid ones then written together, one ``executemany`` per object and set of columns.

Bulk API 2.0 and 1.0 ingest, sObject Collections, control-plane loads and ``--seed`` write
through a :class:`Batch`. It reads what its records need in a few ``IN`` queries (the records
they update or delete, the records their references name, the records holding their unique or
external-id values) and keeps what its earlier records changed (records created, updated or
deleted, unique and external-id values taken), so each record sees the org exactly as writing
the records before it one by one would have left it: the same checks and errors in the same
order, and an id taken only by a record that passes every check, so the records after a failed
one get the ids a row-by-row write gives them. The batch holds the org's write lock from its
first record to its write.
"""
from __future__ import annotations

from collections.abc import Iterable

from .. import errors
from ..clock import to_millis
from . import ids, recycle_bin
from .dml import Direct, prepare, reference_target, require
from .dml_rules import Rules
from .records import to_store
from .schema import FieldDef, SObjectDef

CHUNK = 500  # ids or values per IN query


class Batch(Direct):
    """The records of one batch and what they changed, until :meth:`write` (or :meth:`close`)."""

    def __init__(self, org) -> None:
        super().__init__(org)
        self._now = org.clock.now()
        self._rules: dict[str, Rules] = {}
        self._records: dict[str, dict[str, dict | None]] = {}  # object → id → record, None: none
        self._live: dict[str, dict[str, bool]] = {}  # object → id → a live record?
        self._found: dict[tuple[str, str], dict[object, list[str]]] = {}  # stored matches by key
        self._written: dict[str, list[tuple[str, dict]]] = {}  # object → (id, values) in order
        self._taken: dict[tuple[str, str], dict[str, object]] = {}  # id → key, set in the batch
        self._holders: dict[tuple[str, str], dict[object, list[str]]] = {}  # key → those ids
        self._folded: dict[tuple[str, str], int] = {}  # how many of _written _taken has seen
        self._inserts: dict[str, dict[str, dict]] = {}  # object → id → new record
        self._updates: dict[str, dict[str, dict]] = {}  # object → id → columns to set
        self._sobjects: dict[str, SObjectDef] = {}
        self._along: list[tuple[str, list[tuple]]] = []  # deleted id → what its delete took along
        self._locked = False

    def __enter__(self) -> "Batch":
        self.org.store.write_lock.acquire()
        self._locked = True
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Forget what was not written and let other writers in."""
        self._inserts.clear()
        self._updates.clear()
        self._along.clear()
        if self._locked:
            self._locked = False
            self.org.store.write_lock.release()

    # -- what validation reads ----------------------------------------------------------------
    def rules(self, sobject: SObjectDef) -> Rules:
        """The object's rules, read once per batch."""
        rules = self._rules.get(sobject.name)
        if rules is None:
            rules = self._rules[sobject.name] = Rules.of(sobject)
        return rules

    def now(self):
        """One time for the whole batch (written in one transaction)."""
        return self._now

    def exists(self, target: SObjectDef, record_id: str) -> bool:
        """A live record, as the batch has left it."""
        live = self._live.setdefault(target.name, {})
        if record_id not in live:
            live[record_id] = bool(self.org.store.existing_ids(target, [record_id]))
        return live[record_id]

    def matches(self, sobject: SObjectDef, field, value: object) -> list[str]:
        """Stored matches still holding the value, then records given it in the batch."""
        key = self.org.store.match_key(field, value)
        found = self._found.setdefault((sobject.name, field.name), {})
        if key not in found:
            found[key] = self.org.store.find(sobject, field, value)
        taken, holders = self._taken_of(sobject, field)
        live = self._live.get(sobject.name, {})
        return [i for i in found[key] if i not in taken and live.get(i, True)] + \
            [i for i in holders.get(key, ()) if live.get(i, True)]

    def record(self, sobject: SObjectDef, record_id: str) -> dict | None:
        """A record as the batch has left it."""
        records = self._records.setdefault(sobject.name, {})
        if record_id not in records:
            stored = super().record(sobject, record_id)
            records[record_id] = self._pending(sobject, record_id, stored)
        return records[record_id]

    def _pending(self, sobject: SObjectDef, record_id: str, stored: dict | None) -> dict | None:
        """A stored record with what :meth:`update_all` kept for it (it keeps no record)."""
        pending = self._updates.get(sobject.name, {}).get(record_id)
        return {**stored, **pending} if stored is not None and pending else stored

    # -- reading ahead: a few queries instead of one or more per record -------------------------
    def read_ahead(self, sobject: SObjectDef, bodies: list, record_ids: Iterable[object] = (),
                   key: FieldDef | None = None) -> None:
        """Read what these records will ask of the store: the records they name by id, the
        records their references name, the holders of their unique (and ``key``) values."""
        self.read_records(sobject, record_ids)
        references: dict[str, set[str]] = {}
        values: dict[str, set] = {}
        fields: dict[str, FieldDef | None] = {}  # body key → the field it names
        for body in bodies:
            if not isinstance(body, dict):
                continue
            for name, value in body.items():
                if name not in fields:
                    field = sobject.field(name)
                    fields[name] = field if field is not None and (
                        field.type == "reference" or field.unique or field is key) else None
                field = fields[name]
                if field is None or value is None:
                    continue
                if field.type == "reference":
                    if ids.is_valid(value):
                        record_id = ids.to18(value)
                        references.setdefault(ids.prefix_of(record_id), set()).add(record_id)
                    continue
                try:
                    values.setdefault(field.name, set()).add(to_store(field, value))
                except (errors.SalesforceError, TypeError):
                    continue  # the record fails on it; nothing to read
        for prefix, wanted in references.items():
            target = self.org.schema.by_prefix(prefix)
            if target is not None:
                self.read_live(target, wanted)
        for name, wanted in values.items():
            self.read_values(sobject, sobject.fields[name], wanted)
        if key is not None:  # an upsert updates the records its keys find
            found = self._found.get((sobject.name, key.name), {})
            self.read_records(sobject, [i for holders in found.values() for i in holders])

    def read_records(self, sobject: SObjectDef, record_ids: Iterable[object]) -> None:
        """Read the records these ids name (deleted ones too), for updates and deletes."""
        records = self._records.setdefault(sobject.name, {})
        wanted = list({ids.to18(i) for i in record_ids if ids.is_valid(i)} - records.keys())
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            rows = self.org.store.get_many(sobject, chunk, include_deleted=True)
            for record_id in chunk:
                records[record_id] = self._pending(sobject, record_id, rows.get(record_id))

    def read_live(self, target: SObjectDef, record_ids: Iterable[str]) -> None:
        """Learn which of these records (18-character ids) are live."""
        live = self._live.setdefault(target.name, {})
        wanted = [record_id for record_id in record_ids if record_id not in live]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            found = self.org.store.existing_ids(target, chunk)
            live.update((record_id, record_id in found) for record_id in chunk)

    def read_values(self, sobject: SObjectDef, field, values: Iterable[object]) -> None:
        """Read which stored records hold these (stored-form) values of a unique or external-id
        field."""
        store = self.org.store
        found = self._found.setdefault((sobject.name, field.name), {})
        # Non-ASCII text is left to one query each: how the database folds its case is its own.
        wanted = {store.match_key(field, v): v for v in values
                  if v is not None and (not isinstance(v, str) or v.isascii())}
        wanted = {key: value for key, value in wanted.items() if key not in found}
        for key in wanted:
            found[key] = []
        for record_id, value in store.find_many(sobject, field, list(wanted.values())):
            found.setdefault(store.match_key(field, value), []).append(record_id)

    # -- what the records change -----------------------------------------------------------------
    def insert(self, sobject: SObjectDef, row: dict) -> None:
        """Keep a new record for the write; later records see it."""
        record_id = row["Id"]
        self._sobjects[sobject.name] = sobject
        self._inserts.setdefault(sobject.name, {})[record_id] = row
        self._records.setdefault(sobject.name, {})[record_id] = row
        self._live.setdefault(sobject.name, {})[record_id] = True
        self._take(sobject, record_id, row)

    def insert_all(self, sobject: SObjectDef, rows: list[dict]) -> None:
        """:meth:`insert` each of these new records, in order."""
        self._sobjects[sobject.name] = sobject
        by_id = {row["Id"]: row for row in rows}
        self._inserts.setdefault(sobject.name, {}).update(by_id)
        self._records.setdefault(sobject.name, {}).update(by_id)
        self._live.setdefault(sobject.name, {}).update(dict.fromkeys(by_id, True))
        self._written.setdefault(sobject.name, []).extend(by_id.items())

    def update(self, sobject: SObjectDef, existing: dict, values: dict) -> None:
        """Keep new values of a record for the write; later records see them."""
        record_id = existing["Id"]
        self._sobjects[sobject.name] = sobject
        pending = self._inserts.get(sobject.name, {}).get(record_id)
        if pending is not None:
            pending.update(values)
        else:
            self._updates.setdefault(sobject.name, {}).setdefault(record_id, {}).update(values)
        self._records.setdefault(sobject.name, {})[record_id] = {**existing, **values}
        if values.get("IsDeleted"):
            self._live.setdefault(sobject.name, {})[record_id] = False
        self._take(sobject, record_id, values)

    def update_all(self, sobject: SObjectDef, changes: list[tuple[str, dict]]) -> None:
        """:meth:`update` these live stored records (id, values), in order, without having read
        them: a record read later is the stored one with these values over it."""
        self._sobjects[sobject.name] = sobject
        updates = self._updates.setdefault(sobject.name, {})
        inserts = self._inserts.get(sobject.name, {})
        records = self._records.get(sobject.name, {})
        for record_id, values in changes:
            pending = inserts.get(record_id)
            if pending is not None:
                pending.update(values)
            else:
                updates.setdefault(record_id, {}).update(values)
            if records.get(record_id) is not None:
                records[record_id] = {**records[record_id], **values}
        self._written.setdefault(sobject.name, []).extend(changes)

    def delete(self, sobject: SObjectDef, existing: dict) -> None:
        """Keep a record's move to the bin for the write, with the live records its
        cascadeDelete relationships take along; later records see them all deleted."""
        now = to_millis(self._now)
        values = {"IsDeleted": True, "_deleted_at": now, "SystemModstamp": now}
        self.update(sobject, existing, values)
        with self.org.store.engine.connect() as conn:
            found = recycle_bin.taken_along(self.org, sobject, existing["Id"], conn)
        taken = []
        for child, child_ids in found:
            live = [i for i in child_ids if self._live.get(child.name, {}).get(i, True)]
            for child_id in live:
                self.update(child, {"Id": child_id}, values)
            if live:
                taken.append((child, live))
        self._along.append((existing["Id"], taken))

    def _take(self, sobject: SObjectDef, record_id: str, values: dict) -> None:
        # Folded into _taken only when a record is looked up by such a field: a batch of
        # plain inserts never pays for it.
        self._written.setdefault(sobject.name, []).append((record_id, values))

    def _taken_of(self, sobject: SObjectDef, field) -> tuple[dict, dict]:
        """Of the records the batch gave a value of this field, up to now: id → key, and
        key → ids."""
        pair = (sobject.name, field.name)
        taken = self._taken.setdefault(pair, {})
        holders = self._holders.setdefault(pair, {})
        written = self._written.get(sobject.name, [])
        for record_id, values in written[self._folded.get(pair, 0):]:
            if field.name in values:
                if record_id in taken:
                    holders[taken[record_id]].remove(record_id)
                key = taken[record_id] = self.org.store.match_key(field, values[field.name])
                holders.setdefault(key, []).append(record_id)
        self._folded[pair] = len(written)
        return taken, holders

    def write(self) -> None:
        """Write every kept record in one transaction."""
        store = self.org.store
        if self._along:
            recycle_bin.cascade_table(self.org)  # before the transaction: see recycle_bin.to_bin
        with store.engine.begin() as conn:
            for name, rows in self._inserts.items():
                store.insert_many(self._sobjects[name], list(rows.values()), conn)
            for name, changes in self._updates.items():
                store.update_many(self._sobjects[name], changes, conn)
            for root_id, taken in self._along:
                recycle_bin.log_along(self.org, root_id, taken, conn)
        self._inserts.clear()
        self._updates.clear()
        self._along.clear()


def bulk_create(org, sobject: SObjectDef, bodies: list, user_id: str, audit: bool = False) -> list[str]:
    """Insert many records in one transaction (seeding and control-plane loads); all or nothing:
    the first invalid record's error is raised, references are checked after every body."""
    require(sobject.createable or audit, sobject, "create")
    with Batch(org) as batch:
        batch.read_ahead(sobject, bodies)
        rows = [prepare(org, sobject, body, creating=True, user_id=user_id, audit=audit,
                        check_refs=False, via=batch) for body in bodies]
        check_references(org, sobject, rows)
        for row in rows:
            batch.insert(sobject, row)
        batch.write()
    return [row["Id"] for row in rows]


def check_references(org, sobject: SObjectDef, rows: list[dict]) -> None:
    """Check every reference of many rows with one query per target object (bulk loads)."""
    wanted: dict[str, set[str]] = {}
    references = {f.name for f in sobject.fields.values() if f.type == "reference"}
    for row in rows:
        for name, value in row.items():
            if name in references and value is not None:
                target = reference_target(org, sobject.fields[name], value)
                wanted.setdefault(target.name, set()).add(value)
    for target_name, values in wanted.items():
        target = org.sobject(target_name)
        values = list(values)
        found: set[str] = set()
        for start in range(0, len(values), CHUNK):
            found |= org.store.existing_ids(target, values[start:start + CHUNK])
        missing = set(values) - found
        if missing:
            raise errors.INVALID_CROSS_REFERENCE_KEY(
                f"invalid cross reference id: {sorted(missing)[0]}")
