"""Page-level database work for merges: load a page's candidates, write a planned page.

Both take an open connection inside the caller's transaction. Loading costs a handful of
``IN`` queries per page (lists chunked to ``CHUNK`` values, well under every driver's parameter
limit); writing costs a few executemany statements per page, never one round trip per record.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from .candidates import CandidateIndex, IncomingRecord, LinkState, PersonSnapshot
from .fastpath import execute_many, select_rows
from .merge import Outcome
from .models import PERSON_COLUMNS, link_table, person_table
from .settings import FindStrategy, PeopleSettings

CHUNK = 500
_P, _L = person_table.c, link_table.c
Row = dict[str, Any]
_PERSON_FIELD_COLUMNS = tuple(PERSON_COLUMNS.items())


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` values."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def select_in(conn: sa.Connection, stmt: sa.Select, column: sa.ColumnElement,
              values: Iterable[Any]) -> list[Row]:
    """Rows (dicts) of ``stmt`` filtered by ``column IN values``, one query per chunk."""
    unique = list(dict.fromkeys(v for v in values if v is not None))
    rows: list[Row] = []
    if unique:
        if conn.dialect.name == "postgresql":
            # One array parameter: psycopg prepares repeated statements, and a generic plan for
            # a 500-placeholder IN list scans whole tables; "= ANY(array)" keeps index scans.
            keys = sa.bindparam("_keys", type_=ARRAY(column.type))
            stmt = stmt.where(column == sa.any_(keys))
        else:
            stmt = stmt.where(column.in_(sa.bindparam("_keys", expanding=True)))
        for chunk in chunked(unique):
            rows.extend(select_rows(conn, stmt, {"_keys": list(chunk)}))
    return rows


# --- people -------------------------------------------------------------------------------

#: Person columns a merge reads (``updated_at`` is only ever written).
_PERSON_READ = tuple(c for c in person_table.c if c.name != "updated_at")
_LINK_READ = (_L.id.label("link_id"), _L.sf_id, _L.sf_object, _L.account_id,
              _L.converted_contact_id, _L.modstamp)


def person_snapshot(row: Row) -> PersonSnapshot:
    """A snapshot of one ``cdp_person`` row (column fields folded into ``fields``)."""
    values = dict(row["field_values"])
    for field_id, column in _PERSON_FIELD_COLUMNS:
        value = row[column]
        if value is not None:
            values[field_id] = value
    return PersonSnapshot(row["id"], row["created_at"], values, row["email_permission"],
                          row["sms_permission"], row["email_unsubscribed_in_cdp"],
                          row["sms_unsubscribed_in_cdp"], row["archived"],
                          row["organization_id"], stored=row)


def load_people_candidates(conn: sa.Connection, data_source_id: int,
                           incoming: Sequence[IncomingRecord], settings: PeopleSettings,
                           now: datetime | None = None) -> CandidateIndex:
    """Every stored person a page could match, indexed (rules 6–8, 12, 17).

    Hidden Ids are read joined to their people. Email and phone candidates are loaded only
    for records whose hidden Id is unknown (key 1 wins otherwise). Under "previous key empty"
    people holding an Id of this source are never eligible for an email or phone match, so SQL
    filters them out, as it does people with an email for the phone key (rule 7); people
    changed by earlier records of the page are in the index anyway.
    """
    index = CandidateIndex(data_source_id, now)
    people: dict[int, PersonSnapshot] = {}

    def snapshot(row: Row) -> PersonSnapshot:
        person = people.get(row["id"])
        if person is None:
            person = people[row["id"]] = person_snapshot(row)
        return person

    linked = (sa.select(*_PERSON_READ, *_LINK_READ)
              .join_from(link_table, person_table, _L.person_id == _P.id)
              .where(_L.data_source_id == data_source_id))
    link_rows = select_in(conn, linked, _L.sf_id, [r.sf_id for r in incoming])
    for row in link_rows:
        index.add_link(LinkState(row["sf_id"], row["sf_object"], snapshot(row), row["link_id"],
                                 row["account_id"], row["converted_contact_id"],
                                 row["modstamp"]))
    unmatched = [r for r in incoming if r.sf_id not in index.links]
    if settings.merge_converted_leads:
        contacts = [r.sf_id for r in unmatched if r.sf_object == "Contact"]
        for row in select_in(conn, linked, _L.converted_contact_id, contacts):
            lead_person = snapshot(row)
            lead_person.sf_sources.add(data_source_id)  # it holds the lead's Id of this source
            index.converted.setdefault(row["converted_contact_id"], lead_person)

    by_email = by_phone = sa.select(*_PERSON_READ)
    if settings.merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY:
        unheld = ~sa.exists().where(_L.person_id == _P.id, _L.data_source_id == data_source_id)
        by_email = by_email.where(unheld)
        by_phone = by_phone.where(unheld, _P.email.is_(None))
    for stmt, column, values in ((by_email, _P.email, [r.email for r in unmatched]),
                                 (by_phone, _P.phone, [r.phone for r in unmatched])):
        for row in select_in(conn, stmt, column, values):
            snapshot(row)
    for person in people.values():
        index.add_person(person)

    accounts = [r.account_id for r in incoming] + [row["account_id"] for row in link_rows]
    org_links = sa.select(_L.sf_id, _L.organization_id).where(
        _L.data_source_id == data_source_id, _L.organization_id.is_not(None))
    for row in select_in(conn, org_links, _L.sf_id, accounts):
        index.orgs_by_account[row["sf_id"]] = row["organization_id"]
    return index


def _person_row(person: PersonSnapshot) -> dict[str, Any]:
    values = dict(person.fields)
    row: dict[str, Any] = {column: values.pop(field_id, None)
                           for field_id, column in _PERSON_FIELD_COLUMNS}
    row.update(field_values=values, email_permission=person.email_permission,
               sms_permission=person.sms_permission,
               email_unsubscribed_in_cdp=person.email_unsubscribed_in_cdp,
               sms_unsubscribed_in_cdp=person.sms_unsubscribed_in_cdp,
               archived=person.archived, organization_id=person.organization_id)
    return row


def dirty_items(outcomes: Iterable[Outcome]) -> tuple[list[Any], list[Any], list[LinkState],
                                                  list[LinkState]]:
    """Unique dirty targets and links, split into new and existing, in page order."""
    new, changed, new_links, changed_links = [], [], [], []
    seen: set[int] = set()
    for outcome in outcomes:
        for item, fresh, stale in ((outcome.target, new, changed),
                                   (outcome.link, new_links, changed_links)):
            if item is not None and item.dirty and id(item) not in seen:
                seen.add(id(item))
                (fresh if item.id is None else stale).append(item)
    return new, changed, new_links, changed_links


def allocate_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Reserve ``count`` primary keys, so a page inserts with one plain executemany.

    ``INSERT … RETURNING`` in parameter order falls back to one statement per row on SQLite,
    so ids are taken up front: from the serial's sequence on PostgreSQL, and past ``max(id)``
    on SQLite, which is safe because CDP writers hold the write lock (``BEGIN IMMEDIATE``).
    """
    if conn.dialect.name == "postgresql":
        stmt = sa.text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                       f"FROM generate_series(1, :n)")
        return list(conn.execute(stmt, {"n": count}).scalars())
    start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(start + 1, start + 1 + count))


def write_targets(conn: sa.Connection, table: sa.Table, new: list[Any], changed: list[Any],
           row_of, now: datetime) -> None:
    """Insert new targets and update changed ones, batched.

    Updates SET only the columns that differ from the stored row, one executemany per set of
    changed columns, in id order: rewriting unchanged indexed columns (email, phone) would
    touch their index pages for nothing.
    """
    if new:
        for item, new_id in zip(new, allocate_ids(conn, table, len(new))):
            item.id = new_id
        rows = []
        for item in new:
            row = row_of(item)
            item.stored = dict(row)
            rows.append(dict(row, id=item.id, created_at=item.created_at))
        execute_many(conn, sa.insert(table), table, rows, {"updated_at": now})
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in sorted(changed, key=lambda i: i.id):
        row = row_of(item)
        stored = item.stored or {}
        diff = {k: v for k, v in row.items() if k not in stored or stored[k] != v}
        if diff:
            item.stored = row
            groups.setdefault(tuple(diff), []).append(dict(diff, _id=item.id))
    for rows in groups.values():
        execute_many(conn, sa.update(table).where(table.c.id == sa.bindparam("_id")), table, rows,
                     {"updated_at": now})
    for item in (*new, *changed):
        item.dirty = False


def write_links(conn: sa.Connection, data_source_id: int, new_links: list[LinkState],
                 changed_links: list[LinkState], target_column: str) -> None:
    if new_links:
        execute_many(conn, sa.insert(link_table), link_table, [
            {"data_source_id": data_source_id, "sf_object": link.sf_object, "sf_id": link.sf_id,
             target_column: link.target.id, "account_id": link.account_id,
             "converted_contact_id": link.converted_contact_id, "modstamp": link.modstamp}
            for link in new_links])
    if changed_links:
        execute_many(conn, sa.update(link_table).where(_L.id == sa.bindparam("_id")), link_table, [
            {"_id": link.id, "account_id": link.account_id,
             "converted_contact_id": link.converted_contact_id, "modstamp": link.modstamp}
            for link in changed_links])
    for link in (*new_links, *changed_links):
        link.dirty = False


def apply_people(conn: sa.Connection, data_source_id: int, outcomes: Sequence[Outcome],
                 now: datetime) -> None:
    """Write a planned page of people: new people, changed people, new and changed links."""
    new, changed, new_links, changed_links = dirty_items(outcomes)
    write_targets(conn, person_table, new, changed, _person_row, now)
    write_links(conn, data_source_id, new_links, changed_links, "person_id")
