"""Field paths → columns of aliased tables, and the LEFT OUTER JOINs parent paths need.

``Account.Owner.Name`` from Contact joins Account then User, each as its own alias, on
``alias.Id = parent.<reference field>``. Polymorphic relationships (``Who``, ``What``) join every
target object; ids are unique across objects, so at most one target matches a row, and the
value is the first non-null one — the record's id prefix decides, as in Salesforce.
"""
from __future__ import annotations

import functools
import itertools
import threading
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime

import sqlalchemy as sa

from ... import errors
from ..schema import FieldDef, SObjectDef
from ..store import is_text
from . import ast
from .parser import located

MAX_PARENT_LEVELS = 5


@dataclass
class Context:
    """What every part of one query's compilation shares: org, text, dialect and the clock."""

    org: object
    text: str
    dialect: str
    now: datetime
    aliases: itertools.count = dc_field(default_factory=itertools.count)

    @property
    def today(self) -> date:
        """The org's current UTC date (date literals are evaluated against it)."""
        return self.now.date()

    def error(self, kind: type, pos: ast.Pos | None, message: str) -> errors.SalesforceError:
        """A Salesforce error pointing at ``pos`` in the query text."""
        return kind(located(self.text, pos, message))

    def alias(self, table: sa.Table) -> sa.Alias:
        """A fresh alias of a record table (so self-joins and semi-joins never correlate)."""
        # The column names are part of the key: a field added at runtime needs a new alias.
        return _alias(table, f"t{next(self.aliases)}", tuple(table.columns.keys()))


_alias_lock = threading.Lock()


@functools.lru_cache(maxsize=2048)
def _alias(table: sa.Table, name: str, _columns: tuple[str, ...]) -> sa.Alias:
    """``table AS name``, built once: building an alias's column collection costs more than
    compiling the rest of a simple query (names are unique within a query, so sharing is safe)."""
    with _alias_lock:
        alias = table.alias(name)
        alias.c  # noqa: B018 - populate the column collection now, not in two threads at once
        return alias


@dataclass
class Hop:
    """One parent relationship step, joined as one alias per target object."""

    key: tuple[str, ...]
    names: tuple[str, ...]
    field: FieldDef
    parent: "Hop | None"
    targets: list[SObjectDef]
    aliases: list[sa.Alias]

    @property
    def polymorphic(self) -> bool:
        """True for relationships that point at several objects (Who, What)."""
        return len(self.targets) > 1

    @property
    def marker(self) -> sa.ColumnElement:
        """Non-null exactly when the parent record exists (its Id)."""
        ids = [alias.c.Id for alias in self.aliases]
        return ids[0] if len(ids) == 1 else sa.func.coalesce(*ids)


@dataclass
class Ref:
    """A resolved field path: its definition, SQL expression and the hop that owns it."""

    field: FieldDef
    expr: sa.ColumnElement | None
    hop: Hop | None
    owner: SObjectDef | None
    path: ast.FieldPath
    alias_table: sa.FromClause | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """A case-insensitive identity of the path (duplicate and GROUP BY checks)."""
        return (self.hop.key if self.hop else ()) + (self.field.name.lower(),)

    @property
    def name(self) -> str:
        """The canonical path, as Salesforce names it in results and messages."""
        return ".".join((self.hop.names if self.hop else ()) + (self.field.name,))


class Scope:
    """Resolution of field paths against one object of one (sub)query."""

    def __init__(self, ctx: Context, sobject: SObjectDef) -> None:
        self.ctx = ctx
        self.sobject = sobject
        self.base = ctx.alias(ctx.org.store.table(sobject))
        self.hops: dict[tuple[str, ...], Hop] = {}

    def resolve(self, path: ast.FieldPath) -> Ref:
        """The column behind a path (INVALID_FIELD when a name does not exist)."""
        parts = path.parts
        if len(parts) > 1 and parts[0].lower() == self.sobject.name.lower() \
                and self.sobject.relationship(parts[0]) is None:
            parts = parts[1:]  # SOQL accepts the object's own name as a prefix
        if len(parts) - 1 > MAX_PARENT_LEVELS:
            raise self.ctx.error(errors.MALFORMED_QUERY, path.pos,
                                 "A query cannot traverse more than 5 levels of parent "
                                 "relationships")
        return self.resolve_from(None, self.sobject, parts, path)

    def resolve_from(self, hop: "Hop | None", owner: SObjectDef | None, parts: tuple,
                     path: ast.FieldPath) -> Ref:
        """A path's column starting at ``hop`` (a TYPEOF branch) on object ``owner``."""
        for name in parts[:-1]:
            if hop is not None and hop.polymorphic:
                raise self.bad_relationship(name, path)
            reference = owner.relationship(name)
            if reference is None:
                raise self.bad_relationship(name, path)
            hop = self._hop(hop, reference)
            owner = None if hop.polymorphic else hop.targets[0]
        return self._field(parts[-1], hop, owner, path)

    def bad_relationship(self, name: str, path: ast.FieldPath) -> errors.SalesforceError:
        """Salesforce's INVALID_FIELD for an unknown relationship name."""
        return self.ctx.error(
            errors.INVALID_FIELD, path.pos,
            f"Didn't understand relationship '{name}' in field path. If you are attempting to use "
            "a custom relationship, be sure to append the '__r' after the custom relationship "
            "name. Please reference your WSDL or the describe call for the appropriate names.")

    def no_such_column(self, name: str, entity: str, pos: ast.Pos) -> errors.SalesforceError:
        """Salesforce's INVALID_FIELD for an unknown field name."""
        return self.ctx.error(
            errors.INVALID_FIELD, pos,
            f"No such column '{name}' on entity '{entity}'. If you are attempting to use a custom "
            "field, be sure to append the '__c' after the custom field name. Please reference "
            "your WSDL or the describe call for the appropriate names.")

    def _hop(self, parent: Hop | None, reference: FieldDef) -> Hop:
        names = (parent.names if parent else ()) + (reference.relationship_name,)
        key = (parent.key if parent else ()) + (reference.relationship_name.lower(),)
        hop = self.hops.get(key)
        if hop is None:
            targets = [t for t in (self.ctx.org.schema.get(n) for n in reference.reference_to) if t]
            hop = self.add_hop(key, names, reference, targets, parent)
        return hop

    def add_hop(self, key: tuple, names: tuple, reference: FieldDef,
                targets: list[SObjectDef], parent: Hop | None = None) -> Hop:
        """A relationship step to ``targets``, joined as one alias each (TYPEOF makes its own)."""
        aliases = [self.ctx.alias(self.ctx.org.store.table(t)) for t in targets]
        hop = Hop(key, names, reference, parent, targets, aliases)
        self.hops[key] = hop
        return hop

    def _field(self, name: str, hop: Hop | None, owner: SObjectDef | None,
               path: ast.FieldPath) -> Ref:
        if hop is None or not hop.polymorphic:
            table = self.base if hop is None else hop.aliases[0]
            definition = owner.field(name)
            if definition is None:
                raise self.no_such_column(name, owner.name, path.pos)
            expr = table.c[definition.name] if definition.stored else None
            return Ref(definition, expr, hop, owner, path, table)
        parent_table = self.table_of(hop.parent)
        fk = parent_table.c[hop.field.name]
        if name.lower() == "id":
            return Ref(FieldDef("Id", "id"), fk, hop, None, path)
        if name.lower() == "type":
            # The polymorphic "Name" object's Type is the record's sObject type.
            cases = [(sa.func.substr(fk, 1, 3) == t.key_prefix, t.name) for t in hop.targets]
            return Ref(FieldDef("Type", "string"), sa.case(*cases, else_=None), hop, None, path)
        found = [(t.field(name), alias) for t, alias in zip(hop.targets, hop.aliases, strict=True)
                 if t.field(name) is not None and t.field(name).stored]
        if not found:
            raise self.no_such_column(name, "Name", path.pos)
        columns = [alias.c[definition.name] for definition, alias in found]
        expr = columns[0] if len(columns) == 1 else sa.func.coalesce(*columns)
        return Ref(found[0][0], expr, hop, None, path)

    def table_of(self, hop: Hop | None) -> sa.FromClause:
        """The alias a hop's fields live on (the base table for no hop)."""
        return self.base if hop is None else hop.aliases[0]

    def joined(self, hops: set[tuple[str, ...]], lead: tuple | None = None) -> sa.FromClause:
        """The base table LEFT OUTER JOINed to the given hops and every hop on their way.

        ``lead`` (a from-clause and an ON condition) comes first, inner-joined to the base.
        """
        needed: set[tuple[str, ...]] = set()
        for key in hops:
            for depth in range(1, len(key) + 1):
                needed.add(key[:depth])
        source: sa.FromClause = self.base if lead is None else lead[0].join(self.base, lead[1])
        for key in sorted(needed, key=len):
            hop = self.hops[key]
            fk = self.table_of(hop.parent).c[hop.field.name]
            for alias in hop.aliases:
                source = source.outerjoin(alias, alias.c.Id == fk)
        return source


def text_expr(ctx: Context, ref: Ref) -> sa.ColumnElement:
    """The expression to compare case-insensitively, as Salesforce compares text."""
    if not is_text(ref.field):
        return ref.expr
    if ctx.dialect == "sqlite":
        # NOCASE columns compare case-insensitively; computed values need it spelled out.
        return ref.expr if isinstance(ref.expr, sa.ColumnClause) else ref.expr.collate("NOCASE")
    return sa.func.lower(ref.expr)


def fold(ctx: Context, ref: Ref, value: object) -> object:
    """A literal folded like :func:`text_expr` folds the column."""
    if ctx.dialect != "sqlite" and is_text(ref.field) and isinstance(value, str):
        return value.lower()
    return value
