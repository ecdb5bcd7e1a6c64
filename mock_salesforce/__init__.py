"""A local Salesforce org that real clients use unmodified.

``from mock_salesforce import MockServer, MockConfig, patch``: the names load on first use, so
importing the package (and running ``mock-salesforce --help``) stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import MockConfig
    from .patching import patch
    from .server import MockServer

__all__ = ["MockConfig", "MockServer", "patch"]

_HOMES = {"MockConfig": ".config", "MockServer": ".server", "patch": ".patching"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'mock_salesforce' has no attribute {name!r}")
    from importlib import import_module
    return getattr(import_module(_HOMES[name], __name__), name)
