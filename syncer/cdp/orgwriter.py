"""Page-level database work for organisation merges (the Account side of ``writer``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from . import fields as f
from .candidates import IncomingRecord, LinkState, OrgIndex, OrgSnapshot
from .merge import Outcome
from .models import link_table, org_table, person_table
from .settings import MergeSettings
from .writer import dirty_items, select_in, write_links, write_targets

_O, _L, _P = org_table.c, link_table.c, person_table.c


#: The organisation columns a merge writes, in the order of ``OrgSnapshot.stored`` tuples.
ORG_WRITE = ("name", "name_key", "field_values", "archived")


def org_values(org: OrgSnapshot) -> tuple:
    """A snapshot's ``ORG_WRITE`` column values."""
    values = dict(org.fields)
    name = values.pop(f.ORG_NAME, None)
    return (name, f.name_key(name), values, org.archived)


def org_snapshot(row: Mapping[str, Any]) -> OrgSnapshot:
    """A snapshot of one ``cdp_organization`` row mapping."""
    values = dict(row["field_values"])
    if row["name"] is not None:
        values[f.ORG_NAME] = row["name"]
    return OrgSnapshot(row["id"], row["created_at"], values, archived=row["archived"],
                       stored=tuple(row[name] for name in ORG_WRITE))


def load_org_candidates(conn: sa.Connection, data_source_id: int,
                        incoming: Sequence[IncomingRecord], settings: MergeSettings,
                        now: datetime | None = None) -> OrgIndex:
    """Every stored organisation a page could match, with all its Account Ids (rule 15)."""
    index = OrgIndex(data_source_id, now)
    in_source = sa.select(_L.sf_id, _L.id, _L.sf_object, _L.organization_id, _L.modstamp).where(
        _L.data_source_id == data_source_id, _L.organization_id.is_not(None))
    link_rows = select_in(conn, in_source, _L.sf_id, [r.sf_id for r in incoming])
    orgs: dict[int, OrgSnapshot] = {}
    base = sa.select(*(c for c in org_table.c if c.name != "updated_at"))
    names = [f.name_key(r.fields.get(f.ORG_NAME)) for r in incoming]
    for column, values in ((_O.id, [row["organization_id"] for row in link_rows]),
                           (_O.name_key, names)):
        for row in select_in(conn, base, column, values):
            if row["id"] not in orgs:
                orgs[row["id"]] = org_snapshot(row)
    # Rule 15 needs every Account Id an organisation holds, whichever source it came from.
    held = sa.select(_L.organization_id, _L.data_source_id, _L.sf_id)
    for row in select_in(conn, held, _L.organization_id, list(orgs)):
        orgs[row["organization_id"]].account_ids.add(row["sf_id"])
        orgs[row["organization_id"]].sf_sources.add(row["data_source_id"])
    for org in orgs.values():
        index.add_org(org)
    for row in link_rows:
        index.add_link(LinkState(row["sf_id"], row["sf_object"], orgs[row["organization_id"]],
                                 row["id"], modstamp=row["modstamp"]))
    return index


def apply_orgs(conn: sa.Connection, data_source_id: int, outcomes: Sequence[Outcome],
               now: datetime) -> None:
    """Write a planned page of organisations, then link waiting people to them (rule 17)."""
    new, changed, new_links, changed_links = dirty_items(outcomes)
    write_targets(conn, org_table, ORG_WRITE, new, changed, org_values, now)
    write_links(conn, data_source_id, new_links, changed_links, "organization_id")
    if new_links:
        _link_waiting_people(conn, data_source_id, new_links, now)


#: PostgreSQL: every waiting person in one statement; a person holding contacts of several of
#: the page's new Accounts takes the last one's organisation, as one UPDATE per Account would.
_WAITING_PG = sa.text("""
    UPDATE cdp_person SET organization_id = w.org, updated_at = :now
    FROM (SELECT DISTINCT ON (l.person_id) l.person_id, v.org
          FROM unnest(:accounts, :orgs) WITH ORDINALITY AS v(account, org, pos)
          JOIN cdp_sf_link AS l ON l.account_id = v.account
          WHERE l.data_source_id = :source AND l.person_id IS NOT NULL
          ORDER BY l.person_id, v.pos DESC) AS w
    WHERE cdp_person.id = w.person_id""").bindparams(
    sa.bindparam("accounts", type_=ARRAY(_L.account_id.type)),
    sa.bindparam("orgs", type_=ARRAY(_L.organization_id.type)),
    sa.bindparam("now", type_=_P.updated_at.type))


def _link_waiting_people(conn: sa.Connection, data_source_id: int, new_links: list[LinkState],
                         now: datetime) -> None:
    """Contacts synced before their Account remember its Id on their link: their people join
    the new organisation (rule 17)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_WAITING_PG, {"accounts": [link.sf_id for link in new_links],
                                   "orgs": [link.target.id for link in new_links],
                                   "source": data_source_id, "now": now})
        return
    # Only the page's Accounts someone waits for get an UPDATE (none in an initial sync, where
    # Accounts come first): one indexed read per chunk of Ids instead of one statement an Id.
    held = sa.select(_L.account_id).where(_L.data_source_id == data_source_id,
                                          _L.person_id.is_not(None))
    awaited = {row["account_id"] for row in select_in(conn, held, _L.account_id,
                                                        [link.sf_id for link in new_links])}
    if not awaited:
        return
    waiting = sa.select(_L.person_id).where(
        _L.data_source_id == data_source_id, _L.account_id == sa.bindparam("_account"),
        _L.person_id.is_not(None))
    conn.execute(sa.update(person_table).where(_P.id.in_(waiting))
                 .values(organization_id=sa.bindparam("_org"), updated_at=now),
                 [{"_account": link.sf_id, "_org": link.target.id} for link in new_links
                  if link.sf_id in awaited])
