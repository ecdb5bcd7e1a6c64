"""The typed syntax tree of a SOQL statement: what the parser produces and the compiler reads.

Nodes carry the 1-based line and column of their first token so errors can point at them the
way Salesforce does (``ERROR at Row:1:Column:8``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Union


@dataclass(frozen=True)
class Pos:
    """Where a node starts in the query text."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class FieldPath:
    """``Name``, ``Account.Owner.Name``: relationship names then one field name."""

    parts: tuple[str, ...]
    pos: Pos = Pos()

    @property
    def text(self) -> str:
        """The path as written."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Aggregate:
    """``COUNT()``, ``COUNT(Id)``, ``SUM(Amount)``…; ``arg`` is None only for ``COUNT()``."""

    function: str
    arg: FieldPath | None
    pos: Pos = Pos()

    @property
    def text(self) -> str:
        """The call as Salesforce prints it in messages."""
        return f"{self.function}({self.arg.text if self.arg else ''})"


@dataclass(frozen=True)
class FieldsFunction:
    """``FIELDS(ALL)``, ``FIELDS(STANDARD)``, ``FIELDS(CUSTOM)``."""

    kind: str
    pos: Pos = Pos()


@dataclass(frozen=True)
class SelectField:
    """A field (or aggregate) in the select list with its optional alias."""

    expr: Union[FieldPath, Aggregate]
    alias: str | None = None


@dataclass(frozen=True)
class SubQuery:
    """A nested ``(SELECT … FROM …)``: a child relationship in SELECT, a semi-join in WHERE."""

    query: "Query"
    pos: Pos = Pos()


@dataclass(frozen=True)
class TypeOf:
    """``TYPEOF What WHEN Account THEN Phone … ELSE Name END``: fields chosen by the type of the
    record a polymorphic relationship points at. ``whens`` pairs each type name (with where it
    is written) with its field paths; ``otherwise`` is the ELSE list (None without ELSE)."""

    relationship: str
    whens: tuple[tuple[str, Pos, tuple[FieldPath, ...]], ...]
    otherwise: tuple[FieldPath, ...] | None
    pos: Pos = Pos()


SelectItem = Union[SelectField, FieldsFunction, SubQuery, TypeOf]


@dataclass(frozen=True)
class StringValue:
    """A quoted string; ``like_pattern`` keeps ``\\%`` and ``\\_`` escaped for LIKE."""

    value: str
    like_pattern: str


@dataclass(frozen=True)
class NumberValue:
    """An unquoted number."""

    value: float | int
    text: str


@dataclass(frozen=True)
class BoolValue:
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class NullValue:
    """``null``."""


@dataclass(frozen=True)
class DateValue:
    """A date literal ``2024-01-01``."""

    value: date


@dataclass(frozen=True)
class DateTimeValue:
    """A datetime literal in any client form, normalised to UTC."""

    value: datetime


@dataclass(frozen=True)
class DateLiteral:
    """A relative date literal (``TODAY``, ``LAST_N_DAYS:30``); ``n`` for the ``:n`` forms."""

    name: str
    n: int | None = None


Value = Union[StringValue, NumberValue, BoolValue, NullValue, DateValue, DateTimeValue, DateLiteral]


@dataclass(frozen=True)
class Comparison:
    """``operand <op> value``; op is one of = != < <= > >= LIKE IN NOT_IN INCLUDES EXCLUDES.

    For IN / NOT_IN the value is a tuple of values or a :class:`SubQuery` (semi/anti-join).
    """

    operand: Union[FieldPath, Aggregate]
    op: str
    value: Union[Value, tuple, SubQuery]
    pos: Pos = Pos()


@dataclass(frozen=True)
class And:
    """All of the conditions."""

    items: tuple


@dataclass(frozen=True)
class Or:
    """Any of the conditions."""

    items: tuple


@dataclass(frozen=True)
class Not:
    """The negation of a condition."""

    item: object


Condition = Union[Comparison, And, Or, Not]


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY term; ``nulls_last`` None means Salesforce's default for the direction."""

    expr: Union[FieldPath, Aggregate]
    descending: bool = False
    nulls_last: bool | None = None


@dataclass(frozen=True)
class Query:
    """A whole SELECT statement (top level or nested)."""

    select: tuple
    sobject: str
    sobject_pos: Pos = Pos()
    where: Condition | None = None
    group_by: tuple = ()
    having: Condition | None = None
    order_by: tuple = ()
    limit: int | None = None
    offset: int | None = None
    text: str = field(default="", compare=False)
