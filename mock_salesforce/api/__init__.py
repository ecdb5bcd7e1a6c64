"""The HTTP layer: one blueprint per route family. They read the request, call the backend and
serialise its answer; errors are rendered in ``app.py``."""
from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the app, the one list of what the mock serves (a new family goes here)."""
    from . import (bulk, bulk1, bulk_ingest, composite, composite_request, composite_tree, console,
                   control, control_apps, control_records, data, identity, journal, oauth, openapi,
                   query, replication, setup, soap, sobjects)
    # Registration order is kept from when the list grew feature by feature.
    return [module.bp for module in (
        data, sobjects, composite, oauth, control, identity, soap, setup, control_apps, query,
        replication, control_records, bulk, bulk1, bulk_ingest, composite_request, composite_tree,
        journal, console, openapi)]
