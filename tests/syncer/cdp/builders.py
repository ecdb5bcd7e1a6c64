"""Builders for pure merge-engine tests: existing people/organisations, indexes, records."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.cdp import fields as f
from syncer.cdp.candidates import (
    CandidateIndex,
    IncomingRecord,
    LinkState,
    OrgIndex,
    OrgSnapshot,
    PersonSnapshot,
)

SOURCE = 1
OTHER_SOURCE = 2
T0 = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def person(pid: int, *sf_ids: str, email: str | None = None, phone: str | None = None,
           source: int = SOURCE, age_days: int = 0, **values: Any) -> tuple[PersonSnapshot, list]:
    """An existing person holding ``sf_ids`` of ``source`` (and created by it when it holds
    any; by a CSV import otherwise); returns (snapshot, its links)."""
    fields = {f.EMAIL: f.normalize_email(email), f.PHONE: f.normalize_phone(phone), **values}
    snapshot = PersonSnapshot(pid, T0 - timedelta(days=age_days),
                              {k: v for k, v in fields.items() if v is not None},
                              created_by=source if sf_ids else None)
    links = [(source, LinkState(sf_id, "Contact", snapshot, id=100 + pid)) for sf_id in sf_ids]
    return snapshot, links


def people_index(*existing: tuple[PersonSnapshot, list], source: int = SOURCE,
                 orgs_by_account: dict[str, int] | None = None,
                 converted: dict[str, PersonSnapshot] | None = None) -> CandidateIndex:
    """A people index as the store builds it for a page from ``source``."""
    index = CandidateIndex.build(source, [p for p, _ in existing], converted=converted,
                                 orgs_by_account=orgs_by_account, now=NOW)
    for snapshot, links in existing:
        for link_source, link in links:
            if link_source == source:
                index.add_link(link)
            else:
                snapshot.sf_sources.add(link_source)
    return index


def contact(sf_id: str, email: str | None = None, phone: str | None = None,
            **extra: Any) -> IncomingRecord:
    """An incoming Contact; ``extra`` holds field ids (``str::first``…) or record keys."""
    record: dict[str, Any] = {"sf_id": sf_id, "sf_object": "Contact"}
    if email is not None:
        record[f.EMAIL] = email
    if phone is not None:
        record[f.PHONE] = phone
    record.update(extra)
    return IncomingRecord.from_mapping(record)


def held_ids(index: CandidateIndex | OrgIndex, target: Any) -> set[str]:
    """The hidden Ids of the index's source that ``target`` holds."""
    return {link.sf_id for link in index.links.values() if link.target is target}


def org(oid: int, *account_ids: str, name: str | None = None, source: int = SOURCE,
        age_days: int = 0) -> tuple[OrgSnapshot, list]:
    """An existing organisation holding ``account_ids`` of ``source``."""
    snapshot = OrgSnapshot(oid, T0 - timedelta(days=age_days),
                           {f.ORG_NAME: name} if name is not None else {})
    snapshot.account_ids.update(account_ids)
    snapshot.sf_sources.update({source} if account_ids else set())
    links = [(source, LinkState(a, "Account", snapshot, id=200 + oid)) for a in account_ids]
    return snapshot, links


def org_index(*existing: tuple[OrgSnapshot, list], source: int = SOURCE) -> OrgIndex:
    """An organisation index for a page from ``source``."""
    index = OrgIndex.build(source, [o for o, _ in existing], now=NOW)
    for _snapshot, links in existing:
        for link_source, link in links:
            if link_source == source:
                index.add_link(link)
    return index


def account(sf_id: str, name: str | None, **extra: Any) -> IncomingRecord:
    """An incoming Account."""
    return IncomingRecord.from_mapping({"sf_id": sf_id, f.ORG_NAME: name, **extra},
                                       sf_object="Account")
