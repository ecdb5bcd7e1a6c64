"""Page-level database work for people merges: load a page's candidates, write a planned page.

Both take an open connection inside the caller's transaction. Loading costs a handful of
``IN`` queries per page (lists chunked to ``fastpath.CHUNK`` values on SQLite, well under its
parameter limit; one array parameter on PostgreSQL); writing costs one statement per table and
shape of change (``pagewrite``), never one per record.
The hot statements are prepared once per dialect (``fastpath``) and rows are read as named
tuples (``PersonRow``, ``LinkedPersonRow``; the written columns as ``PersonColumns``), so a page
of 2,000 records costs no per-row dict or statement building.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import compress
from operator import attrgetter, itemgetter, ne
from typing import Any, NamedTuple

import sqlalchemy as sa

from . import fields as f
from .candidates import (
    CREATED,
    CandidateIndex,
    IncomingRecord,
    LinkState,
    Outcome,
    PersonSnapshot,
)
from .fastpath import KEYS, chunked, fetch_in, gc_paused, in_keys, prepare
from .merge import FreshPerson
from .models import PERSON_COLUMNS, link_table, person_table
from .pagewrite import insert_rows, update_rows
from .settings import FindStrategy, PeopleSettings

_P, _L = person_table.c, link_table.c
Row = dict[str, Any]


class PersonColumns(NamedTuple):
    """The person columns a merge writes: the shape of ``PersonSnapshot.stored``."""

    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    field_values: dict[str, Any]
    email_permission: bool
    sms_permission: bool
    email_unsubscribed_in_cdp: bool
    sms_unsubscribed_in_cdp: bool
    archived: bool
    organization_id: int | None
    created_by_source_id: int | None


_WRITTEN = list(PersonColumns.__annotations__.items())
#: A person read: its id, the written columns, created_at (``updated_at`` is only written).
PersonRow = NamedTuple("PersonRow", [("id", int), *_WRITTEN, ("created_at", datetime)])
#: A hidden Id of this source joined to its person: the person's columns, then the link's.
LinkedPersonRow = NamedTuple("LinkedPersonRow", [
    *PersonRow.__annotations__.items(), ("link_id", int), ("sf_id", str), ("sf_object", str),
    ("account_id", str | None), ("converted_contact_id", str | None),
    ("modstamp", datetime | None)])

#: The person columns a merge writes, in ``PersonColumns`` order.
PERSON_WRITE = PersonColumns._fields
_COLUMN_FIELDS = tuple(PERSON_COLUMNS.items())  # (field id, column) of the column-stored fields
assert _COLUMN_FIELDS == tuple(zip((f.FIRST, f.LAST, f.EMAIL, f.PHONE), PERSON_WRITE)), \
    "person_values relies on this order"
_new_tuple = tuple.__new__
_ID = PersonRow._fields.index("id")  # where the person's id sits in a read row
_PERSON_READ = tuple(_P[name] for name in PersonRow._fields)
_LINK_READ = (_L.id, _L.sf_id, _L.sf_object, _L.account_id, _L.converted_contact_id, _L.modstamp)
assert LinkedPersonRow._fields[len(_PERSON_READ):] == ("link_id", *(c.name for c in _LINK_READ[1:]))


def select_in(conn: sa.Connection, stmt: sa.Select, column: sa.ColumnElement,
              values: Iterable[Any]) -> list[Row]:
    """Rows (dicts) of ``stmt`` filtered by ``column IN values``, one query per chunk."""
    unique = list(dict.fromkeys(v for v in values if v is not None))
    rows: list[Row] = []
    if unique:
        stmt = in_keys(conn, stmt, column)
        for chunk in chunked(unique):
            rows.extend(dict(row) for row in conn.execute(stmt, {KEYS: list(chunk)}).mappings())
    return rows


# --- people -------------------------------------------------------------------------------

def person_snapshot(row: Mapping[str, Any]) -> PersonSnapshot:
    """A snapshot of one ``cdp_person`` row mapping (column fields folded into ``fields``)."""
    return _snapshot(tuple(row[name] for name in PersonRow._fields))


def _snapshot(row: PersonRow | LinkedPersonRow | tuple) -> PersonSnapshot:
    """A snapshot of a person read in ``PersonRow`` layout (a joined row's link columns are
    ignored). Unpacked by name rather than through the named tuple: a page reads thousands."""
    (person_id, first, last, email, phone, field_values, email_permission, sms_permission,
     email_unsubscribed, sms_unsubscribed, archived, organization_id, created_by, created_at,
     *_link) = row
    values = field_values.copy()  # a copy: the planner changes it
    if first is not None:
        values[f.FIRST] = first
    if last is not None:
        values[f.LAST] = last
    if email is not None:
        values[f.EMAIL] = email
    if phone is not None:
        values[f.PHONE] = phone
    stored = _new_tuple(PersonColumns, (  # ``PersonColumns(…)`` without its Python-level __new__
        first, last, email, phone, field_values, email_permission, sms_permission,
        email_unsubscribed, sms_unsubscribed, archived, organization_id, created_by))
    # Positional, in field order (see ``CandidateIndex.new_person``).
    return PersonSnapshot(person_id, created_at, values, email_permission, sms_permission,
                          email_unsubscribed, sms_unsubscribed, archived, organization_id, set(),
                          0, False, stored, created_by)


def _query(conn: sa.Connection, name: str, strict: bool = False):
    """The prepared candidate query ``name`` (see ``load_people_candidates``)."""
    def build() -> sa.Select:
        source = sa.bindparam("source")
        if name in ("sf_id", "converted_contact_id"):  # people joined to their hidden Ids
            stmt = (sa.select(*_PERSON_READ, *_LINK_READ)
                    .join_from(link_table, person_table, _L.person_id == _P.id)
                    .where(_L.data_source_id == source))
            return in_keys(conn, stmt, _L[name])
        if name == "accounts":
            stmt = sa.select(_L.sf_id, _L.organization_id).where(
                _L.data_source_id == source, _L.organization_id.is_not(None))
            return in_keys(conn, stmt, _L.sf_id)
        stmt = sa.select(*_PERSON_READ)
        if strict:
            held = (_L.person_id == _P.id, _L.data_source_id == source)
            unheld = ~sa.exists().where(*held)
            if conn.dialect.name == "postgresql":
                # OFFSET 0 keeps NOT EXISTS a per-candidate probe of the person_id index; as an
                # anti-join the planner may hash every link of the source, on every page.
                unheld = ~sa.select(_L.id).where(*held).offset(sa.literal_column("0")).exists()
            stmt = stmt.where(unheld) if name == "email" else stmt.where(unheld, _P.email.is_(None))
        return in_keys(conn, stmt, _P[name])
    return prepare(conn, ("people", name, strict), build)


@gc_paused()
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
    source = {"source": data_source_id}

    def snapshot(row: tuple) -> PersonSnapshot:  # ``PersonRow`` or ``LinkedPersonRow`` layout
        person = people.get(row[_ID])
        if person is None:
            person = people[row[_ID]] = _snapshot(row)
        return person

    link_rows = fetch_in(conn, _query(conn, "sf_id"), [r.sf_id for r in incoming], source)
    link_accounts = []
    add_link = index.add_link
    for row in link_rows:  # ``LinkedPersonRow``: one row per hidden Id
        *_person, link_id, sf_id, sf_object, account_id, converted_contact_id, modstamp = row
        add_link(LinkState(sf_id, sf_object, snapshot(row), link_id, account_id,
                           converted_contact_id, modstamp))
        link_accounts.append(account_id)
    links = index.links
    unmatched = [r for r in incoming if r.sf_id not in links]
    if settings.merge_converted_leads:
        contacts = [r.sf_id for r in unmatched if r.sf_object == "Contact"]
        for row in fetch_in(conn, _query(conn, "converted_contact_id"), contacts, source):
            *_person, _link, _sf_id, _object, _account, converted_contact_id, _modstamp = row
            lead_person = snapshot(row)
            lead_person.sf_sources.add(data_source_id)  # it holds the lead's Id of this source
            index.converted.setdefault(converted_contact_id, lead_person)

    strict = settings.merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY
    for name, field_id in (("email", f.EMAIL), ("phone", f.PHONE)):
        keys = [r.fields.get(field_id) for r in unmatched]
        for row in fetch_in(conn, _query(conn, name, strict), keys, source if strict else None):
            snapshot(row)  # ``PersonRow``
    index.add_people(people.values())

    accounts = [r.account_id for r in incoming] + link_accounts
    for sf_id, organization_id in fetch_in(conn, _query(conn, "accounts"), accounts, source):
        index.orgs_by_account[sf_id] = organization_id
    return index


def person_values(person: PersonSnapshot) -> PersonColumns:
    """A snapshot's written column values (the shape of ``stored``)."""
    rest = person.fields.copy()  # what remains after the column fields go is field_values
    pop = rest.pop
    return PersonColumns(pop(f.FIRST, None), pop(f.LAST, None), pop(f.EMAIL, None), pop(f.PHONE, None), rest,
            person.email_permission, person.sms_permission, person.email_unsubscribed_in_cdp,
            person.sms_unsubscribed_in_cdp, person.archived, person.organization_id,
            person.created_by)


# --- writing (people and organisations) ---------------------------------------------------

def dirty_items(outcomes: Iterable[Outcome]) -> tuple[list[Any], list[Any], list[LinkState],
                                                  list[LinkState]]:
    """Unique dirty targets and links, split into new and existing, in page order."""
    targets: dict[int, Any] = {}
    links: dict[int, LinkState] = {}
    for outcome in outcomes:
        target, link = outcome.target, outcome.link
        if target is not None and target.dirty:
            targets[id(target)] = target  # a repeated key keeps its first position
        if link is not None and link.dirty:
            links[id(link)] = link
    return ([t for t in targets.values() if t.id is None],
            [t for t in targets.values() if t.id is not None],
            [k for k in links.values() if k.id is None], [k for k in links.values() if k.id is not None])


def allocate_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Reserve ``count`` primary keys, so a page inserts with one plain executemany.

    ``INSERT … RETURNING`` in parameter order falls back to one statement per row on SQLite,
    so ids are taken up front: from the serial's sequence on PostgreSQL, and past ``max(id)``
    on SQLite, which is safe because CDP writers hold the write lock (``BEGIN IMMEDIATE``).
    """
    if conn.dialect.name == "postgresql":
        # The sequence is looked up once (a per-row lookup took 5 µs a row, most of the call).
        stmt = sa.text(f"WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('{table.name}', "
                       f"'id')::regclass AS seq) SELECT nextval(s.seq) FROM s, "
                       f"generate_series(1, :n)")
        return list(conn.execute(stmt, {"n": count}).scalars())
    start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(start + 1, start + 1 + count))


def write_targets(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...],
                  new: list[Any], changed: list[Any], values_of: Callable[[Any], tuple],
                  now: datetime) -> None:
    """Insert new targets and update changed ones, set-based (``pagewrite``).

    ``values_of(item)`` gives an item's ``columns`` values, the shape of ``item.stored``.
    Updates SET only the columns that differ from the stored row, one statement (SQLite: one
    executemany) per set of changed columns, in id order: rewriting unchanged indexed columns (email, phone) would
    touch their index pages for nothing, and an unchanged JSON document is not re-serialised.
    """
    if new:
        ids = allocate_ids(conn, table, len(new))
        stored = []
        for item, new_id in zip(new, ids):
            item.id = new_id
            item.stored = values = values_of(item)
            stored.append(values)
        insert_rows(conn, table, {**dict(zip(columns, zip(*stored))), "id": ids,
                                  "created_at": [item.created_at for item in new]},
                    {"updated_at": now})
    everything = tuple(range(len(columns)))
    groups: dict[tuple[int, ...], list[Any]] = {}
    for item in sorted(changed, key=attrgetter("id")):
        values, stored_values = values_of(item), item.stored
        diff = everything if stored_values is None else \
            tuple(compress(everything, map(ne, values, stored_values)))
        if diff:
            item.stored = values
            groups.setdefault(diff, []).append(item)
    for diff, items in groups.items():
        by_column = list(zip(*(item.stored for item in items)))
        update_rows(conn, table, {**{columns[i]: by_column[i] for i in diff},
                                  "_id": [item.id for item in items]}, {"updated_at": now})
    for item in (*new, *changed):
        item.dirty = False


_LINK_INSERT = ("sf_object", "sf_id", "account_id", "converted_contact_id", "modstamp")
_LINK_UPDATE = ("account_id", "converted_contact_id", "modstamp", "_id")


def write_links(conn: sa.Connection, data_source_id: int,
                new_links: Sequence[LinkState | FreshPerson], changed_links: list[LinkState],
                target_column: str) -> None:
    """Insert new hidden-Id links (pointing at ``target_column``; a fresh person's link is its
    record's) and update changed ones."""
    if new_links:
        rows = [(link.sf_object, link.sf_id, link.account_id, link.converted_contact_id,
                 link.modstamp, link.target.id) if type(link) is LinkState
                else _fresh_link(link) for link in new_links]
        insert_rows(conn, link_table, dict(zip((*_LINK_INSERT, target_column), zip(*rows))),
                    {"data_source_id": data_source_id})
    if changed_links:
        rows = [(link.account_id, link.converted_contact_id, link.modstamp, link.id)
                for link in changed_links]
        update_rows(conn, link_table, dict(zip(_LINK_UPDATE, zip(*rows))), {})
    for link in (*new_links, *changed_links):
        link.dirty = False


@gc_paused()
def apply_people(conn: sa.Connection, data_source_id: int, outcomes: Sequence[Outcome],
                 now: datetime, positions: Sequence[int] | None = None,
                 fresh: Sequence[FreshPerson] = ()) -> None:
    """Write a page of people: new people, changed people, new and changed links.

    ``outcomes`` are the planner's, at page ``positions`` (default: the whole page); ``fresh``
    the records created apart (``merge.split_fresh``). New people and new links are written in
    page order, so they get the ids a planner-only page gives them.
    """
    new, changed, new_links, changed_links = dirty_items(outcomes)
    if fresh:
        positions = range(len(outcomes)) if positions is None else positions
        new = _in_page_order(
            [(p, o.target) for p, o in zip(positions, outcomes) if o.action == CREATED], fresh)
        new_links = _in_page_order(_first_new_links(positions, outcomes), fresh)
    write_targets(conn, person_table, PERSON_WRITE, new, changed, _new_person_values, now)
    write_links(conn, data_source_id, new_links, changed_links, "person_id")


def _first_new_links(positions: Sequence[int], outcomes: Sequence[Outcome]
                     ) -> list[tuple[int, LinkState]]:
    """Each new link of the planned outcomes at the position of the record that made it."""
    seen: dict[int, tuple[int, LinkState]] = {}
    for position, outcome in zip(positions, outcomes):
        link = outcome.link
        if link is not None and link.id is None and link.dirty and id(link) not in seen:
            seen[id(link)] = (position, link)
    return list(seen.values())


def _in_page_order(planned: list[tuple[int, Any]], fresh: Sequence[FreshPerson]) -> list[Any]:
    """Planned items (with their page positions) and fresh people, merged by page position."""
    merged = sorted([*planned, *((person.position, person) for person in fresh)],
                    key=itemgetter(0))
    return [item for _position, item in merged]


def _fresh_link(person: FreshPerson) -> tuple:
    """The link row ``merge._ensure_link`` makes for a record that creates its person."""
    record = person.record
    return (record.sf_object, record.sf_id, record.account_id, record.converted_contact_id,
            record.modstamp, person.id)


def _new_person_values(item: PersonSnapshot | FreshPerson) -> PersonColumns:
    """A new person's written columns, planned (a snapshot) or fresh."""
    if type(item) is not FreshPerson:
        return person_values(item)
    rest = item.fields.copy()
    pop = rest.pop
    return PersonColumns(pop(f.FIRST, None), pop(f.LAST, None), pop(f.EMAIL, None),
                         pop(f.PHONE, None), rest, item.email_permission, item.sms_permission,
                         False, False, False, item.organization_id, item.created_by)
