"""Aggregate queries: ``COUNT()``, ``COUNT(f)``, ``COUNT_DISTINCT``, ``SUM/AVG/MIN/MAX``,
``GROUP BY``, ``HAVING`` and aliases. Rows come back typed ``AggregateResult``; unnamed
aggregates are keyed ``expr0``, ``expr1``… in SELECT order, grouped fields by their field name.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ... import errors
from ..schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, SObjectDef
from . import ast
from .clauses import live, order_term
from .compiler import RecordCompiler
from .filters import Filter
from .resolve import Context, Ref, Scope
from .results import Converter, converter

_GROUPABLE = TEXT_TYPES - {"multipicklist", "textarea", "encryptedstring"} | \
    {"id", "reference", "boolean", "date", "int"}


@dataclass
class CountPlan:
    """``SELECT COUNT() …``: only totalSize matters."""

    statement: sa.Select
    limit: int | None


@dataclass
class AggregatePlan:
    """A grouped or aggregated query: one AggregateResult per row."""

    statement: sa.Select
    keys: list[str]
    converters: list[Converter]


def is_aggregate(query: ast.Query) -> bool:
    """True when the query groups or aggregates (its rows are AggregateResults)."""
    return bool(query.group_by) or any(
        isinstance(i, ast.SelectField) and isinstance(i.expr, ast.Aggregate) for i in query.select)


class AggregateCompiler:
    """Builds a :class:`CountPlan` or :class:`AggregatePlan`."""

    def __init__(self, ctx: Context, include_deleted: bool) -> None:
        self.ctx = ctx
        self.include_deleted = include_deleted
        self.records = RecordCompiler(ctx, include_deleted)

    def compile(self, query: ast.Query, sobject: SObjectDef):
        """The plan of an aggregate query."""
        scope = Scope(self.ctx, sobject)
        hops: set = set()
        groups: dict[tuple, Ref] = {}
        for path in query.group_by:
            ref = self._hop(scope.resolve(path), hops)
            if ref.expr is None or ref.field.type not in _GROUPABLE:
                raise self.ctx.error(errors.INVALID_FIELD, path.pos,
                                     f"field '{ref.field.name}' can not be grouped in a query call")
            groups[ref.key] = ref

        def operand(node) -> Ref:
            if isinstance(node, ast.Aggregate):
                return self._aggregate(scope, node, hops)[0]
            ref = self._hop(scope.resolve(node), hops)
            if ref.key not in groups:
                raise self.ctx.error(errors.MALFORMED_QUERY, node.pos,
                                     f"Field must be grouped or aggregated: {ref.field.name}")
            return ref

        where = self.records.where(scope, query.where, hops)
        having = [Filter(self.ctx, operand, self.records.semi_join).compile(query.having)] \
            if query.having is not None else []
        group_exprs = [ref.expr for ref in groups.values()]
        if self._count_only(query):
            inner = sa.select(*(group_exprs or [sa.literal(1)])).select_from(scope.joined(hops)) \
                .where(*live(scope, self.include_deleted), *where)
            if group_exprs:
                inner = inner.group_by(*group_exprs).having(*having)
                return CountPlan(sa.select(sa.func.count()).select_from(inner.subquery()),
                                 query.limit)
            return CountPlan(sa.select(sa.func.count()).select_from(scope.joined(hops))
                             .where(*live(scope, self.include_deleted), *where), query.limit)
        columns, keys, converters = [], [], []
        unnamed = 0
        for item in query.select:
            if isinstance(item, ast.TypeOf):
                # Salesforce's wording is a guess: the reference only says TYPEOF cannot be
                # used in a query that groups or aggregates.
                raise self.ctx.error(errors.MALFORMED_QUERY, item.pos,
                                     "TYPEOF cannot be used in an aggregate query")
            if not isinstance(item, ast.SelectField):
                raise self.ctx.error(errors.MALFORMED_QUERY, getattr(item, "pos", None),
                                     "Aggregate queries do not support FIELDS() or subqueries")
            if isinstance(item.expr, ast.Aggregate):
                ref, convert = self._aggregate(scope, item.expr, hops)
                key = item.alias or f"expr{unnamed}"
                unnamed += 0 if item.alias else 1
            else:
                ref = operand(item.expr)
                key, convert = item.alias or ref.field.name, converter(ref.field)
            columns.append(ref.expr.label(f"c{len(columns)}"))
            keys.append(key)
            converters.append(convert)
        order = []
        for item in query.order_by:
            ref = operand(item.expr)
            order.append(order_term(self.ctx, ref, item, item.expr.pos))
        statement = sa.select(*columns).select_from(scope.joined(hops)) \
            .where(*live(scope, self.include_deleted), *where) \
            .group_by(*group_exprs).having(*having).order_by(*order)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        if query.offset:
            statement = statement.offset(query.offset)
        return AggregatePlan(statement, keys, converters)

    def _count_only(self, query: ast.Query) -> bool:
        counts = [i for i in query.select if isinstance(i, ast.SelectField)
                  and isinstance(i.expr, ast.Aggregate) and i.expr.function == "COUNT"
                  and i.expr.arg is None]
        if counts and len(query.select) != 1:
            raise self.ctx.error(errors.MALFORMED_QUERY, counts[0].expr.pos,
                                 "COUNT() must be the only element in the SELECT list")
        return bool(counts)

    def _hop(self, ref: Ref, hops: set) -> Ref:
        if ref.hop is not None:
            hops.add(ref.hop.key)
        return ref

    def _aggregate(self, scope: Scope, node: ast.Aggregate, hops: set) -> tuple[Ref, Converter]:
        function = node.function
        if node.arg is None:
            if function != "COUNT":
                raise self.ctx.error(errors.MALFORMED_QUERY, node.pos,
                                     f"unexpected token: '{function}()'")
            return Ref(FieldDef("expr", "int"), sa.func.count(), None, None, None), int
        ref = self._hop(scope.resolve(node.arg), hops)
        kind = ref.field.type
        if ref.expr is None or (function in ("SUM", "AVG") and kind not in NUMBER_TYPES):
            raise self.ctx.error(errors.MALFORMED_QUERY, node.pos,
                                 f"field {ref.field.name} does not support aggregate operator "
                                 f"{function}")
        if function == "COUNT":
            return Ref(FieldDef("expr", "int"), sa.func.count(ref.expr), None, None, None), int
        if function == "COUNT_DISTINCT":
            return Ref(FieldDef("expr", "int"), sa.func.count(sa.distinct(ref.expr)), None, None,
                       None), int
        if function == "AVG":
            return Ref(FieldDef("expr", "double"), sa.func.avg(ref.expr), None, None, None), float
        if function == "SUM":
            result = FieldDef("expr", "long" if kind in ("int", "long") else "double")
            return Ref(result, sa.func.sum(ref.expr), None, None, None), converter(result)
        expr = sa.func.min(ref.expr) if function == "MIN" else sa.func.max(ref.expr)
        result = FieldDef("expr", kind, length=ref.field.length)
        return Ref(result, expr, None, None, None), converter(ref.field)
