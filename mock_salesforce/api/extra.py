"""Blueprints of features that live in their own modules (query, identity, bulk, setup…).

Each returns its blueprint from here so ``create_app`` stays a short list.
"""
from __future__ import annotations

import importlib

from flask import Blueprint

# Modules that expose ``bp``; a module is listed here once it exists.
MODULES: list[str] = ["identity", "soap", "setup", "control_apps", "query", "replication",
                      "control_records", "bulk", "bulk1", "bulk_ingest", "composite_request"]


def blueprints() -> list[Blueprint]:
    """The blueprints of the optional feature modules."""
    return [importlib.import_module(f"mock_salesforce.api.{name}").bp for name in MODULES]
