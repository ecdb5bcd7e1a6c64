"""What Bulk API 1.0 and 2.0 query jobs share: compiling a bulk query, snapshotting its Ids and
reading its rows back by Id in chunks.

Both APIs refuse the same things (child subqueries, aggregates, GROUP BY, OFFSET, compound
fields) and read results from an Id snapshot taken when the query starts, so rows neither repeat
nor drop when records change meanwhile; a record purged since the snapshot is simply absent.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import errors
from .bulk_csv import Column, columns
from .soql import ast, engine, snapshots
from .soql.aggregates import is_aggregate
from .soql.compiler import RecordPlan
from .soql.parser import parse

READ_CHUNK = 2_000  # rows read from the database per statement while results stream


@dataclass(frozen=True)
class BulkQuery:
    """A compiled bulk query: its record plan and its CSV columns."""

    plan: RecordPlan
    columns: list[Column]

    @property
    def sobject(self) -> str:
        """The queried object's name."""
        return self.plan.sobject.name


def compile_bulk(org, soql: str, include_deleted: bool, typeof: bool = False) -> BulkQuery:
    """Compile a bulk query; API_ERROR for what Bulk cannot query, SOQL errors as the REST API's.

    ``typeof``: TYPEOF is allowed (Bulk API 1.0); Bulk API 2.0 refuses it, as its documentation
    says ("Bulk API 2.0 doesn't support SOQL queries that include … TYPEOF clauses").
    """
    query = parse(soql)
    check_supported(query)
    if not typeof and any(isinstance(item, ast.TypeOf) for item in query.select):
        raise errors.API_ERROR("TYPEOF clause not supported in Bulk API 2.0 Query")
    plan = engine.compile_soql(org, soql, include_deleted)
    if not isinstance(plan, RecordPlan):
        raise errors.API_ERROR("Aggregate Queries not supported in Bulk Query")
    return BulkQuery(plan, columns(plan.shaper))


def check_supported(query: ast.Query) -> None:
    """Refuse what a Bulk query cannot do (API_ERROR), before the query is compiled."""
    if any(isinstance(item, ast.SubQuery) for item in query.select):
        raise errors.API_ERROR("Aggregate Relationship not supported in Bulk Query")
    if query.group_by or query.having or is_aggregate(query):
        raise errors.API_ERROR("Aggregate Queries not supported in Bulk Query")
    if query.offset is not None:
        raise errors.API_ERROR("OFFSET clause not supported in Bulk Query")


def start_snapshot(org, plan: RecordPlan) -> snapshots.Snapshot:
    """Start reading the query's matching Ids in the background."""
    return snapshots.take(org.store.engine, plan.count, plan.ids, plan.limit, plan.offset,
                          plan.id_chunks)


def row_chunks(org, plan: RecordPlan, snapshot: snapshots.Snapshot, start: int,
               stop: int) -> Iterator[list[tuple]]:
    """The rows at snapshot positions ``[start, stop)``, ``READ_CHUNK`` at a time."""
    engine_ = org.store.engine
    for first in range(start, stop, READ_CHUNK):
        chunk_ids = snapshot.ids(first, min(stop, first + READ_CHUNK))
        if not chunk_ids:
            continue
        with engine_.connect() as conn:
            yield engine.read_rows(conn, plan, chunk_ids)
