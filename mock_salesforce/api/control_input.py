"""Reading control-plane bodies: a JSON object whose fields have the types the call needs.

Anything else is a :class:`ControlError` (400 ``{"error"}``), never a crash further in.
"""
from __future__ import annotations

import math

from flask import request

from ..errors import ControlError


def body() -> dict:
    """The JSON object sent (``{}`` when there is no body)."""
    value = request.get_json(silent=True)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ControlError("expected a JSON object")
    return value


def texts(data: dict, *names: str) -> dict:
    """``data``, after checking that each of ``names`` it has is a string (or null)."""
    for name in names:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise ControlError(f"{name} must be a string")
    return data


def integer(data: dict, name: str, default: int) -> int:
    """An integer field (not a boolean, not a float)."""
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(f"{name} must be an integer")
    return value


def number(data: dict, name: str, default: float, limit: float) -> float:
    """A finite number of magnitude at most ``limit``."""
    value = data.get(name, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or \
            not math.isfinite(value) or abs(value) > limit:
        raise ControlError(f"{name} must be a number from -{limit:g} to {limit:g}")
    return float(value)
