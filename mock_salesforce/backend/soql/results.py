"""Rows → records exactly as Salesforce shapes query results.

A record is ``{"attributes": {"type", "url"}, <fields in SELECT order>}``; a parent path becomes
a nested object (``null`` when the reference is empty); a child subquery becomes
``{"totalSize", "done", "records"}`` (``null`` when there are no children). This is the hot path
of paging, so each query's shape is compiled once into a Python function that builds a record
from a row with one dict literal (generated from the plan; every name in it is ``repr``-quoted).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field as dc_field
from datetime import date, timedelta

from ..records import compound_value
from ..schema import FieldDef, SObjectDef

Converter = Callable[[object], object] | None
_EPOCH = date(1970, 1, 1)


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).isoformat()


@functools.cache
def _tables() -> tuple[list[str], list[str]]:
    """Every ``THH:MM:SS.`` of a day and every ``mmm+0000``: formatting becomes two lookups."""
    times = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}." for s in range(86_400)]
    return times, [f"{m:03d}+0000" for m in range(1000)]


def format_millis(millis: int) -> str:
    """``2024-01-02T03:04:05.000+0000`` from epoch milliseconds, without building a datetime."""
    days, rest = divmod(int(millis), 86_400_000)
    seconds, milli = divmod(rest, 1000)
    times, millis_text = _tables()
    return _day(days) + times[seconds] + millis_text[milli]


def converter(definition: FieldDef) -> Converter:
    """How a stored value of this field becomes JSON (None: as stored)."""
    if definition.type == "datetime":
        return format_millis
    if definition.type in ("int", "long"):
        return int
    if definition.type in ("double", "currency", "percent"):
        return float
    return None


@dataclass
class Compound:
    """An address/location value built from its component columns."""

    sobject: SObjectDef
    field: FieldDef
    parts: list[tuple[str, int]]

    def value(self, row) -> dict | None:
        """The compound value of one row."""
        return compound_value(self.sobject, self.field, {name: row[i] for name, i in self.parts})


@dataclass
class ChildSlot:
    """Where a child subquery's result goes in its parent record."""

    key: str


@dataclass
class Node:
    """One record level: the root record or a nested parent object."""

    type_name: str | None
    id_index: int
    items: list[tuple[str, object]] = dc_field(default_factory=list)
    children: dict[tuple[str, ...], "Node"] = dc_field(default_factory=dict)


class Shaper:
    """Turns rows of a compiled query into Salesforce records (one instance per query)."""

    def __init__(self, root: Node, schema, converters: list[Converter]) -> None:
        self.root = root
        self.schema = schema
        self.converters = converters
        self._build: Callable | None = None

    def records(self, rows, version: str, children: dict | None = None) -> list[dict]:
        """Records for rows (``children``: relationship name → {parent id → child result})."""
        build = self._build or self._compile()
        base = f"/services/data/{version}/sobjects/"
        lookup = children or {}
        return [build(row, base, lookup) for row in rows]

    def _compile(self) -> Callable:
        namespace: dict = {"type_of": self._type_of, "empty": {}}
        source = self._node_source(self.root, namespace)
        code = f"def build(row, base, children):\n    return {source}\n"
        exec(compile(code, "<soql-shape>", "exec"), namespace)  # noqa: S102 - generated above
        self._build = namespace["build"]
        return self._build

    def _node_source(self, node: Node, namespace: dict) -> str:
        record_id = f"row[{node.id_index}]"
        if node.type_name is not None:
            type_expr = repr(node.type_name)
            url = f"base + {repr(node.type_name + '/')} + {record_id}"
        else:
            type_expr = f"type_of({record_id})"
            url = f"base + {type_expr} + '/' + {record_id}"
        parts = [f"'attributes': {{'type': {type_expr}, 'url': {url}}}"]
        for key, item in node.items:
            if type(item) is int:
                convert = self.converters[item]
                if convert is None:
                    value = f"row[{item}]"
                else:
                    namespace[f"c{item}"] = convert
                    value = f"(None if row[{item}] is None else c{item}(row[{item}]))"
            elif isinstance(item, Node):
                value = f"(None if row[{item.id_index}] is None else " \
                        f"{self._node_source(item, namespace)})"
            elif isinstance(item, Compound):
                name = f"compound{len(namespace)}"
                namespace[name] = item.value
                value = f"{name}(row)"
            else:
                value = f"children.get({item.key!r}, empty).get({record_id})"
            parts.append(f"{key!r}: {value}")
        return "{" + ", ".join(parts) + "}"

    def _type_of(self, record_id: str) -> str:
        sobject = self.schema.by_prefix(record_id[:3])
        return sobject.name if sobject else "Name"


def child_result(records: list[dict]) -> dict | None:
    """A child subquery's value: null when empty, like Salesforce."""
    if not records:
        return None
    return {"totalSize": len(records), "done": True, "records": records}
