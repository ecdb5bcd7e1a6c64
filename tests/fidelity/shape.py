"""Response shapes: what a recorded real response and a mock response are compared by.

A *shape* is a flat map from a key path to a type token, so two responses match when they carry
the same keys with the same kinds of value, whatever the values themselves (ids, names, dates
differ between any two orgs). ``records[].Id`` stands for the ``Id`` of every element of
``records``; an empty list is ``list``; an empty object ``object``.

Type tokens: ``null``, ``bool``, ``int``, ``float``, ``epoch-ms`` (an integer of 13 digits),
``id18`` / ``id15`` (Salesforce ids), ``datetime`` (``2021-04-14T13:50:54.000+0000``),
``datetime-z`` (ISO 8601 ending in ``Z``), ``date``, ``path`` (``/services/…``), ``url``
(``https://…``), ``digits`` (a string of digits), ``string``, ``list``, ``object``.

A few keys say what a response *is* rather than what it holds (``errorCode``, ``state``,
``success``…): their values are part of the shape (``=NOT_FOUND``).

A recorded ``null`` matches any value: a null says the key is there, not what type its value has
when it is set.
"""
from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

PINNED = frozenset({
    "errorCode", "statusCode", "success", "state", "operation", "done", "token_type",
    "httpStatusCode", "jobType", "concurrencyMode", "contentType", "lineEnding",
    "columnDelimiter", "object", "isSuccessful", "exceptionCode", "error", "type", "apiVersion",
})

_ID = re.compile(r"^[a-zA-Z0-9]{3}[a-zA-Z0-9]{12}([A-Z0-5]{3})?$")
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
_DATETIME_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def token(value: Any) -> str:
    """The type token of one JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "epoch-ms" if 10**12 <= value < 10**13 else "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return _string_token(str(value))


def _string_token(text: str) -> str:
    if _DATETIME.match(text):
        return "datetime"
    if _DATETIME_Z.match(text):
        return "datetime-z"
    if _DATE.match(text):
        return "date"
    if text.startswith("/services/"):
        return "path"
    if text.startswith(("https://", "http://")):
        return "url"
    if text.isdigit():
        return "digits"
    if len(text) in (15, 18) and _ID.match(text) and any(c.isdigit() for c in text):
        return "id18" if len(text) == 18 else "id15"
    return "string"


def of_json(value: Any, pinned: frozenset[str] = PINNED) -> dict[str, str]:
    """The shape of a parsed JSON body."""
    shape: dict[str, str] = {}
    _walk(value, "", shape, pinned)
    return shape


def _walk(value: Any, path: str, shape: dict[str, str], pinned: frozenset[str]) -> None:
    here = path or "$"
    if isinstance(value, dict):
        if not value:
            shape[here] = "object"
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key in pinned and not isinstance(item, (dict, list)):
                pin, seen = "=" + _pin(item), shape.get(child)
                # Over a list's elements a pinned key may vary (describe's field types): then
                # only its kind is part of the shape.
                shape[child] = pin if seen in (None, pin) else token(item) if item is not None else seen
            else:
                _walk(item, child, shape, pinned)
    elif isinstance(value, list):
        if not value:
            shape.setdefault(f"{path}[]" if path else "[]", "list")
        for item in value:
            _walk(item, f"{path}[]" if path else "[]", shape, pinned)
    else:
        previous = shape.get(here)
        current = token(value)
        # Over a list's elements a key may be null in one and set in another: keep the set kind.
        shape[here] = current if previous in (None, "null") else previous


def _pin(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def of_csv(text: str) -> dict[str, str]:
    """The shape of a CSV body: its header row (values vary, columns do not)."""
    first = text.splitlines()[0] if text.strip() else ""
    return {"csv.header": first}


def of_xml(text: str) -> dict[str, str]:
    """The shape of an XML body: element paths (namespaces dropped) with their text's kind."""
    shape: dict[str, str] = {}

    def walk(element, path: str) -> None:
        name = element.tag.rsplit("}", 1)[-1]
        here = f"{path}/{name}" if path else name
        children = list(element)
        if children:
            for child in children:
                walk(child, here)
        elif name in PINNED:
            shape[here] = "=" + (element.text or "")
        else:
            nil = any(k.endswith("}nil") and v == "true" for k, v in element.attrib.items())
            shape[here] = "null" if nil else _string_token(element.text or "")

    walk(ElementTree.fromstring(text), "")
    return shape


def compare(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """The differences between a recorded shape and the mock's, one line each (empty: match)."""
    lines = []
    for path, kind in expected.items():
        if path not in actual:
            if not _covered_by_empty_list(path, actual):
                lines.append(f"missing {path} ({kind})")
        elif not _compatible(kind, actual[path]):
            lines.append(f"{path}: real {kind}, mock {actual[path]}")
    for path, kind in actual.items():
        if path not in expected and not _covered_by_empty_list(path, expected):
            lines.append(f"extra {path} ({kind})")
    return lines


def _covered_by_empty_list(path: str, other: dict[str, str]) -> bool:
    """``records[].Id`` is no difference when the other side's ``records`` was empty."""
    head = path
    while "[]" in head:
        head = head[: head.rindex("[]") + 2]
        if other.get(head) == "list":
            return True
        head = head[:-2]
    return False


def _compatible(real: str, mock: str) -> bool:
    if real == mock or real == "null":
        return True
    # A free-text value that happens to look like an id (or digits) in the mock's data, or
    # whose value the mock's side pins (a state the entry compares by kind only).
    return real == "string" and (mock in ("id18", "id15", "digits") or mock.startswith("="))
