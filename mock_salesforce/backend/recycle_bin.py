"""The recycle bin's life cycle: undelete restores records, purge removes them for good.

``dml.delete`` moves a record to the bin (``IsDeleted`` true, ``_deleted_at`` set); it stays
visible to ``queryAll`` and ``/deleted``. Purging drops the row, so it leaves ``queryAll``, but
a small per-org deleted log keeps its id and deletion time so ``/deleted`` still reports it
until the replication window (30 days) has passed, as Salesforce does.
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
    name = f"{org.store.prefix}__deleted_log"
    table = org.store.metadata.tables.get(name)
    if table is not None:
        return table
    with _CREATE_LOCK:
        metadata = org.store.metadata
        table = metadata.tables.get(name)
        if table is not None:
            return table
        table = sa.Table(name, metadata,
                         sa.Column("record_id", sa.String(18), primary_key=True),
                         sa.Column("sobject", sa.String(80), nullable=False),
                         sa.Column("deleted_at", sa.BigInteger, nullable=False),
                         sa.Index(f"ix_{name}_sobject", "sobject", "deleted_at"))
        table.create(org.store.engine, checkfirst=True)
    return table


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
    """Restore records from the recycle bin; each gets a fresh SystemModstamp."""
    results = []
    with org.store.write_lock:
        for record_id in record_ids:
            try:
                sobject, row = _locate(org, record_id, _not_in_bin)
                if not row["IsDeleted"]:
                    raise _not_in_bin()
                now = to_millis(org.clock.now())
                with org.store.engine.begin() as conn:
                    org.store.update(sobject, row["Id"], {
                        "IsDeleted": False, "_deleted_at": None, "SystemModstamp": now,
                        "LastModifiedDate": now}, conn)
                results.append(_result(record_id, None))
            except errors.SalesforceError as error:
                results.append(_result(record_id, error))
    return results


def purge(org, record_ids: list) -> list[dict]:
    """Hard-delete records (in the bin or not); the deleted log remembers them."""
    results = []
    log = log_table(org)
    with org.store.write_lock:
        for record_id in record_ids:
            try:
                sobject, row = _locate(org, record_id, _not_found)
                deleted_at = row["_deleted_at"] or to_millis(org.clock.now())
                table = org.store.table(sobject)
                with org.store.engine.begin() as conn:
                    conn.execute(table.delete().where(table.c.Id == row["Id"]))
                    conn.execute(log.delete().where(log.c.record_id == row["Id"]))
                    conn.execute(log.insert().values(record_id=row["Id"], sobject=sobject.name,
                                                     deleted_at=deleted_at))
                results.append(_result(record_id, None))
            except errors.SalesforceError as error:
                results.append(_result(record_id, error))
        _forget_old(org, log)
    return results


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
