"""``TYPEOF What WHEN Account THEN Phone … ELSE Name END``: fields chosen by the type of the record
a polymorphic relationship points at (SOQL reference, "TYPEOF", API 46.0 and later).

Each WHEN type is joined as its own alias on ``alias.Id = <reference field>`` (ids are unique
across objects, so only the record's own type matches); its fields resolve like parent fields of
that object, parent paths included. ELSE fields are those of the polymorphic ``Name`` object,
read from the targets no WHEN names. The result is a :class:`~.results.TypeSwitch`: REST writes
the matching branch as the related record (``attributes.type`` its object), nothing else of the
record; Bulk CSV flattens every branch's columns (``What.Phone``, ``What.Amount``…).

Errors for misuse are MALFORMED_QUERY / INVALID_FIELD worded as guesses (no recorded real
response was found): TYPEOF on a relationship that is not polymorphic, a WHEN type the
relationship cannot point at, the same type twice, the relationship also selected as a path.
A record of a type no WHEN names, with no ELSE, gets ``null`` (a guess as well).
"""
from __future__ import annotations

import sqlalchemy as sa

from ... import errors
from ..schema import FieldDef
from . import ast
from .resolve import Context, Hop, Ref, Scope
from .results import Node, TypeSwitch


def compile_typeof(ctx: Context, scope: Scope, item: ast.TypeOf, add_column, seen: set,
                   hops_used: set) -> tuple[str, TypeSwitch]:
    """The select-list entry of a TYPEOF: its relationship name and how to shape it.

    ``seen`` holds the (lowercase) relationship names already selected by path or TYPEOF.
    """
    reference = scope.sobject.relationship(item.relationship)
    if reference is None:
        raise scope.bad_relationship(item.relationship, ast.FieldPath((item.relationship,),
                                                                       item.pos))
    name = reference.relationship_name
    if len(reference.reference_to) < 2:
        raise ctx.error(errors.MALFORMED_QUERY, item.pos,
                        f"TYPEOF can only be used on a polymorphic relationship field: {name}")
    if name.lower() in seen:
        raise ctx.error(errors.INVALID_FIELD, item.pos, f"duplicate field selected: {name}")
    fk_index = add_column(scope.base.c[reference.name], reference)
    targets = {t.lower(): t for t in reference.reference_to}
    branches: list[tuple[str, Node]] = []
    named: set[str] = set()
    for type_name, pos, paths in item.whens:
        target_name = targets.get(type_name.lower())
        if target_name is None:
            raise ctx.error(errors.MALFORMED_QUERY, pos,
                            f"Invalid type in TYPEOF WHEN clause: {type_name} is not a type "
                            f"{name} can reference")
        if target_name in named:
            raise ctx.error(errors.MALFORMED_QUERY, pos,
                            f"duplicate WHEN clause for type {target_name} in TYPEOF")
        named.add(target_name)
        target = ctx.org.schema.get(target_name)
        if target is None:
            continue  # a real target the mock does not emulate: no record can be of its type
        hop = scope.add_hop((f"{name.lower()}#{target.name.lower()}",), (name,), reference,
                            [target])
        hops_used.add(hop.key)
        node = Node(target.name, add_column(hop.aliases[0].c.Id, None))
        _fill(ctx, scope, node, hop, paths, add_column, hops_used)
        branches.append((target.key_prefix, node))
    otherwise = None
    if item.otherwise is not None:
        others = [t for t in (ctx.org.schema.get(n) for n in reference.reference_to)
                  if t is not None and t.name not in named]
        every = [t for t in (ctx.org.schema.get(n) for n in reference.reference_to) if t]
        hop = scope.add_hop((f"{name.lower()}#else",), (name,), reference, others)
        hops_used.add(hop.key)
        otherwise = Node(None, fk_index)
        names: set[str] = set()
        for path in item.otherwise:
            definition, expr = _else_field(scope, hop, every, path)
            if definition.name.lower() in names:
                raise ctx.error(errors.INVALID_FIELD, path.pos,
                                f"duplicate field selected: {name}.{definition.name}")
            names.add(definition.name.lower())
            otherwise.items.append((definition.name, add_column(expr, definition)))
    seen.add(name.lower())
    return name, TypeSwitch(fk_index, branches, otherwise)


def _fill(ctx: Context, scope: Scope, node: Node, hop: Hop, paths: tuple, add_column,
          hops_used: set) -> None:
    """A WHEN branch's fields (and parent paths) as items of its record level."""
    seen: set = set()
    for path in paths:
        ref: Ref = scope.resolve_from(hop, hop.targets[0], path.parts, path)
        if ref.expr is None:
            raise ctx.error(errors.MALFORMED_QUERY, path.pos,
                            f"Compound field {ref.field.name} is not supported in TYPEOF")
        if ref.key in seen:
            raise ctx.error(errors.INVALID_FIELD, path.pos,
                            f"duplicate field selected: {ref.name}")
        seen.add(ref.key)
        step = ref.hop
        while step is not None and step is not hop:
            hops_used.add(step.key)
            step = step.parent
        level = node.descend(ref.hop, add_column, stop=hop)
        level.items.append((ref.field.name, add_column(ref.expr, ref.field)))


def _else_field(scope: Scope, hop: Hop, every: list, path: ast.FieldPath
                ) -> tuple[FieldDef, sa.ColumnElement]:
    """An ELSE field: a field of the ``Name`` object, from the targets no WHEN names."""
    if len(path.parts) > 1:
        raise scope.bad_relationship(path.parts[0], path)
    name = path.parts[0]
    fk = scope.base.c[hop.field.name]
    if name.lower() == "id":
        return FieldDef("Id", "id"), fk
    if name.lower() == "type":
        cases = [(sa.func.substr(fk, 1, 3) == t.key_prefix, t.name) for t in hop.targets]
        return FieldDef("Type", "string"), sa.case(*cases, else_=None) if cases else sa.null()
    known = [t.field(name) for t in every if t.field(name) is not None and t.field(name).stored]
    if not known:
        raise scope.no_such_column(name, "Name", path.pos)
    columns = [alias.c[t.field(name).name] for t, alias in zip(hop.targets, hop.aliases)
               if t.field(name) is not None and t.field(name).stored]
    if not columns:
        return known[0], sa.null()
    return known[0], columns[0] if len(columns) == 1 else sa.func.coalesce(*columns)
