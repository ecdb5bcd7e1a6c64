"""Custom-object records in the CDP (rule 53): a page written in one transaction, and views.

A record is upserted by (data source, object, Salesforce Id) — a re-delivered record updates its
row, an older delivery than the stored one is ``stale`` (rule 34) — and linked to the person its
identifier finds:

- ``sf_id``: the hidden Id of a Contact or Lead of the same data source (``cdp_sf_link``);
- ``email`` / ``phone``: the oldest person with that normalised value (rule 8's tie-break).
  With ``create_people`` a value no person has creates that person, as the seed's NOTE says
  custom objects with a Unique identifier can. The new person has no hidden Id, so a Contact
  with the same email that syncs later merges into it by email (rule 7).

A record whose person is not found is kept *unlinked*, counted with its reason, and linked by
:func:`relink` on a later poll once the person exists. A deleted record keeps its row with
``deleted`` set (the syncer never hard-deletes CDP data, rule 39).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .candidates import as_utc
from .models import custom_record_table, link_table, person_table, utcnow
from .writer import select_in

_C, _L, _P = custom_record_table.c, link_table.c, person_table.c
BY_SF_ID, BY_EMAIL, BY_PHONE = "sf_id", "email", "phone"
#: Why a record is unlinked: the count label of each case.
NO_IDENTIFIER, PERSON_NOT_SYNCED, NO_MATCH = (
    "unlinked:no_identifier", "unlinked:person_not_synced", "unlinked:no_match")
PAGE = 1000


@dataclass(slots=True)
class CustomRecord:
    """One custom-object record to store; ``identifier`` is already normalised."""

    sf_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    identify_by: str | None = None  # BY_SF_ID, BY_EMAIL or BY_PHONE
    identifier: str | None = None
    modstamp: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class CustomRecordView:
    """A stored custom-object record."""

    id: int
    data_source_id: int
    sobject: str
    sf_id: str
    person_id: int | None
    identify_by: str | None
    identifier: str | None
    fields: dict[str, Any]
    deleted: bool
    modstamp: datetime | None


def write_records(conn: sa.Connection, data_source_id: int, sobject: str,
                  records: Iterable[CustomRecord], create_people: bool = False) -> Counter:
    """Upsert a page of one object's records and link them; return counts by outcome."""
    counts: Counter = Counter()
    page = list({r.sf_id: r for r in records}.values())  # the last delivery of an Id wins
    stored = sa.select(_C.sf_id, _C.id, _C.modstamp).where(
        _C.data_source_id == data_source_id, _C.sobject == sobject)
    existing = {row["sf_id"]: row for row in select_in(conn, stored, _C.sf_id, (r.sf_id for r in page))}
    now = utcnow()
    inserts, updates, deletes, live = [], [], [], []
    for record in page:
        row = existing.get(record.sf_id)
        if row is not None and _older(record.modstamp, row["modstamp"]):
            counts["skipped:stale"] += 1
        elif record.deleted and row is None:
            counts["skipped:deleted_not_synced"] += 1
        elif record.deleted:
            deletes.append({"_id": row["id"], "deleted": True, "modstamp": as_utc(record.modstamp),
                            "updated_at": now})
        else:
            live.append(record)
    people = find_people(conn, data_source_id, [(r.identify_by, r.identifier) for r in live])
    if create_people:
        people.update(_create_people(conn, [(r.identify_by, r.identifier) for r in live], people, counts))
    for record in live:
        person_id = people.get((record.identify_by, record.identifier))
        if person_id is None:
            counts[_why_unlinked(record)] += 1
        values = {"person_id": person_id, "identify_by": record.identify_by,
                  "identifier": record.identifier, "field_values": record.fields,
                  "deleted": False, "modstamp": as_utc(record.modstamp), "updated_at": now}
        if record.sf_id in existing:
            updates.append(dict(values, _id=existing[record.sf_id]["id"]))
        else:
            inserts.append(dict(values, data_source_id=data_source_id, sobject=sobject,
                                sf_id=record.sf_id, created_at=now))
    if inserts:
        conn.execute(sa.insert(custom_record_table), inserts)
    for rows in (updates, deletes):
        if rows:
            conn.execute(sa.update(custom_record_table).where(_C.id == sa.bindparam("_id")), rows)
    counts["inserted"] += len(inserts)
    counts["updated"] += len(updates)
    counts["deleted"] += len(deletes)
    return +counts


def relink(conn: sa.Connection, data_source_id: int, sobject: str) -> int:
    """Link the object's unlinked live records whose person exists now; return how many."""
    linked, last = 0, 0
    while True:
        rows = conn.execute(sa.select(_C.id, _C.identify_by, _C.identifier).where(
            _C.data_source_id == data_source_id, _C.sobject == sobject, _C.person_id.is_(None),
            _C.deleted.is_(False), _C.identifier.is_not(None), _C.id > last)
            .order_by(_C.id).limit(PAGE)).all()
        people = find_people(conn, data_source_id, [(r.identify_by, r.identifier) for r in rows])
        found = [{"_id": r.id, "person_id": people[(r.identify_by, r.identifier)], "updated_at": utcnow()}
                 for r in rows if (r.identify_by, r.identifier) in people]
        if found:
            conn.execute(sa.update(custom_record_table).where(_C.id == sa.bindparam("_id")), found)
            linked += len(found)
        if len(rows) < PAGE:
            return linked
        last = rows[-1].id


def find_people(conn: sa.Connection, data_source_id: int,
                identifiers: Iterable[tuple[str | None, str | None]]) -> dict[tuple[str, str], int]:
    """The person each ``(identify_by, identifier)`` finds, for those that find one."""
    wanted: dict[str, set[str]] = {BY_SF_ID: set(), BY_EMAIL: set(), BY_PHONE: set()}
    for kind, value in identifiers:
        if kind in wanted and value is not None:
            wanted[kind].add(value)
    found: dict[tuple[str, str], int] = {}
    links = sa.select(_L.sf_id, _L.person_id).where(_L.data_source_id == data_source_id,
                                                     _L.person_id.is_not(None))
    for row in select_in(conn, links, _L.sf_id, wanted[BY_SF_ID]):
        found[(BY_SF_ID, row["sf_id"])] = row["person_id"]
    for kind, column in ((BY_EMAIL, _P.email), (BY_PHONE, _P.phone)):
        people = sa.select(column.label("value"), _P.id, _P.created_at)
        oldest: dict[str, tuple] = {}
        for row in select_in(conn, people, column, wanted[kind]):
            order = (as_utc(row["created_at"]), row["id"])
            if row["value"] not in oldest or order < oldest[row["value"]]:
                oldest[row["value"]] = order
        found.update({(kind, value): order[1] for value, order in oldest.items()})
    return found


def _create_people(conn: sa.Connection, identifiers: Iterable[tuple[str | None, str | None]],
                   found: dict[tuple[str, str], int], counts: Counter) -> dict[tuple[str, str], int]:
    """New people for the email/phone identifiers no person has (one per distinct value)."""
    missing = list(dict.fromkeys((kind, value) for kind, value in identifiers
                                 if kind in (BY_EMAIL, BY_PHONE) and value is not None
                                 and (kind, value) not in found))
    if not missing:
        return {}
    now = utcnow()
    # As a CSV or API import creates a person: subscribed to email by default (the seed).
    rows = [{"email": value if kind == BY_EMAIL else None, "phone": value if kind == BY_PHONE else None,
             "field_values": {}, "email_permission": True, "sms_permission": False,
             "email_unsubscribed_in_cdp": False, "sms_unsubscribed_in_cdp": False,
             "archived": False, "created_at": now, "updated_at": now} for kind, value in missing]
    ids = conn.execute(sa.insert(person_table).returning(_P.id, sort_by_parameter_order=True),
                       rows).scalars().all()
    counts["people:created"] += len(ids)
    return dict(zip(missing, ids))


def _why_unlinked(record: CustomRecord) -> str:
    if record.identifier is None:
        return NO_IDENTIFIER
    return PERSON_NOT_SYNCED if record.identify_by == BY_SF_ID else NO_MATCH


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    return incoming is not None and stored is not None and as_utc(incoming) < as_utc(stored)


def iter_records(engine: sa.Engine, data_source_id: int | None = None,
                 sobject: str | None = None) -> Iterator[CustomRecordView]:
    """Stored custom-object records in id order (a generator paged by id)."""
    stmt = sa.select(custom_record_table)
    if data_source_id is not None:
        stmt = stmt.where(_C.data_source_id == data_source_id)
    if sobject is not None:
        stmt = stmt.where(_C.sobject == sobject)
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(stmt.where(_C.id > last).order_by(_C.id).limit(PAGE)).all()
        yield from (CustomRecordView(r.id, r.data_source_id, r.sobject, r.sf_id, r.person_id,
                                     r.identify_by, r.identifier, dict(r.field_values), r.deleted,
                                     r.modstamp) for r in rows)
        if len(rows) < PAGE:
            return
        last = rows[-1].id
