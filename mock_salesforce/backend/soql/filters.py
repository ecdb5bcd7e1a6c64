"""WHERE and HAVING conditions → SQLAlchemy boolean expressions with bound parameters.

SOQL logic is two-valued: ``Name != 'x'`` and ``NOT Name = 'x'`` both match records whose Name
is null (SQL would drop them), so negative operators add ``OR col IS NULL`` and positive ones
under NOT add ``AND col IS NOT NULL``. A date literal compared with a datetime field means the
whole range of days it names, in UTC.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from ... import errors
from ...clock import to_millis
from .. import ids
from ..schema import NUMBER_TYPES
from ..store import is_text
from . import ast
from .balanced import all_of, any_of
from .dates import day_range
from .resolve import Context, Ref, fold, text_expr

_KIND_NAMES = {"int": "integer", "long": "long", "double": "double", "currency": "double",
               "percent": "double", "boolean": "boolean", "date": "date", "datetime": "dateTime",
               "id": "id", "reference": "id"}
_ORDERED_OPS = {"<", "<=", ">", ">="}
_OPERATORS = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt,
              ">=": operator.ge}


class Filter:
    """Compiles one condition tree; operands are resolved by the caller (fields or aggregates)."""

    def __init__(self, ctx: Context, operand: Callable[[object], Ref],
                 semi_join: Callable[[ast.SubQuery, Ref], sa.Select]) -> None:
        self.ctx = ctx
        self.operand = operand
        self.semi_join = semi_join

    def compile(self, condition: object, negated: bool = False) -> sa.ColumnElement:
        """The SQL expression of a condition (``negated`` when inside an odd number of NOTs)."""
        if isinstance(condition, ast.And):
            return all_of([self.compile(item, negated) for item in condition.items])
        if isinstance(condition, ast.Or):
            return any_of([self.compile(item, negated) for item in condition.items])
        if isinstance(condition, ast.Not):
            return sa.not_(self.compile(condition.item, not negated))
        return self._comparison(condition, negated)

    # -- one comparison ------------------------------------------------------------------------
    def _comparison(self, node: ast.Comparison, negated: bool) -> sa.ColumnElement:
        ref = self.operand(node.operand)
        kind = ref.field.type
        if ref.expr is None or kind in ("address", "location", "base64", "anyType") or \
                kind == "textarea" and ref.field.length > 255:
            raise self.ctx.error(errors.INVALID_FIELD, node.pos,
                                 f"field '{ref.field.name}' can not be filtered in a query call")
        op = node.op
        if op in ("INCLUDES", "EXCLUDES"):
            return self._includes(ref, node, negated)
        if kind == "multipicklist" and op not in ("=", "!=", "IN", "NOT_IN"):
            raise self._bad_operator(node, kind)
        if op == "LIKE":
            return self._like(ref, node, negated)
        if isinstance(node.value, ast.SubQuery):
            inner = self.semi_join(node.value, ref)
            if op == "IN":
                return self._guard(ref, ref.expr.in_(inner), negated)
            return sa.or_(ref.expr.not_in(inner), ref.expr.is_(None))
        if op in ("IN", "NOT_IN"):
            return self._in(ref, node, negated)
        if op in _ORDERED_OPS and kind == "boolean":
            raise self._bad_operator(node, kind)
        return self._compare(ref, op, node.value, node.pos, negated)

    def _bad_operator(self, node: ast.Comparison, kind: str) -> errors.SalesforceError:
        if node.op in ("INCLUDES", "EXCLUDES"):
            message = "includes or excludes operator only valid on multipicklist field"
        else:
            message = f"invalid operator on {kind} field"
        return self.ctx.error(errors.INVALID_QUERY_FILTER_OPERATOR, node.pos, message)

    def _guard(self, ref: Ref, expr: sa.ColumnElement, negated: bool) -> sa.ColumnElement:
        """Make a positive test false (not unknown) on null so NOT around it keeps nulls."""
        return sa.and_(expr, ref.expr.is_not(None)) if negated else expr

    def _compare(self, ref: Ref, op: str, value: object, pos: ast.Pos,
                 negated: bool) -> sa.ColumnElement:
        if isinstance(value, ast.NullValue):
            if op == "=":
                return ref.expr.is_(None)
            if op == "!=":
                return ref.expr.is_not(None)
            return sa.false()
        stored = self.coerce(ref, value, pos)
        column = text_expr(self.ctx, ref)
        if isinstance(stored, tuple):
            low, high = stored
            if op == "!=":
                return sa.or_(column < low, column >= high, ref.expr.is_(None))
            expr = {"=": lambda: sa.and_(column >= low, column < high), "<": lambda: column < low,
                    "<=": lambda: column < high, ">": lambda: column >= high,
                    ">=": lambda: column >= low}[op]()
            return self._guard(ref, expr, negated)
        stored = fold(self.ctx, ref, stored)
        if op == "!=":
            return sa.or_(column != stored, ref.expr.is_(None))
        return self._guard(ref, _OPERATORS[op](column, stored), negated)

    def _in(self, ref: Ref, node: ast.Comparison, negated: bool) -> sa.ColumnElement:
        values = [v for v in node.value if not isinstance(v, ast.NullValue)]
        has_null = len(values) != len(node.value)
        stored = [self.coerce(ref, v, node.pos) for v in values]
        if any(isinstance(s, tuple) for s in stored):
            parts = [self._compare(ref, "=", v, node.pos, negated) for v in values]
            test = any_of(parts + [ref.expr.is_(None)] if has_null else parts)
            return test if node.op == "IN" else sa.not_(test)
        column = text_expr(self.ctx, ref)
        folded = [fold(self.ctx, ref, s) for s in stored]
        if node.op == "IN":
            test = column.in_(folded) if folded else sa.false()
            test = sa.or_(test, ref.expr.is_(None)) if has_null else self._guard(ref, test, negated)
            return test
        test = sa.or_(column.not_in(folded), ref.expr.is_(None)) if folded else sa.true()
        return sa.and_(test, ref.expr.is_not(None)) if has_null else test

    def _like(self, ref: Ref, node: ast.Comparison, negated: bool) -> sa.ColumnElement:
        if not is_text(ref.field):
            raise self._bad_operator(node, ref.field.type)
        if isinstance(node.value, ast.NullValue):
            return ref.expr.is_(None)
        if not isinstance(node.value, ast.StringValue):
            raise self._type_error(ref, node.pos)
        pattern = fold(self.ctx, ref, node.value.like_pattern)
        return self._guard(ref, text_expr(self.ctx, ref).like(pattern, escape="\\"), negated)

    def _includes(self, ref: Ref, node: ast.Comparison, negated: bool) -> sa.ColumnElement:
        if ref.field.type != "multipicklist":
            raise self._bad_operator(node, ref.field.type)
        wrapped = sa.literal(";") + ref.expr + sa.literal(";")
        if self.ctx.dialect != "sqlite":
            wrapped = sa.func.lower(wrapped)
        options = []
        for value in node.value:
            if not isinstance(value, ast.StringValue):
                raise self._type_error(ref, node.pos)
            # 'a;b' asks for both values; each listed string is one alternative.
            wanted = [part.strip() for part in value.value.split(";") if part.strip()]
            options.append(sa.and_(*(wrapped.like(f"%;{_like_escape(fold(self.ctx, ref, w))};%",
                                                  escape="\\") for w in wanted)))
        test = any_of(options) if options else sa.false()
        if node.op == "INCLUDES":
            return self._guard(ref, test, negated)
        return sa.or_(sa.not_(test), ref.expr.is_(None))

    # -- values --------------------------------------------------------------------------------
    def _type_error(self, ref: Ref, pos: ast.Pos) -> errors.SalesforceError:
        kind = ref.field.type
        name = "string" if is_text(ref.field) else _KIND_NAMES.get(kind, kind)
        quoted = is_text(ref.field) or kind in ("id", "reference")
        return self.ctx.error(errors.INVALID_FIELD, pos,
                              f"value of filter criterion for field '{ref.field.name}' must be of "
                              f"type {name} and should {'' if quoted else 'not '}be enclosed in "
                              "quotes")

    def coerce(self, ref: Ref, value: object, pos: ast.Pos) -> object:
        """A literal in the stored form of the field; a ``(low, high)`` tuple for day ranges."""
        kind = ref.field.type
        if kind in ("id", "reference"):
            if not isinstance(value, ast.StringValue):
                raise self._type_error(ref, pos)
            if not ids.is_valid(value.value):
                raise self.ctx.error(errors.INVALID_QUERY_FILTER_OPERATOR, pos,
                                     f"invalid ID field: {value.value}")
            return ids.to18(value.value)
        if is_text(ref.field) or kind == "time":
            if not isinstance(value, ast.StringValue):
                raise self._type_error(ref, pos)
            return value.value
        if kind == "boolean":
            if not isinstance(value, ast.BoolValue):
                raise self._type_error(ref, pos)
            return value.value
        if kind in NUMBER_TYPES:
            if not isinstance(value, ast.NumberValue):
                raise self._type_error(ref, pos)
            return value.value
        if kind == "date":
            if isinstance(value, ast.DateValue):
                return value.value.isoformat()
            if isinstance(value, ast.DateLiteral):
                low, high = day_range(value.name, value.n, self.ctx.today)
                return low.isoformat(), high.isoformat()
            raise self._type_error(ref, pos)
        if kind == "datetime":
            if isinstance(value, ast.DateTimeValue):
                return to_millis(value.value)
            if isinstance(value, (ast.DateValue, ast.DateLiteral)):
                low, high = (value.value, value.value + timedelta(days=1)) \
                    if isinstance(value, ast.DateValue) else \
                    day_range(value.name, value.n, self.ctx.today)
                return _day_millis(low), _day_millis(high)
            raise self._type_error(ref, pos)
        raise self._type_error(ref, pos)


def _day_millis(day) -> int:
    return to_millis(datetime.combine(day, time(0), tzinfo=timezone.utc))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
