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

from . import fields as f
from .candidates import (CandidateIndex, IncomingRecord, LinkState, OrgIndex, OrgSnapshot,
                         PersonSnapshot)
from .merge import Outcome
from .models import (ORG_COLUMNS, PERSON_COLUMNS, link_table, org_table, person_table)
from .settings import FindStrategy, MergeSettings, PeopleSettings

CHUNK = 500
_P, _O, _L = person_table.c, org_table.c, link_table.c
_PERSON_FIELD_COLUMNS = tuple(PERSON_COLUMNS.items())


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` values."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _select_in(conn: sa.Connection, stmt: sa.Select, column: sa.ColumnElement,
               values: Iterable[Any]) -> Iterator[sa.Row]:
    """Rows of ``stmt`` filtered by ``column IN values``, one query per chunk."""
    unique = list(dict.fromkeys(v for v in values if v is not None))
    for chunk in chunked(unique):
        yield from conn.execute(stmt.where(column.in_(chunk)))


# --- people -------------------------------------------------------------------------------

def person_snapshot(row: sa.Row) -> PersonSnapshot:
    """A snapshot of one ``cdp_person`` row (column fields folded into ``fields``)."""
    values = dict(row.field_values)
    for field_id, column in _PERSON_FIELD_COLUMNS:
        value = row._mapping[column]
        if value is not None:
            values[field_id] = value
    return PersonSnapshot(row.id, row.created_at, values, row.email_permission, row.sms_permission,
                          row.email_unsubscribed_in_cdp, row.sms_unsubscribed_in_cdp, row.archived,
                          row.organization_id)


def load_people_candidates(conn: sa.Connection, data_source_id: int,
                           incoming: Sequence[IncomingRecord], settings: PeopleSettings,
                           now: datetime | None = None) -> CandidateIndex:
    """Every stored person a page could match, indexed (rules 6–8, 12, 17)."""
    index = CandidateIndex(data_source_id, now)
    in_source = sa.select(_L.sf_id, _L.id, _L.sf_object, _L.person_id, _L.account_id,
                          _L.converted_contact_id, _L.modstamp).where(
        _L.data_source_id == data_source_id, _L.person_id.is_not(None))
    link_rows = list(_select_in(conn, in_source, _L.sf_id, (r.sf_id for r in incoming)))
    conversion_rows: list[sa.Row] = []
    if settings.merge_converted_leads:
        by_conversion = sa.select(_L.converted_contact_id, _L.person_id).where(
            _L.data_source_id == data_source_id)
        contacts = (r.sf_id for r in incoming if r.sf_object == "Contact")
        conversion_rows = list(_select_in(conn, by_conversion, _L.converted_contact_id, contacts))

    people: dict[int, PersonSnapshot] = {}
    base = sa.select(person_table)
    wanted_ids = [row.person_id for row in link_rows] + [row.person_id for row in conversion_rows]
    for column, values in ((_P.id, wanted_ids), (_P.email, (r.email for r in incoming)),
                           (_P.phone, (r.phone for r in incoming))):
        for row in _select_in(conn, base, column, values):
            if row.id not in people:
                people[row.id] = person_snapshot(row)

    for row in link_rows:
        index.add_link(LinkState(row.sf_id, row.sf_object, people[row.person_id], row.id,
                                 row.account_id, row.converted_contact_id, row.modstamp))
    if settings.merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY:
        # Rule 7 needs to know which key-matched people already hold an Id of this source.
        unknown = [pid for pid, p in people.items() if data_source_id not in p.sf_sources]
        held = sa.select(_L.person_id).where(_L.data_source_id == data_source_id)
        for row in _select_in(conn, held, _L.person_id, unknown):
            people[row.person_id].sf_sources.add(data_source_id)
    for person in people.values():
        index.add_person(person)
    for row in conversion_rows:
        index.converted.setdefault(row.converted_contact_id, people[row.person_id])

    accounts = [r.account_id for r in incoming] + [row.account_id for row in link_rows]
    org_links = sa.select(_L.sf_id, _L.organization_id).where(
        _L.data_source_id == data_source_id, _L.organization_id.is_not(None))
    for row in _select_in(conn, org_links, _L.sf_id, accounts):
        index.orgs_by_account[row.sf_id] = row.organization_id
    return index


def _person_row(person: PersonSnapshot, now: datetime) -> dict[str, Any]:
    values = dict(person.fields)
    row: dict[str, Any] = {column: values.pop(field_id, None)
                           for field_id, column in _PERSON_FIELD_COLUMNS}
    row.update(field_values=values, email_permission=person.email_permission,
               sms_permission=person.sms_permission,
               email_unsubscribed_in_cdp=person.email_unsubscribed_in_cdp,
               sms_unsubscribed_in_cdp=person.sms_unsubscribed_in_cdp,
               archived=person.archived, organization_id=person.organization_id, updated_at=now)
    return row


def _org_row(org: OrgSnapshot, now: datetime) -> dict[str, Any]:
    values = dict(org.fields)
    name = values.pop(f.ORG_NAME, None)
    return {"name": name, "name_key": f.name_key(name), "field_values": values,
            "archived": org.archived, "updated_at": now}


def _dirty(outcomes: Iterable[Outcome]) -> tuple[list[Any], list[Any], list[LinkState],
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


def _write(conn: sa.Connection, table: sa.Table, new: list[Any], changed: list[Any],
           row_of, now: datetime) -> None:
    """Insert new targets (collecting their ids) and update changed ones, batched."""
    if new:
        rows = [dict(row_of(item, now), created_at=item.created_at) for item in new]
        stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        for item, new_id in zip(new, conn.execute(stmt, rows).scalars()):
            item.id = new_id
    if changed:
        rows = [dict(row_of(item, now), _id=item.id) for item in changed]
        conn.execute(sa.update(table).where(table.c.id == sa.bindparam("_id")), rows)
    for item in (*new, *changed):
        item.dirty = False


def _write_links(conn: sa.Connection, data_source_id: int, new_links: list[LinkState],
                 changed_links: list[LinkState], target_column: str) -> None:
    if new_links:
        conn.execute(sa.insert(link_table), [
            {"data_source_id": data_source_id, "sf_object": link.sf_object, "sf_id": link.sf_id,
             target_column: link.target.id, "account_id": link.account_id,
             "converted_contact_id": link.converted_contact_id, "modstamp": link.modstamp}
            for link in new_links])
    if changed_links:
        conn.execute(sa.update(link_table).where(_L.id == sa.bindparam("_id")), [
            {"_id": link.id, "account_id": link.account_id,
             "converted_contact_id": link.converted_contact_id, "modstamp": link.modstamp}
            for link in changed_links])
    for link in (*new_links, *changed_links):
        link.dirty = False


def apply_people(conn: sa.Connection, data_source_id: int, outcomes: Sequence[Outcome],
                 now: datetime) -> None:
    """Write a planned page of people: new people, changed people, new and changed links."""
    new, changed, new_links, changed_links = _dirty(outcomes)
    _write(conn, person_table, new, changed, _person_row, now)
    _write_links(conn, data_source_id, new_links, changed_links, "person_id")


# --- organisations ------------------------------------------------------------------------

def org_snapshot(row: sa.Row) -> OrgSnapshot:
    """A snapshot of one ``cdp_organization`` row."""
    values = dict(row.field_values)
    if row.name is not None:
        values[f.ORG_NAME] = row.name
    return OrgSnapshot(row.id, row.created_at, values, archived=row.archived)


def load_org_candidates(conn: sa.Connection, data_source_id: int,
                        incoming: Sequence[IncomingRecord], settings: MergeSettings,
                        now: datetime | None = None) -> OrgIndex:
    """Every stored organisation a page could match, with all its Account Ids (rule 15)."""
    index = OrgIndex(data_source_id, now)
    in_source = sa.select(_L.sf_id, _L.id, _L.sf_object, _L.organization_id, _L.modstamp).where(
        _L.data_source_id == data_source_id, _L.organization_id.is_not(None))
    link_rows = list(_select_in(conn, in_source, _L.sf_id, (r.sf_id for r in incoming)))
    orgs: dict[int, OrgSnapshot] = {}
    base = sa.select(org_table)
    names = (f.name_key(r.fields.get(f.ORG_NAME)) for r in incoming)
    for column, values in ((_O.id, [row.organization_id for row in link_rows]),
                           (_O.name_key, names)):
        for row in _select_in(conn, base, column, values):
            orgs.setdefault(row.id, org_snapshot(row))
    held = sa.select(_L.organization_id, _L.data_source_id, _L.sf_id)
    for row in _select_in(conn, held, _L.organization_id, list(orgs)):
        orgs[row.organization_id].account_ids.add(row.sf_id)
        orgs[row.organization_id].sf_sources.add(row.data_source_id)
    for org in orgs.values():
        index.add_org(org)
    for row in link_rows:
        index.add_link(LinkState(row.sf_id, row.sf_object, orgs[row.organization_id], row.id,
                                 modstamp=row.modstamp))
    return index


def apply_orgs(conn: sa.Connection, data_source_id: int, outcomes: Sequence[Outcome],
               now: datetime) -> None:
    """Write a planned page of organisations, then link waiting people to them (rule 17)."""
    new, changed, new_links, changed_links = _dirty(outcomes)
    _write(conn, org_table, new, changed, _org_row, now)
    _write_links(conn, data_source_id, new_links, changed_links, "organization_id")
    if new_links:
        # Contacts synced before their Account remember its Id on their link.
        waiting = sa.select(_L.person_id).where(
            _L.data_source_id == data_source_id, _L.account_id == sa.bindparam("_account"),
            _L.person_id.is_not(None))
        conn.execute(sa.update(person_table).where(_P.id.in_(waiting))
                     .values(organization_id=sa.bindparam("_org"), updated_at=now),
                     [{"_account": link.sf_id, "_org": link.target.id} for link in new_links])
