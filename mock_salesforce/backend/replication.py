"""``getUpdated`` / ``getDeleted``: which records changed or were deleted in a time window.

Salesforce's rules: the seconds of ``start`` and ``end`` are ignored; ``end`` in the future means
now; ``start`` must precede ``end`` by at least a minute and be no more than 30 days ago
(``INVALID_REPLICATION_DATE`` otherwise); at most 600,000 ids (``EXCEEDED_ID_LIMIT``). Windows
are half-open, ``[start, end)``, and ``latestDateCovered`` is ``end``, so the next window can
start where this one ended without repeating or missing a change.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from .. import errors
from ..clock import format_datetime, parse_datetime, to_millis
from . import recycle_bin
from .schema import SObjectDef

WINDOW = timedelta(days=30)
MAX_IDS = 600_000


def _parse(name: str, text: str | None) -> datetime:
    if not text:
        raise errors.MISSING_ARGUMENT(f"{name} not specified")
    # An unencoded '+' in the query string arrives as a space.
    text = text.strip().replace(" ", "+") if "T" in text else text.strip()
    try:
        value = parse_datetime(text)
    except ValueError:
        raise errors.INVALID_REPLICATION_DATE(f"Invalid {name} date: {text}") from None
    return value.replace(second=0, microsecond=0)


def window(org, start_text: str | None, end_text: str | None) -> tuple[datetime, datetime]:
    """The validated ``[start, end)`` of a replication call, truncated to the minute."""
    start, end = _parse("start", start_text), _parse("end", end_text)
    now = org.clock.now().replace(second=0, microsecond=0)
    end = min(end, now)
    if start < now - WINDOW:
        raise errors.INVALID_REPLICATION_DATE("startDate cannot be more than 30 days ago")
    if end - start < timedelta(minutes=1):
        # Salesforce's own (oddly worded) message for a window shorter than a minute.
        raise errors.INVALID_REPLICATION_DATE("startDate must be at least one minute greater "
                                              "than endDate")
    return start, end


def earliest_available(org) -> datetime:
    """The oldest moment ``/deleted`` still answers for (30 days back, to the minute)."""
    return (org.clock.now() - WINDOW).replace(second=0, microsecond=0)


def updated(org, sobject: SObjectDef, start: datetime, end: datetime) -> dict:
    """Ids of live records created or changed in the window (by SystemModstamp)."""
    table = org.store.table(sobject)
    query = sa.select(table.c.Id).where(
        table.c.SystemModstamp >= to_millis(start), table.c.SystemModstamp < to_millis(end),
        table.c.IsDeleted.is_(False)).order_by(table.c.SystemModstamp, table.c.Id) \
        .limit(MAX_IDS + 1)
    with org.store.engine.connect() as conn:
        found = list(conn.execute(query).scalars())
    if len(found) > MAX_IDS:
        raise errors.EXCEEDED_ID_LIMIT("record limit reached. cannot submit more than 600000 "
                                       "records into this call")
    return {"ids": found, "latestDateCovered": format_datetime(end)}


def deleted(org, sobject: SObjectDef, start: datetime, end: datetime) -> dict:
    """Records deleted in the window: those in the recycle bin and those purged since."""
    table = org.store.table(sobject)
    low, high = to_millis(start), to_millis(end)
    query = sa.select(table.c.Id, table.c._deleted_at).where(
        table.c.IsDeleted.is_(True), table.c._deleted_at >= low, table.c._deleted_at < high)
    with org.store.engine.connect() as conn:
        rows = [(row[0], row[1]) for row in conn.execute(query)]
    purged = recycle_bin.purged(org, sobject.name, low, high)
    if purged:
        # A purged id that exists again (ids restart after a reset) is no longer deleted.
        existing = org.store.get_many(sobject, [record_id for record_id, _ in purged],
                                      include_deleted=True)
        rows += [pair for pair in purged if pair[0] not in existing]
    rows.sort(key=lambda pair: (pair[1], pair[0]))
    return {"deletedRecords": [{"id": record_id, "deletedDate": format_datetime(int(when))}
                               for record_id, when in rows],
            "earliestDateAvailable": format_datetime(earliest_available(org)),
            "latestDateCovered": format_datetime(end)}
