"""Read-side views of the CDP: people, organisations and activities as small frozen dataclasses.

Large results are generators that page by primary key (``PAGE`` rows per query), so reading a
million people never holds more than one page in memory, and never keeps a cursor open across
the caller's work.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from . import fields as f
from .models import activity_table, link_table, org_table, person_table
from .orgwriter import org_snapshot
from .writer import person_snapshot

PAGE = 1000
_L = link_table.c


class SfId(NamedTuple):
    """A hidden Salesforce Id and the data source it belongs to."""

    data_source_id: int
    sf_object: str
    sf_id: str


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person with every field keyed by CDP field id (``view.fields["str::email"]``)."""

    id: int
    fields: dict[str, Any]
    email_permission: bool
    sms_permission: bool
    email_unsubscribed_in_cdp: bool
    sms_unsubscribed_in_cdp: bool
    archived: bool
    organization_id: int | None
    created_at: datetime
    sf_ids: tuple[SfId, ...]

    @property
    def email(self) -> str | None:
        """The person's email."""
        return self.fields.get(f.EMAIL)

    @property
    def phone(self) -> str | None:
        """The person's phone."""
        return self.fields.get(f.PHONE)


@dataclass(frozen=True, slots=True)
class OrganizationView:
    """An organisation with every field keyed by CDP field id."""

    id: int
    fields: dict[str, Any]
    archived: bool
    created_at: datetime
    sf_ids: tuple[SfId, ...]

    @property
    def name(self) -> str | None:
        """The organisation's name."""
        return self.fields.get(f.ORG_NAME)


@dataclass(frozen=True, slots=True)
class ActivityView:
    """A stored activity."""

    id: int
    data_source_id: int
    sf_id: str
    type: str
    person_id: int
    occurred_at: datetime
    attributes: dict[str, Any]


def _links(conn: sa.Connection, column: sa.Column, ids: list[int]) -> dict[int, list[SfId]]:
    found: dict[int, list[SfId]] = {i: [] for i in ids}
    if ids:
        stmt = sa.select(column, _L.data_source_id, _L.sf_object, _L.sf_id).where(
            column.in_(ids)).order_by(_L.id)
        for row in conn.execute(stmt):
            found[row[0]].append(SfId(row.data_source_id, row.sf_object, row.sf_id))
    return found


def _person_views(conn: sa.Connection, rows: list[sa.Row]) -> list[PersonView]:
    links = _links(conn, _L.person_id, [row.id for row in rows])
    views = []
    for row in rows:
        s = person_snapshot(row._mapping)
        views.append(PersonView(row.id, s.fields, s.email_permission, s.sms_permission,
                                s.email_unsubscribed_in_cdp, s.sms_unsubscribed_in_cdp,
                                s.archived, s.organization_id, row.created_at,
                                tuple(links[row.id])))
    return views


def _org_views(conn: sa.Connection, rows: list[sa.Row]) -> list[OrganizationView]:
    links = _links(conn, _L.organization_id, [row.id for row in rows])
    return [OrganizationView(row.id, org_snapshot(row._mapping).fields, row.archived, row.created_at,
                             tuple(links[row.id])) for row in rows]


def _paged(engine: sa.Engine, stmt: sa.Select, table: sa.Table, convert) -> Iterator[Any]:
    last = 0
    while True:
        with engine.connect() as conn:
            rows = list(conn.execute(stmt.where(table.c.id > last)
                                     .order_by(table.c.id).limit(PAGE)))
            views = convert(conn, rows)
        yield from views
        if len(rows) < PAGE:
            return
        last = rows[-1].id


def iter_people(engine: sa.Engine, data_source_id: int | None = None,
                include_archived: bool = True, email: str | None = None) -> Iterator[PersonView]:
    """People in id order; with ``data_source_id`` only those holding an Id of that source."""
    stmt = sa.select(person_table)
    if data_source_id is not None:
        stmt = stmt.where(person_table.c.id.in_(
            sa.select(_L.person_id).where(_L.data_source_id == data_source_id)))
    if not include_archived:
        stmt = stmt.where(person_table.c.archived.is_(False))
    if email is not None:
        stmt = stmt.where(person_table.c.email == f.normalize_email(email))
    return _paged(engine, stmt, person_table, _person_views)


def iter_organizations(engine: sa.Engine, data_source_id: int | None = None,
                       include_archived: bool = True) -> Iterator[OrganizationView]:
    """Organisations in id order; with ``data_source_id`` only those holding its Account Ids."""
    stmt = sa.select(org_table)
    if data_source_id is not None:
        stmt = stmt.where(org_table.c.id.in_(
            sa.select(_L.organization_id).where(_L.data_source_id == data_source_id)))
    if not include_archived:
        stmt = stmt.where(org_table.c.archived.is_(False))
    return _paged(engine, stmt, org_table, _org_views)


def iter_activities(engine: sa.Engine, person_id: int | None = None, type_: str | None = None,
                    data_source_id: int | None = None) -> Iterator[ActivityView]:
    """Activities in id order, optionally of one person, type or data source."""
    c = activity_table.c
    stmt = sa.select(activity_table)
    for column, value in ((c.person_id, person_id), (c.type, type_),
                          (c.data_source_id, data_source_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return _paged(engine, stmt, activity_table, lambda _conn, rows: [
        ActivityView(r.id, r.data_source_id, r.sf_id, r.type, r.person_id, r.occurred_at,
                     dict(r.attributes)) for r in rows])


def person_by_id(engine: sa.Engine, person_id: int) -> PersonView | None:
    """One person, or None."""
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(person_table).where(person_table.c.id == person_id)))
        return _person_views(conn, rows)[0] if rows else None


def organization_by_id(engine: sa.Engine, org_id: int) -> OrganizationView | None:
    """One organisation, or None."""
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(org_table).where(org_table.c.id == org_id)))
        return _org_views(conn, rows)[0] if rows else None


def target_of(engine: sa.Engine, data_source_id: int, sf_id: str) -> tuple[str, int] | None:
    """("person"|"organization", id) holding a hidden Id of a source, or None."""
    stmt = sa.select(_L.person_id, _L.organization_id).where(
        _L.data_source_id == data_source_id, _L.sf_id == sf_id)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return ("person", row.person_id) if row.person_id is not None \
        else ("organization", row.organization_id)
