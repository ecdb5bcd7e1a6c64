"""Selective sync: conditions per object, as SOQL where possible and in Python for auto-archive.

A filter is a group: ``match`` = ``all`` (AND) or ``any`` (OR) over conditions and nested groups.
A condition is ``{field, operator, value}`` with operators ``= != < <= > >= in, not in,
contains, starts with, is null, is not null``. Text compares case-insensitively, as SOQL does.
Contact, Lead and Account filters are independent (rule 30); the syncer reads them at every
poll, so a change takes effect at the next poll (rule 31).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config_error import ConfigurationError

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "starts with",
             "is null", "is not null")


@dataclass(frozen=True)
class Condition:
    """One test of one field."""

    field: str
    operator: str
    value: object = None


@dataclass(frozen=True)
class Group:
    """Conditions joined by AND (``all``) or OR (``any``)."""

    match: str
    items: tuple  # of Condition | Group

    def fields(self) -> set[str]:
        """Every field the filter reads."""
        names: set[str] = set()
        for item in self.items:
            names |= item.fields() if isinstance(item, Group) else {item.field}
        return names


def parse(document: dict, where: str) -> Group:
    """A filter from its configuration table; ConfigurationError names what is wrong."""
    if not isinstance(document, dict):
        raise ConfigurationError(f"{where} must be a table with match and conditions")
    match = document.get("match", "all")
    if match not in ("all", "any"):
        raise ConfigurationError(f"{where} match must be \"all\" or \"any\", not {match!r}")
    items = []
    for number, entry in enumerate(document.get("conditions") or [], start=1):
        if isinstance(entry, dict) and "conditions" in entry:
            items.append(parse(entry, f"{where} group {number}"))
            continue
        if not isinstance(entry, dict) or not entry.get("field"):
            raise ConfigurationError(f"{where} condition {number} needs a field")
        operator = str(entry.get("operator", "=")).lower()
        if operator not in OPERATORS:
            raise ConfigurationError(f"{where} condition {number}: operator {operator!r} is not one of "
                                     f"{', '.join(OPERATORS)}")
        if operator in ("in", "not in") and not isinstance(entry.get("value"), list):
            raise ConfigurationError(f"{where} condition {number}: {operator} needs a list value")
        if operator not in ("is null", "is not null") and "value" not in entry:
            raise ConfigurationError(f"{where} condition {number}: {operator} needs a value")
        items.append(Condition(entry["field"], operator, entry.get("value")))
    if not items:
        raise ConfigurationError(f"{where} has no conditions")
    return Group(match, tuple(items))


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _like(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'").replace("%", "\\%").replace("_", "\\_")


def to_soql(group: Group) -> str:
    """The filter as a SOQL condition (parenthesised)."""
    parts = []
    for item in group.items:
        if isinstance(item, Group):
            parts.append(to_soql(item))
            continue
        field, operator, value = item.field, item.operator, item.value
        if operator == "is null":
            parts.append(f"{field} = null")
        elif operator == "is not null":
            parts.append(f"{field} != null")
        elif operator in ("in", "not in"):
            parts.append(f"{field} {operator.upper()} ({', '.join(_literal(v) for v in value)})")
        elif operator == "contains":
            parts.append(f"{field} LIKE '%{_like(value)}%'")
        elif operator == "starts with":
            parts.append(f"{field} LIKE '{_like(value)}%'")
        else:
            parts.append(f"{field} {operator} {_literal(value)}")
    return "(" + f" {'AND' if group.match == 'all' else 'OR'} ".join(parts) + ")"


def _text(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _test(condition: Condition, record: dict) -> bool:
    actual, wanted, operator = _text(record.get(condition.field)), _text(condition.value), condition.operator
    if operator == "is null":
        return actual is None
    if operator == "is not null":
        return actual is not None
    if operator == "=":
        return actual == wanted
    if operator == "!=":
        return actual != wanted
    if operator in ("in", "not in"):
        inside = actual in [_text(v) for v in wanted]
        return inside if operator == "in" else not inside
    if actual is None:
        return False  # SOQL: null never passes an ordering or LIKE test
    if operator == "contains":
        return str(wanted) in str(actual)
    if operator == "starts with":
        return str(actual).startswith(str(wanted))
    try:
        return {"<": actual < wanted, "<=": actual <= wanted, ">": actual > wanted,
                ">=": actual >= wanted}[operator]
    except TypeError:
        return False


def matches(group: Group, record: dict) -> bool:
    """Does a Salesforce record (field → value) pass the filter?"""
    results = (matches(item, record) if isinstance(item, Group) else _test(item, record)
               for item in group.items)
    return all(results) if group.match == "all" else any(results)
