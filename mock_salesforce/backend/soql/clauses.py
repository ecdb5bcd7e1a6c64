"""Clauses every compiled query shares: FROM checks, limits, FIELDS(), the recycle-bin filter,
ORDER BY terms and Id-list restrictions."""
from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ... import errors
from ..schema import SObjectDef
from . import ast
from .resolve import Context, Ref, Scope, text_expr

MAX_OFFSET = 2000
FIELDS_LIMIT = 200


def sobject_of(ctx: Context, query: ast.Query) -> SObjectDef:
    """The FROM object, or INVALID_TYPE worded as Salesforce words it."""
    sobject = ctx.org.schema.get(query.sobject)
    if sobject is None or not sobject.queryable:
        raise ctx.error(errors.INVALID_TYPE, query.sobject_pos,
                        f"sObject type '{query.sobject}' is not supported. If you are attempting "
                        "to use a custom object, be sure to append the '__c' after the entity "
                        "name. Please reference your WSDL or the describe call for the appropriate "
                        "names.")
    return sobject


def check_limits(ctx: Context, query: ast.Query) -> None:
    """OFFSET ≤ 2000; FIELDS(ALL|CUSTOM) only with LIMIT ≤ 200 (Salesforce's unbounded rule)."""
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise errors.SalesforceError(f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                                     error_code="NUMBER_OUTSIDE_VALID_RANGE")
    for item in query.select:
        if isinstance(item, ast.FieldsFunction):
            if item.kind not in ("ALL", "STANDARD", "CUSTOM"):
                raise ctx.error(errors.MALFORMED_QUERY, item.pos,
                                f"unexpected token: '{item.kind}'")
            if item.kind != "STANDARD" and (query.limit is None or query.limit > FIELDS_LIMIT):
                raise ctx.error(errors.MALFORMED_QUERY, item.pos,
                                "The SOQL FIELDS function must have a LIMIT of at most 200")


def expand_fields(sobject: SObjectDef, items: tuple) -> list:
    """The select list with every ``FIELDS(...)`` replaced by the fields it stands for."""
    expanded: list = []
    for item in items:
        if isinstance(item, ast.FieldsFunction):
            expanded += [ast.SelectField(ast.FieldPath((f.name,), item.pos))
                         for f in sobject.fields.values()
                         if item.kind == "ALL" or (item.kind == "CUSTOM") == f.custom]
        else:
            expanded.append(item)
    return expanded


def live(scope: Scope, include_deleted: bool) -> list[sa.ColumnElement]:
    """The recycle-bin filter: ``/query`` never sees deleted rows, ``/queryAll`` does."""
    return [] if include_deleted else [scope.base.c.IsDeleted.is_(False)]


def keyed(ctx: Context, scope: Scope, column: sa.ColumnElement, hops: set, name: str):
    """``scope``'s joins restricted to rows whose ``column`` is in the list bound as ``name``.

    One bound parameter whatever the list's length: a ``json_each`` table on SQLite (probed
    through the index of ``column``), an array with ``= ANY`` on PostgreSQL.
    """
    if ctx.dialect == "sqlite":
        values = sa.func.json_each(sa.bindparam(name)).table_valued("value").alias(f"{name}_list")
        return scope.joined(hops, (values, column == values.c.value)), []
    if ctx.dialect == "postgresql":
        return scope.joined(hops), [column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(
            sa.String)))]
    return scope.joined(hops), [column.in_(sa.bindparam(name, expanding=True))]


def key_list(dialect: str, values: list[str]) -> object:
    """The bound value of a :func:`keyed` list."""
    return json.dumps(values) if dialect == "sqlite" else values


def order_term(ctx: Context, ref: Ref, item: ast.OrderItem, pos: ast.Pos) -> sa.ColumnElement:
    """One ORDER BY term: text ignores case; ASC NULLS FIRST / DESC NULLS LAST by default."""
    definition = ref.field
    if ref.expr is None or definition.type in ("multipicklist", "base64", "anyType") or \
            definition.type == "textarea" and definition.length > 255:
        raise ctx.error(errors.INVALID_FIELD, pos,
                        f"field '{definition.name}' can not be sorted in a query call")
    expr = text_expr(ctx, ref)
    term = expr.desc() if item.descending else expr.asc()
    nulls_last = item.nulls_last if item.nulls_last is not None else item.descending
    # SQLite sorts nulls as the smallest value, PostgreSQL as the largest; only say so when
    # it differs, so index order stays usable.
    native_last = item.descending if ctx.dialect == "sqlite" else not item.descending
    # Through a LEFT JOIN (or in an aggregate) even a required field can be null.
    nillable = definition.nillable or ref.hop is not None or ref.path is None
    if nillable and nulls_last != native_last:
        term = term.nulls_last() if nulls_last else term.nulls_first()
    return term
