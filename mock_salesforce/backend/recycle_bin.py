"""The recycle bin's life cycle: delete moves records in (with the records a cascadeDelete
relationship ties to them), undelete restores them, purge removes them for good.

``to_bin`` moves a record to the bin (``IsDeleted`` true, ``_deleted_at`` set); it stays visible
to ``queryAll`` and ``/deleted``. As in Salesforce, a delete takes along every live record a
``cascadeDelete`` child relationship ties to it, recursively (an account's contacts and
opportunities, their tasks, events, campaign members and contact roles: ``"_cascadeChildren"`` in
the data file); a small per-org cascade log remembers what went with which record, so undeleting
it brings exactly those back and purging it purges them. Purging drops the row, so it leaves
``queryAll``, but a per-org deleted log keeps its id and deletion time so ``/deleted`` still
reports it until the replication window (30 days) has passed, as Salesforce does.
Not emulated: a real org's recycle bin lists only the parent, and a record deleted with its parent
comes back only with it (here it can be undeleted on its own); closed-won opportunities and
activated contracts that a real org keeps or asks about; custom master-detail children loaded
from a describe (their parent's childRelationships are not read, so they do not cascade).
"""
from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from .. import errors
from ..clock import to_millis
from . import ids

RETENTION = timedelta(days=30)
_CREATE_LOCK = threading.Lock()


def log_table(org) -> sa.Table:
    """The org's deleted log (created on first use; dropped with the org's tables on reset)."""
    return _table(org, "deleted_log", lambda name: (
        sa.Column("record_id", sa.String(18), primary_key=True),
        sa.Column("sobject", sa.String(80), nullable=False),
        sa.Column("deleted_at", sa.BigInteger, nullable=False),
        sa.Index(f"ix_{name}_sobject", "sobject", "deleted_at")))


def cascade_table(org) -> sa.Table:
    """The org's cascade log: each record in the bin because its ``root`` was deleted."""
    return _table(org, "cascade_log", lambda name: (
        sa.Column("record_id", sa.String(18), primary_key=True),
        sa.Column("sobject", sa.String(80), nullable=False),
        sa.Column("root_id", sa.String(18), nullable=False),
        sa.Index(f"ix_{name}_root", "root_id")))


def _table(org, suffix: str, columns) -> sa.Table:
    name = f"{org.store.prefix}__{suffix}"
    table = org.store.metadata.tables.get(name)
    if table is not None:
        return table
    with _CREATE_LOCK:
        table = org.store.metadata.tables.get(name)
        if table is None:
            table = sa.Table(name, org.store.metadata, *columns(name))
            table.create(org.store.engine, checkfirst=True)
    return table


def deletion_values(org) -> dict:
    """The columns a delete sets: in the recycle bin from now, stamps bumped."""
    now = to_millis(org.clock.now())
    return {"IsDeleted": True, "_deleted_at": now, "SystemModstamp": now}


def to_bin(org, sobject, record_id: str, conn: sa.Connection) -> None:
    """Move a record to the recycle bin with every live record its cascadeDelete relationships
    take along — the one delete behind REST, collections, Composite and Bulk deletes (a batch
    of deletes marks the same records through :func:`taken_along` and :func:`log_along`).

    Call it before other writes of the transaction: the first delete of an org creates the
    cascade log through its own connection (SQLite has one writer at a time).
    """
    values = deletion_values(org)
    org.store.update(sobject, record_id, values, conn)
    taken = taken_along(org, sobject, record_id, conn)
    for child, child_ids in taken:
        table = org.store.table(child)
        for start in range(0, len(child_ids), 500):
            chunk = child_ids[start:start + 500]
            conn.execute(table.update().where(table.c.Id.in_(chunk)).values(**values))
    log_along(org, record_id, taken, conn)


def taken_along(org, sobject, record_id: str, conn: sa.Connection) -> list[tuple]:
    """``(object, ids)`` of the live records a delete of ``record_id`` takes along."""
    return _taken(org, sobject, [record_id], conn)


def log_along(org, root_id: str, taken: list[tuple], conn: sa.Connection) -> None:
    """Remember that ``taken`` went to the bin with ``root_id`` (so undelete brings them back)."""
    log = cascade_table(org)
    for child, child_ids in taken:
        for start in range(0, len(child_ids), 500):
            conn.execute(log.delete().where(log.c.record_id.in_(child_ids[start:start + 500])))
        conn.execute(log.insert(), [{"record_id": i, "sobject": child.name, "root_id": root_id}
                                    for i in child_ids])


def _taken(org, sobject, parent_ids: list[str], conn: sa.Connection) -> list[tuple]:
    """``(object, ids)`` of the live records a delete of ``parent_ids`` takes, level by level."""
    taken, seen, frontier = [], set(parent_ids), [(sobject, parent_ids)]
    while frontier:
        parent, wanted = frontier.pop(0)
        for child, child_ids in _children(org, parent, wanted, conn):
            fresh = sorted(set(child_ids) - seen)
            seen.update(fresh)
            if fresh:
                taken.append((child, fresh))
                frontier.append((child, fresh))
    return taken


def _children(org, parent, parent_ids: list[str], conn: sa.Connection) -> list[tuple]:
    """The live records each cascadeDelete relationship of ``parent`` ties to ``parent_ids``,
    by child object: one UNION ALL per 500 parents (a delete is on every Bulk row's path)."""
    relations = [(org.schema.get(r.child_sobject), r.field) for r in parent.child_relationships
                 if r.cascade_delete and org.schema.get(r.child_sobject) is not None]
    found: dict = {}
    for start in range(0, len(parent_ids) if relations else 0, 500):
        chunk = parent_ids[start:start + 500]
        selects = [sa.select(sa.literal_column(str(index)).label("relation"), table.c.Id).where(
            table.c[name].in_(chunk), table.c.IsDeleted.is_(False))
            for index, (child, name) in enumerate(relations)
            for table in [org.store.table(child)]]
        query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
        for index, record_id in conn.execute(query):
            found.setdefault(relations[int(index)][0].name, []).append(record_id)
    return [(org.schema.get(name), child_ids) for name, child_ids in found.items()]


def _logged(org, root_id: str, conn: sa.Connection) -> list[tuple]:
    """``(object, id)`` of the records in the bin because ``root_id`` was deleted."""
    log = cascade_table(org)
    rows = conn.execute(sa.select(log.c.sobject, log.c.record_id).where(log.c.root_id == root_id))
    return [(org.schema.get(name), record_id) for name, record_id in rows
            if org.schema.get(name) is not None]


def _not_in_bin() -> errors.SalesforceError:
    return errors.SalesforceError("Entity is not in the recycle bin", error_code="UNDELETE_FAILED")


def _not_found() -> errors.SalesforceError:
    return errors.SalesforceError("invalid record id", error_code="INVALID_ID_FIELD")


def _locate(org, record_id: object, missing):
    """The object and stored row of an id, or the Salesforce error for it."""
    if not isinstance(record_id, str) or not ids.is_valid(record_id):
        raise errors.MALFORMED_ID(f"malformed id {record_id}")
    sobject = org.schema.by_prefix(ids.prefix_of(record_id))
    row = org.store.get(sobject, ids.to18(record_id), include_deleted=True) if sobject else None
    if row is None:
        raise missing()
    return sobject, row


def _result(record_id: object, error: errors.SalesforceError | None) -> dict:
    if error is None:
        return {"id": ids.to18(record_id), "success": True, "errors": []}
    return {"id": record_id, "success": False, "errors": [error.dml_error()]}


def undelete(org, record_ids: list) -> list[dict]:
    """Restore records from the recycle bin, each with the records deleted along with it; each
    gets a fresh SystemModstamp."""
    results = []
    cascade_table(org)  # before the transaction: see to_bin
    with org.store.write_lock:
        for record_id in record_ids:
            try:
                sobject, row = _locate(org, record_id, _not_in_bin)
                if not row["IsDeleted"]:
                    raise _not_in_bin()
                with org.store.engine.begin() as conn:
                    org.store.update(sobject, row["Id"], _restored(org), conn)
                    restore_along(org, row["Id"], conn)
                results.append(_result(record_id, None))
            except errors.SalesforceError as error:
                results.append(_result(record_id, error))
    return results


def restore_along(org, record_id: str, conn: sa.Connection) -> None:
    """Bring back the records deleted along with ``record_id`` (undelete, or a rolled-back
    Composite delete); the record itself is its caller's."""
    log = org.store.metadata.tables.get(f"{org.store.prefix}__cascade_log")
    if log is None:  # no delete since the store was built: nothing went along (and no DDL here)
        return
    for restored, restored_id in _logged(org, record_id, conn):
        org.store.update(restored, restored_id, _restored(org), conn)
    conn.execute(log.delete().where(sa.or_(log.c.root_id == record_id,
                                           log.c.record_id == record_id)))


def _restored(org) -> dict:
    now = to_millis(org.clock.now())
    return {"IsDeleted": False, "_deleted_at": None, "SystemModstamp": now,
            "LastModifiedDate": now}


def purge(org, record_ids: list) -> list[dict]:
    """Hard-delete records (in the bin or not) with the records their delete takes or took
    along; the deleted log remembers them."""
    results = []
    log, cascades = log_table(org), cascade_table(org)
    with org.store.write_lock:
        for record_id in record_ids:
            try:
                sobject, row = _locate(org, record_id, _not_found)
                with org.store.engine.begin() as conn:
                    along = _logged(org, row["Id"], conn) if row["IsDeleted"] else [
                        (child, i) for child, found in _taken(org, sobject, [row["Id"]], conn)
                        for i in found]
                    for gone, gone_id in [(sobject, row["Id"]), *along]:
                        _purge_row(org, gone, gone_id, conn)
                    conn.execute(cascades.delete().where(sa.or_(
                        cascades.c.root_id == row["Id"], cascades.c.record_id == row["Id"])))
                results.append(_result(record_id, None))
            except errors.SalesforceError as error:
                results.append(_result(record_id, error))
        _forget_old(org, log)
    return results


def _purge_row(org, sobject, record_id: str, conn: sa.Connection) -> None:
    """Drop one row; the deleted log keeps its id and deletion time (now if it was live)."""
    table, log = org.store.table(sobject), log_table(org)
    deleted_at = conn.execute(sa.select(table.c._deleted_at).where(
        table.c.Id == record_id)).scalar() or to_millis(org.clock.now())
    conn.execute(table.delete().where(table.c.Id == record_id))
    conn.execute(log.delete().where(log.c.record_id == record_id))
    conn.execute(log.insert().values(record_id=record_id, sobject=sobject.name,
                                     deleted_at=deleted_at))


def _forget_old(org, log: sa.Table) -> None:
    cutoff = to_millis(org.clock.now() - RETENTION)
    with org.store.engine.begin() as conn:
        conn.execute(log.delete().where(log.c.deleted_at < cutoff))


def purged(org, sobject_name: str, start_ms: int, end_ms: int) -> list[tuple[str, int]]:
    """``(id, deleted_at)`` of purged records of an object deleted within ``[start, end)``."""
    log = log_table(org)
    query = sa.select(log.c.record_id, log.c.deleted_at).where(
        log.c.sobject == sobject_name, log.c.deleted_at >= start_ms, log.c.deleted_at < end_ms)
    with org.store.engine.connect() as conn:
        return [(row[0], row[1]) for row in conn.execute(query)]
