"""``/query?q=…&columns=true``: the columns of a query, not its rows.

Salesforce's Developer Console and ``sf data query`` ask for them to lay out a result table.
The answer is ``{"columnMetadata": [...], "entityName", "groupBy", "idSelected",
"keyPrefix"}``; each column carries ``aggregate``, ``apexType``, ``booleanType``,
``columnName``, ``custom``, ``displayName``, ``foreignKeyName``, ``insertable``,
``joinColumns``, ``numberType``, ``textType`` and ``updatable``. A parent path
(``Owner.Name``) is a relationship column (``foreignKeyName`` its lookup field) whose
``joinColumns`` hold the parent's fields; a child subquery is an ``aggregate`` column named
after the relationship whose ``joinColumns`` hold the child's columns; an aggregate function is
an ``aggregate`` column named by its alias or ``exprN``, displayed as written (``avg(Amount)``);
a grouped field is a flat column named as its AggregateResult key (``Account.Name`` → ``Name``).

Where the shape comes from: the column keys and the three kinds of column follow the real
responses the sf CLI's plugin-data keeps as test exemplars (``queryFieldsExemplars``); the
top-level keys are those the Developer Console's query editor reads. Guesses: the ``apexType``
of types those exemplars do not show, that parent paths through one relationship share one
column, the flat columns of grouped fields, the ``insertable``/``updatable`` flags (the field's
createable/updateable), and that ``SELECT COUNT()`` has no columns.
"""
from __future__ import annotations

from ..schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, SObjectDef
from . import ast
from .aggregates import is_aggregate
from .clauses import expand_fields
from .engine import compile_soql
from .parser import parse
from .resolve import Context, Scope

_APEX_TYPES = {"id": "Id", "reference": "Id", "boolean": "Boolean", "int": "Integer",
               "long": "Long", "double": "Double", "currency": "Decimal", "percent": "Double",
               "date": "Date", "datetime": "Datetime", "time": "Time", "base64": "Blob",
               "address": "Address", "location": "Location"}


def column_metadata(org, text: str, include_deleted: bool = False) -> dict:
    """The column metadata of a query (the errors of an invalid query are the query's own)."""
    compile_soql(org, text, include_deleted)  # validates exactly as running the query would
    query = parse(text)
    ctx = Context(org, text, org.store.engine.dialect.name, org.clock.now())
    sobject = org.schema.get(query.sobject)
    return {"columnMetadata": _columns(ctx, sobject, query), "entityName": sobject.name,
            "groupBy": bool(query.group_by), "idSelected": _id_selected(sobject, query),
            "keyPrefix": sobject.key_prefix}


def _columns(ctx: Context, sobject: SObjectDef, query: ast.Query) -> list[dict]:
    if _is_bare_count(query):
        return []
    grouped = is_aggregate(query)
    scope = Scope(ctx, sobject)
    columns: list[dict] = []
    relationships: dict[str, dict] = {}
    unnamed = 0
    for item in expand_fields(sobject, query.select):
        if isinstance(item, ast.TypeOf):
            columns.append(_typeof_column(ctx, sobject, item))
        elif isinstance(item, ast.SubQuery):
            relationship = sobject.child_relationship(item.query.sobject)
            child = ctx.org.schema.get(relationship.child_sobject)
            columns.append(_column(relationship.relationship_name, aggregate=True,
                                   custom=relationship.relationship_name.endswith("__r"),
                                   join=_columns(ctx, child, item.query)))
        elif isinstance(item.expr, ast.Aggregate):
            name = item.alias or f"expr{unnamed}"
            unnamed += 0 if item.alias else 1
            columns.append(_aggregate_column(scope, item.expr, name))
        elif grouped:  # AggregateResult rows are flat: keyed by the alias or the field's name
            ref = scope.resolve(item.expr)
            columns.append(_field_column(ref.field, item.alias or ref.field.name, ref.name))
        else:
            _add_path(scope, item.expr, columns, relationships)
    return columns


def _typeof_column(ctx: Context, sobject: SObjectDef, item: ast.TypeOf) -> dict:
    """A TYPEOF as one relationship column holding every branch's fields once (a guess: no
    recorded answer for TYPEOF; parent paths inside a branch are left out)."""
    reference = sobject.relationship(item.relationship)
    column = _column(reference.relationship_name, foreign_key=reference.name,
                     custom=reference.custom)
    targets = [t for t in (ctx.org.schema.get(n) for n in reference.reference_to) if t]
    branches = [(ctx.org.schema.get(name), paths) for name, _, paths in item.whens]
    branches += [(t, item.otherwise) for t in targets] if item.otherwise else []
    seen: set[str] = set()
    for target, paths in branches:
        for path in paths if target is not None else ():
            field = target.field(path.parts[0]) if len(path.parts) == 1 else None
            if field is not None and field.name.lower() not in seen:
                seen.add(field.name.lower())
                column["joinColumns"].append(_field_column(field))
    return column


def _add_path(scope: Scope, path: ast.FieldPath, columns: list, relationships: dict) -> None:
    """A field's column, nested in one relationship column per parent step."""
    ref = scope.resolve(path)
    if ref.hop is None:
        columns.append(_field_column(ref.field))
        return
    hops = []
    hop = ref.hop
    while hop is not None:
        hops.append(hop)
        hop = hop.parent
    siblings, known = columns, relationships
    for hop in reversed(hops):
        entry = known.get(hop.names[-1].lower())
        if entry is None:
            column = _column(hop.names[-1], foreign_key=hop.field.name, custom=hop.field.custom)
            entry = known[hop.names[-1].lower()] = {"column": column, "children": {}}
            siblings.append(column)
        siblings, known = entry["column"]["joinColumns"], entry["children"]
    siblings.append(_field_column(ref.field))


def _field_column(field: FieldDef, name: str | None = None, display: str | None = None) -> dict:
    return _column(name or field.name, display=display, apex_type=_APEX_TYPES.get(field.type, "String"),
                   kind=field.type, custom=field.custom, insertable=field.createable,
                   updatable=field.updateable)


def _aggregate_column(scope: Scope, node: ast.Aggregate, name: str) -> dict:
    kind = "int"
    if node.arg is not None:
        argument = scope.resolve(node.arg)
        if node.function in ("MIN", "MAX"):
            kind = argument.field.type
        elif node.function != "COUNT" and node.function != "COUNT_DISTINCT":
            kind = "double"
        display = f"{node.function.lower()}({argument.name})"
    else:
        display = f"{node.function.lower()}()"
    return _column(name, display=display, aggregate=True, kind=kind)


def _column(name: str, *, display: str | None = None, aggregate: bool = False,
            apex_type: str | None = None, kind: str | None = None, custom: bool = False,
            foreign_key: str | None = None, insertable: bool = False, updatable: bool = False,
            join: list | None = None) -> dict:
    """One ``columnMetadata`` entry, keys in Salesforce's (alphabetical) order."""
    return {"aggregate": aggregate, "apexType": apex_type, "booleanType": kind == "boolean",
            "columnName": name, "custom": custom, "displayName": display or name,
            "foreignKeyName": foreign_key, "insertable": insertable,
            "joinColumns": join if join is not None else [],
            "numberType": kind in NUMBER_TYPES, "textType": kind in TEXT_TYPES,
            "updatable": updatable}


def _is_bare_count(query: ast.Query) -> bool:
    return any(isinstance(i, ast.SelectField) and isinstance(i.expr, ast.Aggregate)
               and i.expr.function == "COUNT" and i.expr.arg is None for i in query.select)


def _id_selected(sobject: SObjectDef, query: ast.Query) -> bool:
    """True when the top-level object's own Id is in the select list (FIELDS() includes it)."""
    for item in query.select:
        if isinstance(item, ast.FieldsFunction):
            return True
        if isinstance(item, ast.SelectField) and isinstance(item.expr, ast.FieldPath):
            parts = [p.lower() for p in item.expr.parts]
            if parts == ["id"] or parts == [sobject.name.lower(), "id"]:
                return True
    return False
