"""Activities: records of what a person did (opportunity, campaign, task …), upserted per key."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .candidates import as_utc
from .models import activity_table, link_table, utcnow
from .writer import select_in

_A, _L = activity_table.c, link_table.c


@dataclass(slots=True)
class ActivityRecord:
    """One activity to store; ``sf_id`` is its key, unique within the data source.

    The person is found through the hidden Id of a Contact or Lead of the same source
    (``person_sf_id``), or given directly (``person_id``) for people found another way.
    """

    sf_id: str
    type: str
    occurred_at: datetime
    person_sf_id: str | None = None
    person_id: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any]) -> ActivityRecord:
        """Build from a dict with the same keys."""
        return cls(item["sf_id"], item["type"], item["occurred_at"], item.get("person_sf_id"),
                   item.get("person_id"), dict(item.get("attributes") or {}))


@dataclass(slots=True)
class ActivitySummary:
    """Counts of one ``add_activities`` call."""

    inserted: int = 0
    updated: int = 0
    skipped_no_person: int = 0  # no person holds the given hidden Id (yet)


def write_activities(conn: sa.Connection, data_source_id: int,
                     items: Iterable[ActivityRecord | Mapping[str, Any]]) -> ActivitySummary:
    """Insert new activities and update re-delivered ones (by key), batched."""
    records = [i if isinstance(i, ActivityRecord) else ActivityRecord.from_mapping(i)
               for i in items]
    summary = ActivitySummary()
    people = sa.select(_L.sf_id, _L.person_id).where(_L.data_source_id == data_source_id,
                                                      _L.person_id.is_not(None))
    person_of = {row["sf_id"]: row["person_id"] for row in
                 select_in(conn, people, _L.sf_id, (r.person_sf_id for r in records))}
    stored = sa.select(_A.sf_id, _A.id).where(_A.data_source_id == data_source_id)
    existing = {row["sf_id"]: row["id"] for row in
                select_in(conn, stored, _A.sf_id, (r.sf_id for r in records))}
    now = utcnow()
    inserts: dict[str, dict[str, Any]] = {}
    updates: dict[int, dict[str, Any]] = {}
    for record in records:
        person_id = record.person_id or person_of.get(record.person_sf_id)
        if person_id is None:
            summary.skipped_no_person += 1
            continue
        row = {"type": record.type, "person_id": person_id, "attributes": record.attributes,
               "occurred_at": as_utc(record.occurred_at)}
        if record.sf_id in existing:
            updates[existing[record.sf_id]] = row  # the last delivery of a key wins
        else:
            inserts[record.sf_id] = dict(row, data_source_id=data_source_id, sf_id=record.sf_id,
                                         created_at=now)
    if inserts:
        conn.execute(sa.insert(activity_table), list(inserts.values()))
    if updates:
        conn.execute(sa.update(activity_table).where(_A.id == sa.bindparam("_id")),
                     [dict(row, _id=key) for key, row in updates.items()])
    summary.inserted, summary.updated = len(inserts), len(updates)
    return summary
