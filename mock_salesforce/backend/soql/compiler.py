"""A parsed query + the org's schema → an executable plan of SQLAlchemy Core statements.

Record queries compile to two statements: ``ids`` (the ordered Ids of every matching record —
the cursor's snapshot) and ``rows`` (the selected columns of a page of those Ids, parents
LEFT OUTER JOINed). Child subqueries compile to one statement per page keyed by parent Id.
Aggregate and ``COUNT()`` queries compile in :mod:`aggregates`.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

import sqlalchemy as sa

from ... import errors
from ..schema import SObjectDef
from . import ast
from .clauses import check_limits, expand_fields, keyed, live, order_term, sobject_of
from .filters import Filter
from .resolve import Context, Ref, Scope
from .results import ChildSlot, Compound, Node, Shaper, TypeSwitch
from .typeof import compile_typeof


@dataclass
class ChildPlan:
    """A child subquery: its rows for a page of parents, grouped by the parent reference."""

    key: str
    statement: sa.Select
    shaper: Shaper
    limit: int | None
    offset: int


@dataclass
class RecordPlan:
    """A plain (non-aggregate) query."""

    sobject: SObjectDef
    ids: sa.Select
    count: sa.Select
    rows: sa.Select
    shaper: Shaper
    dialect: str
    limit: int | None = None
    offset: int = 0
    children: list[ChildPlan] = dc_field(default_factory=list)
    # The same columns for the Ids in [first, last], in Id order; set when every record of the
    # table matches (no WHERE) and the order is by Id, so a page is one index range.
    id_range: sa.Select | None = None
    # (concatenated Ids, last Id) of the next ``size`` Ids ``> after`` (SQLite, Id order, no
    # WHERE, no LIMIT): the snapshot reads a million Ids as 50 rows instead of a million.
    id_chunks: sa.Select | None = None


class RecordCompiler:
    """Builds a :class:`RecordPlan` (also used for child subqueries)."""

    def __init__(self, ctx: Context, include_deleted: bool) -> None:
        self.ctx = ctx
        self.include_deleted = include_deleted

    def compile(self, query: ast.Query, sobject: SObjectDef) -> RecordPlan:
        """The plan of a top-level record query."""
        scope = Scope(self.ctx, sobject)
        shaper, columns, select_hops, subqueries = self._select(scope, query, allow_children=True)
        filter_hops: set = set()
        where = self.where(scope, query.where, filter_hops)
        order = self.order_by(scope, query.order_by, filter_hops)
        ids = sa.select(scope.base.c.Id).select_from(scope.joined(filter_hops)) \
            .where(*live(scope, self.include_deleted), *where)
        count = sa.select(sa.func.count()).select_from(ids.subquery())
        ids = ids.order_by(*order)
        if query.limit is not None:
            ids = ids.limit(query.limit)
            # Count within the LIMIT too, so the database can stop early.
            count = sa.select(sa.func.count()).select_from(
                ids.limit(query.limit + (query.offset or 0)).subquery())
        if query.offset:
            ids = ids.offset(query.offset)
        source, conditions = keyed(self.ctx, scope, scope.base.c.Id, select_hops, "ids")
        rows = sa.select(*columns).select_from(source).where(*conditions)
        children = [self._child(sobject, sub) for sub in subqueries]
        plan = RecordPlan(sobject, ids, count, rows, shaper, self.ctx.dialect, query.limit,
                          query.offset or 0, children)
        if self._ordered_by_id(scope, query):
            self._by_id(plan, scope, query, columns, select_hops)
        return plan

    def _by_id(self, plan: RecordPlan, scope: Scope, query: ast.Query, columns: list,
               select_hops: set) -> None:
        """The shortcuts of a query in Id order: Id ranges for pages, Id keysets for the snapshot."""
        # Only without WHERE: then every statement walks the Id index (a filter's own index
        # could make each keyset chunk sort every match again).
        if query.where is not None:
            return
        id_column = scope.base.c.Id
        plan.id_range = sa.select(*columns).select_from(scope.joined(select_hops)) \
            .where(id_column.between(sa.bindparam("first"), sa.bindparam("last"))) \
            .order_by(id_column)
        if self.ctx.dialect == "sqlite" and query.limit is None and not query.offset:
            # SQLite feeds an aggregate the rows of an ordered, limited subquery in order.
            chunk = plan.ids.where(id_column > sa.bindparam("after")) \
                .limit(sa.bindparam("size")).subquery()
            plan.id_chunks = sa.select(sa.func.group_concat(chunk.c.Id, ""),
                                       sa.func.max(chunk.c.Id))

    @staticmethod
    def _ordered_by_id(scope: Scope, query: ast.Query) -> bool:
        """True when the records come in ascending Id order (the default order)."""
        if not query.order_by:
            return True
        if len(query.order_by) != 1:
            return False
        item = query.order_by[0]
        if item.descending or isinstance(item.expr, ast.Aggregate):
            return False
        ref = scope.resolve(item.expr)
        return ref.hop is None and ref.field.name == "Id"

    # -- SELECT --------------------------------------------------------------------------------
    def _select(self, scope: Scope, query: ast.Query, allow_children: bool):
        columns: list = [scope.base.c.Id.label("c0")]
        kinds: list = ["id"]
        root = Node(scope.sobject.name, 0)
        seen: set = set()
        hops_used: set = set()
        subqueries: list[ast.SubQuery] = []
        typeofs: set[str] = set()  # relationships selected through TYPEOF

        def add_column(expr, definition) -> int:
            columns.append(expr.label(f"c{len(columns)}"))
            kinds.append(definition.type if definition is not None else None)
            return len(columns) - 1

        for item in expand_fields(scope.sobject, query.select):
            if isinstance(item, ast.SubQuery):
                if not allow_children:
                    raise self.ctx.error(errors.MALFORMED_QUERY, item.pos,
                                         "SOQL statements cannot query aggregate relationships "
                                         "more than 1 level away from the root entity object.")
                subqueries.append(item)
                name = self._child_name(scope.sobject, item)
                root.items.append((name, ChildSlot(name)))
                continue
            if isinstance(item, ast.TypeOf):
                name, switch = compile_typeof(self.ctx, scope, item, add_column, typeofs,
                                              hops_used)
                if any(key[0] == name.lower() for key in seen if len(key) > 1):
                    raise self.ctx.error(errors.INVALID_FIELD, item.pos,
                                         f"duplicate field selected: {name}")
                root.items.append((name, switch))
                continue
            if isinstance(item.expr, ast.Aggregate) or item.alias:
                raise self.ctx.error(errors.MALFORMED_QUERY, item.expr.pos,
                                     "Only aggregate expressions use field aliasing")
            ref = scope.resolve(item.expr)
            if ref.key in seen or ref.hop is not None and ref.hop.key[0] in typeofs:
                raise self.ctx.error(errors.INVALID_FIELD, item.expr.pos,
                                     f"duplicate field selected: {ref.name}")
            seen.add(ref.key)
            if ref.hop is not None:
                hops_used.add(ref.hop.key)
            node = root.descend(ref.hop, add_column)
            if ref.expr is None:
                node.items.append((ref.field.name, self._compound(scope, ref, add_column)))
            else:
                node.items.append((ref.field.name, add_column(ref.expr, ref.field)))
        shaper = Shaper(root, self.ctx.org.schema, kinds)
        return shaper, columns, hops_used, subqueries

    def _compound(self, scope: Scope, ref: Ref, add_column) -> Compound:
        if ref.owner is None:
            raise scope.no_such_column(ref.field.name, "Name", ref.path.pos)
        table = scope.table_of(ref.hop)
        parts = [(f.name, add_column(table.c[f.name], f)) for f in ref.owner.fields.values()
                 if f.compound_field_name == ref.field.name and f.stored]
        return Compound(ref.owner, ref.field, parts)

    # -- WHERE / ORDER BY ----------------------------------------------------------------------
    def where(self, scope: Scope, condition, hops: set) -> list[sa.ColumnElement]:
        """The WHERE clause (empty list when there is none); records the joins it needs."""
        if condition is None:
            return []

        def operand(node) -> Ref:
            if isinstance(node, ast.Aggregate):
                raise self.ctx.error(errors.MALFORMED_QUERY, node.pos,
                                     "Aggregate functions are not supported in WHERE; use HAVING")
            ref = scope.resolve(node)
            if ref.hop is not None:
                hops.add(ref.hop.key)
            return ref

        return [Filter(self.ctx, operand, self.semi_join).compile(condition)]

    def order_by(self, scope: Scope, items: tuple, hops: set) -> list[sa.ColumnElement]:
        """ORDER BY terms with Salesforce's null placement, plus Id to make ties stable."""
        terms = []
        has_id = False
        for item in items:
            if isinstance(item.expr, ast.Aggregate):
                raise self.ctx.error(errors.MALFORMED_QUERY, item.expr.pos,
                                     "Ordered field must be grouped or aggregated")
            ref = scope.resolve(item.expr)
            if ref.hop is not None:
                hops.add(ref.hop.key)
            has_id = has_id or (ref.hop is None and ref.field.name == "Id")
            terms.append(order_term(self.ctx, ref, item, item.expr.pos))
        if not has_id:
            terms.append(scope.base.c.Id.asc())
        return terms

    def semi_join(self, sub: ast.SubQuery, outer: Ref) -> sa.Select:
        """``Id IN (SELECT ContactId FROM …)``: the inner query's single Id/reference column."""
        query = sub.query
        if outer.field.type not in ("id", "reference"):
            raise self.ctx.error(errors.MALFORMED_QUERY, sub.pos,
                                 "Invalid semi-join: the left operand must be an Id or a "
                                 "reference field")
        sobject = sobject_of(self.ctx, query)
        scope = Scope(self.ctx, sobject)
        fields = [i for i in query.select if isinstance(i, ast.SelectField)]
        if len(query.select) != 1 or len(fields) != 1 or isinstance(fields[0].expr, ast.Aggregate):
            raise self.ctx.error(errors.MALFORMED_QUERY, sub.pos,
                                 "semi join sub-selects can only select one Id or reference field")
        ref = scope.resolve(fields[0].expr)
        if ref.field.type not in ("id", "reference"):
            raise self.ctx.error(errors.MALFORMED_QUERY, fields[0].expr.pos,
                                 "semi join sub-selects can only select one Id or reference field")
        hops: set = {ref.hop.key} if ref.hop else set()
        where = self.where(scope, query.where, hops)
        inner = sa.select(ref.expr).select_from(scope.joined(hops)) \
            .where(*live(scope, False), ref.expr.is_not(None), *where)
        if query.limit is not None:
            inner = inner.order_by(*self.order_by(scope, query.order_by, hops)).limit(query.limit)
        return inner

    # -- child subqueries ----------------------------------------------------------------------
    def _child_name(self, parent: SObjectDef, sub: ast.SubQuery) -> str:
        relationship = parent.child_relationship(sub.query.sobject)
        if relationship is None:
            raise self.ctx.error(
                errors.INVALID_TYPE, sub.query.sobject_pos,
                f"Didn't understand relationship '{sub.query.sobject}' in FROM part of query call. "
                "If you are attempting to use a custom relationship, be sure to append the '__r' "
                "after the custom relationship name. Please reference your WSDL or the describe "
                "call for the appropriate names.")
        return relationship.relationship_name

    def _child(self, parent: SObjectDef, sub: ast.SubQuery) -> ChildPlan:
        query = sub.query
        relationship = parent.child_relationship(query.sobject)
        sobject = self.ctx.org.schema.get(relationship.child_sobject)
        check_limits(self.ctx, query)
        if query.group_by or query.having:
            raise self.ctx.error(errors.MALFORMED_QUERY, sub.pos,
                                 "Aggregate relationship subqueries cannot be grouped")
        scope = Scope(self.ctx, sobject)
        shaper, columns, hops, _ = self._select(scope, query, allow_children=False)
        where = self.where(scope, query.where, hops)
        order = self.order_by(scope, query.order_by, hops)
        parent_ref = scope.base.c[relationship.field]
        source, conditions = keyed(self.ctx, scope, parent_ref, hops, "parents")
        statement = sa.select(parent_ref.label("parent"), *columns).select_from(source) \
            .where(*conditions, *live(scope, self.include_deleted), *where) \
            .order_by(parent_ref, *order)
        # Rows carry the parent id first, so shift every index the shaper knows by one.
        shaper = Shaper(_shift(shaper.root, 1), shaper.schema, [None] + shaper.kinds)
        return ChildPlan(relationship.relationship_name, statement, shaper, query.limit,
                         query.offset or 0)


def _shift(node: Node | TypeSwitch, by: int) -> Node | TypeSwitch:
    if isinstance(node, TypeSwitch):
        return TypeSwitch(node.fk_index + by, [(p, _shift(n, by)) for p, n in node.branches],
                          None if node.otherwise is None else _shift(node.otherwise, by))
    shifted = Node(node.type_name, node.id_index + by)
    for key, item in node.items:
        if type(item) is int:
            shifted.items.append((key, item + by))
        elif isinstance(item, (Node, TypeSwitch)):
            shifted.items.append((key, _shift(item, by)))
        elif isinstance(item, Compound):
            shifted.items.append((key, Compound(item.sobject, item.field,
                                                [(n, i + by) for n, i in item.parts])))
        else:
            shifted.items.append((key, item))
    return shifted
