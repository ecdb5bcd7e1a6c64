"""Data-source housekeeping in the CDP: counts, retention, forgetting a deleted source, leases,
the backfill's row.

A *lease* lets several ``syncer run`` workers share one CDP without polling a data source twice:
claiming is one conditional ``UPDATE`` (a row lock on PostgreSQL, the database lock on SQLite),
so exactly one worker wins it until it releases or the lease expires. A worker is named
``host:pid[:…]``; a lease held by a process of this host that is no longer running is taken over
at once (a killed ``syncer sync`` does not block the next one until the lease expires).
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa

from .models import activity_table, backfill_table, link_table, source_table, utcnow

_LEASE_KEY = "_lease"


def count_people(cdp, source_id: int) -> int:
    """How many people hold at least one hidden id of this data source."""
    query = sa.select(sa.func.count(sa.distinct(link_table.c.person_id))).where(
        link_table.c.data_source_id == source_id, link_table.c.person_id.is_not(None))
    with cdp.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def prune_activities(cdp, source_id: int, older_than: datetime) -> int:
    """Delete this source's activities that happened before ``older_than`` (retention, rule 25)."""
    with cdp.writing() as conn:
        return conn.execute(sa.delete(activity_table).where(
            activity_table.c.data_source_id == source_id,
            activity_table.c.occurred_at < older_than)).rowcount


def forget_data_source(cdp, source_id: int) -> int:
    """Drop a deleted source's hidden ids; people, organisations and activities stay (seed NOTE)."""
    with cdp.writing() as conn:
        return conn.execute(sa.delete(link_table).where(link_table.c.data_source_id == source_id)).rowcount


def claim(cdp, source_id: int, worker: str, ttl: timedelta) -> bool:
    """Take the poll lease of a data source; False when another live worker holds it."""
    now = utcnow()
    with cdp.writing() as conn:
        row = conn.execute(sa.select(source_table.c.status_note, source_table.c.settings)
                           .where(source_table.c.id == source_id).with_for_update()).first()
        if row is None:
            return False
        lease = (row.settings or {}).get(_LEASE_KEY)
        if (lease and lease["worker"] != worker and datetime.fromisoformat(lease["until"]) > now
                and _may_be_running(lease["worker"])):
            return False
        settings = {**(row.settings or {}), _LEASE_KEY: {"worker": worker, "until": (now + ttl).isoformat()}}
        conn.execute(sa.update(source_table).where(source_table.c.id == source_id).values(settings=settings))
        return True


def _may_be_running(worker: str) -> bool:
    """False only for a worker of this host whose process is gone."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(cdp, source_id: int, worker: str) -> None:
    """Give the lease back (only if this worker holds it)."""
    with cdp.writing() as conn:
        row = conn.execute(sa.select(source_table.c.settings).where(source_table.c.id == source_id)
                           .with_for_update()).first()
        if row and (row.settings or {}).get(_LEASE_KEY, {}).get("worker") == worker:
            settings = {k: v for k, v in row.settings.items() if k != _LEASE_KEY}
            conn.execute(sa.update(source_table).where(source_table.c.id == source_id).values(settings=settings))


def restore(cdp, source_id: int, sf_ids: list[str]) -> int:
    """Un-archive the people/organisations holding these hidden ids (rule 33); return how many."""
    from .models import org_table, person_table
    restored = 0
    with cdp.writing() as conn:
        for start in range(0, len(sf_ids), 500):
            chunk = sf_ids[start:start + 500]
            rows = conn.execute(sa.select(link_table.c.person_id, link_table.c.organization_id).where(
                link_table.c.data_source_id == source_id, link_table.c.sf_id.in_(chunk))).all()
            for table, ids in ((person_table, {r.person_id for r in rows} - {None}),
                               (org_table, {r.organization_id for r in rows} - {None})):
                if ids:
                    restored += conn.execute(sa.update(table).where(
                        table.c.id.in_(ids), table.c.archived.is_(True)).values(
                        archived=False, updated_at=utcnow())).rowcount
    return restored


def record_event(cdp, person_id: int, kind: str, occurred_at: datetime, attributes: dict | None = None) -> int:
    """An activity that happened in the CDP itself (email opened, form submitted …).

    It is kept under the CDP's own data source (kind ``cdp``), created on first use.
    """
    import uuid
    from .models import activity_table
    with cdp.writing() as conn:
        source_id = conn.execute(sa.select(source_table.c.id).where(source_table.c.kind == "cdp")).scalar()
        if source_id is None:
            source_id = conn.execute(sa.insert(source_table).values(
                name="CDP", kind="cdp", state="Connected", settings={}, bookmarks={},
                created_at=utcnow(), updated_at=utcnow()).returning(source_table.c.id)).scalar_one()
        return conn.execute(sa.insert(activity_table).values(
            data_source_id=source_id, sf_id=f"cdp-{uuid.uuid4().hex}", type=kind, person_id=person_id,
            occurred_at=occurred_at, attributes=attributes or {}, created_at=utcnow()
        ).returning(activity_table.c.id)).scalar_one()


def backfill_row(cdp, source_id: int) -> dict | None:
    """A data source's backfill row (``started``, ``progress``, ``finished``), or None."""
    with cdp.engine.connect() as conn:
        row = conn.execute(sa.select(backfill_table.c.started, backfill_table.c.progress,
                                     backfill_table.c.finished)
                           .where(backfill_table.c.data_source_id == source_id)).mappings().first()
    return dict(row) if row else None


def save_backfill(cdp, source_id: int, values: dict, fresh: bool = False) -> None:
    """Store a data source's backfill row; ``fresh`` replaces a finished one by a new backfill."""
    where = backfill_table.c.data_source_id == source_id
    with cdp.engine.begin() as conn:
        if fresh:
            conn.execute(sa.delete(backfill_table).where(where))
            conn.execute(sa.insert(backfill_table).values(data_source_id=source_id, **values))
        else:
            conn.execute(sa.update(backfill_table).where(where).values(**values))
