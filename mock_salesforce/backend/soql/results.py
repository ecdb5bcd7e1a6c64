"""Rows → records exactly as Salesforce shapes query results, written straight to JSON text.

A record is ``{"attributes": {"type", "url"}, <fields in SELECT order>}``; a parent path becomes
a nested object (``null`` when the reference is empty); a child subquery becomes
``{"totalSize", "done", "records"}`` (``null`` when there are no children). This is the hot path
of paging, so each query's shape is compiled once into a Python function that concatenates one
record's JSON from a row — no intermediate dicts, no generic encoder walk. The generated source
holds only ``repr``-quoted names and column indexes.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field as dc_field
from datetime import date, timedelta
from json.encoder import encode_basestring

from ..records import compound_value
from ..schema import FieldDef, SObjectDef

Converter = Callable[[object], object] | None
_EPOCH = date(1970, 1, 1)


class _Days(dict):
    """``YYYY-MM-DD`` of a day number since the epoch, computed once per day seen."""

    def __missing__(self, days: int) -> str:
        text = self[days] = (_EPOCH + timedelta(days=days)).isoformat()
        return text


@functools.cache
def _tables() -> tuple[_Days, list[str], list[str]]:
    """Days, every ``THH:MM:SS.`` of a day and every ``mmm+0000``: formatting is three lookups."""
    times = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}." for s in range(86_400)]
    return _Days(), times, [f"{m:03d}+0000" for m in range(1000)]


def format_millis(millis: int) -> str:
    """``2024-01-02T03:04:05.000+0000`` from epoch milliseconds, without building a datetime."""
    millis = int(millis)
    days, times, millis_text = _tables()
    return days[millis // 86_400_000] + times[millis // 1000 % 86_400] + millis_text[millis % 1000]


def converter(definition: FieldDef) -> Converter:
    """How a stored value of this field becomes its JSON value (None: as stored)."""
    if definition.type == "datetime":
        return format_millis
    if definition.type in ("int", "long"):
        return int
    if definition.type in ("double", "currency", "percent"):
        return float
    return None


def encode(value: object) -> str:
    """Compact JSON, non-ASCII kept as is (bodies are UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# How each kind of stored value is written; ``{v}`` is the row lookup, null handled around it.
_WRITERS = {"id": "'\"' + {v} + '\"'", "reference": "'\"' + {v} + '\"'",
            "boolean": "('true' if {v} else 'false')", "int": "str(int({v}))",
            "long": "str(int({v}))", "double": "repr(float({v}))", "currency": "repr(float({v}))",
            "percent": "repr(float({v}))",
            # format_millis inlined: this runs for every datetime of every record.
            "datetime": "'\"' + days[{v} // 86400000] + times[{v} // 1000 % 86400] "
                        "+ millis[{v} % 1000] + '\"'",
            "anyType": "encode({v})", "base64": "encode({v})"}


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
    """Writes rows of a compiled query as Salesforce records (one instance per query)."""

    def __init__(self, root: Node, schema, kinds: list[str | None]) -> None:
        self.root = root
        self.schema = schema
        self.kinds = kinds  # the field type of each column (None: a marker, never written)
        self._build: Callable | None = None

    def records_json(self, rows, version: str, children: dict | None = None) -> list[str]:
        """Each row's record as JSON text (``children``: name → {parent id → JSON or absent})."""
        build = self._build or self._compile()
        base = f"/services/data/{version}/sobjects/"
        lookup = children or {}
        return [build(row, base, lookup) for row in rows]

    def _compile(self) -> Callable:
        days, times, millis = _tables()
        namespace: dict = {"type_of": self._type_of, "empty": {}, "esc": encode_basestring,
                           "encode": encode, "days": days, "times": times, "millis": millis}
        code = f"def build(row, base, children):\n    return {self._node(self.root, namespace)}\n"
        exec(compile(code, "<soql-shape>", "exec"), namespace)  # noqa: S102 - generated above
        self._build = namespace["build"]
        return self._build

    def _node(self, node: Node, namespace: dict) -> str:
        record_id = f"row[{node.id_index}]"
        if node.type_name is not None:
            head = repr('{"attributes":{"type":' + encode(node.type_name) + ',"url":"')
            parts = [head, "base", repr(node.type_name + "/"), record_id, repr('"}')]
        else:
            parts = [repr('{"attributes":{"type":"'), f"type_of({record_id})", repr('","url":"'),
                     "base", f"type_of({record_id})", "'/'", record_id, repr('"}')]
        for key, item in node.items:
            parts.append(repr("," + encode(key) + ":"))
            parts.append(self._value(item, record_id, namespace))
        parts.append("'}'")
        return "(" + " + ".join(parts) + ")"

    def _value(self, item: object, record_id: str, namespace: dict) -> str:
        if isinstance(item, Node):
            return f"('null' if row[{item.id_index}] is None else {self._node(item, namespace)})"
        if isinstance(item, Compound):
            name = f"compound{len(namespace)}"
            namespace[name] = item.value
            return f"encode({name}(row))"
        if isinstance(item, ChildSlot):
            return f"children.get({item.key!r}, empty).get({record_id}, 'null')"
        lookup = f"row[{item}]"
        writer = _WRITERS.get(self.kinds[item], "esc({v})").format(v=lookup)
        return f"('null' if {lookup} is None else {writer})"

    def _type_of(self, record_id: str) -> str:
        sobject = self.schema.by_prefix(record_id[:3])
        return sobject.name if sobject else "Name"


def child_result(records: list[str]) -> str | None:
    """A child subquery's JSON value: absent (null) when empty, like Salesforce."""
    if not records:
        return None
    return f'{{"totalSize":{len(records)},"done":true,"records":[{",".join(records)}]}}'
