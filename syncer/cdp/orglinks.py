"""A person's organisation follows the records that give it (rule 17), through deletes and moves.

A Contact links its person to the organisation holding its ``AccountId``. When the contact that
gave the link is deleted, or leaves that Account for none (or for one not synced yet), the
person's organisation is taken again from the contacts it still holds — the most recently
merged one whose Account is synced — or it has none. Without this an archived person kept the
deleted contact's organisation, and a new contact with the same email (or phone) and no Account
restored the person *with* it, where a fresh sync gives no organisation (issue 15).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from .fastpath import chunked
from .models import link_table, person_table

_L, _P = link_table.c, person_table.c


def people_linked_through(conn: sa.Connection, data_source_id: int,
                          removed: Sequence[tuple[int | None, str | None]]) -> set[int]:
    """Of ``(person id, AccountId)`` pairs of removed contact links, the people whose
    organisation that Account gave them: the organisation holding it, or — when the Account
    itself was deleted first (its stream polls before contacts) — an organisation that holds
    no Account Id of this source any more."""
    pairs = [(person, account) for person, account in removed if person and account]
    if not pairs:
        return set()
    org_of: dict[str, int] = {}
    for chunk in chunked(sorted({account for _, account in pairs})):
        org_of.update(conn.execute(sa.select(_L.sf_id, _L.organization_id).where(
            _L.data_source_id == data_source_id, _L.sf_id.in_(chunk),
            _L.organization_id.is_not(None))).all())
    current: dict[int, int | None] = {}
    for chunk in chunked(sorted({person for person, _ in pairs})):
        current.update(conn.execute(sa.select(_P.id, _P.organization_id)
                                    .where(_P.id.in_(chunk), _P.organization_id.is_not(None))).all())
    unheld = {org for org in set(current.values()) - set(org_of.values())
              if conn.execute(sa.select(_L.id).where(_L.organization_id == org,
                                                     _L.data_source_id == data_source_id)
                              .limit(1)).first() is None}
    return {person for person, account in pairs if person in current
            and (current[person] == org_of[account] if account in org_of
                 else current[person] in unheld)}


def rederive(conn: sa.Connection, person_ids: Iterable[int], now: datetime) -> int:
    """Set each person's organisation from the contacts it still holds; return how many changed."""
    changed = 0
    account = link_table.alias("account")
    for person_id in sorted(set(person_ids)):
        # The person's contact links with an AccountId whose organisation is synced (same
        # source), the most recently merged first.
        org = conn.execute(
            sa.select(account.c.organization_id)
            .select_from(link_table.join(account, sa.and_(
                account.c.sf_id == _L.account_id, account.c.data_source_id == _L.data_source_id,
                account.c.organization_id.is_not(None))))
            .where(_L.person_id == person_id, _L.account_id.is_not(None))
            .order_by(_L.modstamp.desc().nulls_last(), _L.id.desc()).limit(1)).scalar()
        changed += conn.execute(
            sa.update(person_table).where(_P.id == person_id,
                                          _P.organization_id.is_distinct_from(org))
            .values(organization_id=org, updated_at=now)).rowcount
    return changed
