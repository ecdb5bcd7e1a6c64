"""The specs' fixtures: the real mock org over HTTPS (reset per scenario) and the syncer adapter."""
from __future__ import annotations

import socket

import pytest

from adapter import load_adapter
from steps.cdp import *  # noqa: F401,F403 - step definitions are fixtures
from steps.clock import *  # noqa: F401,F403
from steps.data_source import *  # noqa: F401,F403
from steps.salesforce import *  # noqa: F401,F403
from steps.lifecycle import *  # noqa: F401,F403
from steps.activities import *  # noqa: F401,F403
from steps.outbound import *  # noqa: F401,F403
from steps.custom_objects import *  # noqa: F401,F403
from steps.bulk_api import *  # noqa: F401,F403
from steps.world import World


@pytest.fixture
def world(salesforce_org, tmp_path):
    """A fresh org, a fresh CDP, and the adapter configured for the org's connected app."""
    config = salesforce_org.config
    # A callback port of this scenario's own, registered on the connected app (parallel runs of
    # the suite must not fight over one port).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    salesforce_org.control("PATCH", f"apps/{config.client_id}",
                           json={"callback_urls": [f"http://127.0.0.1:{port}/callback"]})
    adapter = load_adapter(tmp_path, str(salesforce_org.ca_bundle))
    adapter.configure({"source": {"client_id": config.client_id, "client_secret": config.client_secret,
                                  "login_url": salesforce_org.url, "callback_port": port}})
    yield World(server=salesforce_org, adapter=adapter, sf=salesforce_org.client())
    if hasattr(adapter, "close"):
        adapter.close()
