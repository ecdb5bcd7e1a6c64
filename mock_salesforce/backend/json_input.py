"""Reading JSON a client sent: one reader for every request body and Bulk batch.

``json.loads`` alone lets two kinds of input through that later fail deep in the mock: nesting
deep enough to exhaust Python's stack (``RecursionError``), and ``\\ud800``-style escapes that
decode to a lone surrogate, which no UTF-8 store can hold. Salesforce's JSON parser (Jackson)
caps nesting at 1,000 levels; both become :class:`BadJson` here, which callers turn into their
family's parser error (``JSON_PARSER_ERROR``, Bulk 1.0's ``ClientInputError``…). The wording of
the surrogate message is ours: what Salesforce answers for a lone surrogate is not recorded.
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 1000
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BadJson(ValueError):
    """The body is not JSON the mock (or Salesforce) can read."""


def loads(data: bytes | str) -> object:
    """Parse a request body; :class:`BadJson` for syntax errors, deep nesting, lone surrogates."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadJson(f"Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})") from None
    except UnicodeDecodeError as error:
        raise BadJson(f"Invalid UTF-8 in the request body: {error.reason}") from None
    except ValueError as error:
        raise BadJson(f"Unexpected character in the request body: {error}") from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise BadJson("Invalid Unicode escape: a lone surrogate is not a character")
    # Nesting needs an opening bracket per level: a shorter body, or one with fewer, cannot nest
    # so deep (counted in C; walking a collection of 200 records costs a millisecond).
    if len(raw) > 2 * MAX_DEPTH and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and \
            _deeper_than(value, MAX_DEPTH):
        raise BadJson(f"Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})")
    return value


def _has_lone_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _deeper_than(value: object, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep (iterative: no recursion to exhaust)."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
