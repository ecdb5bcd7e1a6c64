"""The specs' fixtures: the org (through the org adapter) and the syncer (through its adapter).

Two ways to run:
- by default, against the mock org over HTTPS, reset before every scenario; the org adapter
  has the control plane only in the scenarios tagged ``@control_plane``, so every run proves
  the others need nothing but the org's URL, credentials and REST API;
- with ``SPECS_ORG_URL`` (and the variables below) set, against that org — any org reached by
  URL and credentials. The control plane is off then: scenarios tagged ``@control_plane`` are
  deselected, and a step that still asks for it fails with ``ControlPlaneOff``. Nothing resets
  such an org, so each scenario deletes the records it created.

  SPECS_ORG_URL            where the user logs in (the production login host or the org's URL)
  SPECS_ORG_USERNAME / SPECS_ORG_PASSWORD   a System Administrator's login
  SPECS_ORG_CLIENT_ID / SPECS_ORG_CLIENT_SECRET   the syncer's connected app in that org
  SPECS_ORG_CALLBACK_PORT  the port of the app's callback URL http://127.0.0.1:PORT/callback (8765)
  SPECS_ORG_CA_BUNDLE      a CA bundle to trust (optional)
"""
from __future__ import annotations

import os
import socket

import pytest
import requests

from adapter import load_adapter
from interface import OrgLogin
from org import OrgAdapter
from steps.cdp import *  # noqa: F401,F403 - step definitions are fixtures
from steps.clock import *  # noqa: F401,F403
from steps.data_source import *  # noqa: F401,F403
from steps.salesforce import *  # noqa: F401,F403
from steps.settings import *  # noqa: F401,F403
from steps.lifecycle import *  # noqa: F401,F403
from steps.activities import *  # noqa: F401,F403
from steps.outbound import *  # noqa: F401,F403
from steps.custom_objects import *  # noqa: F401,F403
from steps.bulk_api import *  # noqa: F401,F403
from steps.world import World

CONTROL_PLANE = "control_plane"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"{CONTROL_PLANE}: the scenario needs the mock's control "
                                       "plane (clock, faults, back-dated or bulk-loaded records, "
                                       "fields and objects, more orgs)")


def pytest_collection_modifyitems(config, items) -> None:
    """Against an org without a control plane, leave out the scenarios that need one."""
    if not os.environ.get("SPECS_ORG_URL"):
        return
    kept = [item for item in items if item.get_closest_marker(CONTROL_PLANE) is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture
def org(request, monkeypatch):
    """The scenario's Salesforce org: the one ``SPECS_ORG_URL`` names, else a fresh mock org."""
    if os.environ.get("SPECS_ORG_URL"):
        if os.environ.get("SPECS_ORG_CA_BUNDLE"):  # every HTTPS client trusts it, as with the mock
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["SPECS_ORG_CA_BUNDLE"])
        org = _org_from_environment()
        yield org
        org.clean_up()
        return
    server = request.getfixturevalue("salesforce_org")
    config = server.config
    # A callback port of this scenario's own, registered on the connected app (parallel runs of
    # the suite must not fight over one port).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server.control("PATCH", f"apps/{config.client_id}",
                   json={"callback_urls": [f"http://127.0.0.1:{port}/callback"]})
    login = OrgLogin(server.url, config.username, config.password, config.client_id,
                     config.client_secret, port, sandbox_login_url=server.login_host("test"))
    if request.node.get_closest_marker(CONTROL_PLANE) is None:
        # Switched off for the scenarios that do not ask for it, so every run proves they need
        # nothing an org reached by URL and credentials cannot give.
        yield OrgAdapter(login, server.session, key=server.default_org.key)
        return
    yield OrgAdapter(login, server.session, server.control, server, key=server.default_org.key)


def _org_from_environment() -> OrgAdapter:
    env = os.environ
    ca_bundle = env.get("SPECS_ORG_CA_BUNDLE")

    def session() -> requests.Session:
        made = requests.Session()
        if ca_bundle:
            made.verify = ca_bundle
        return made

    login = OrgLogin(env["SPECS_ORG_URL"], env["SPECS_ORG_USERNAME"], env["SPECS_ORG_PASSWORD"],
                     env["SPECS_ORG_CLIENT_ID"], env["SPECS_ORG_CLIENT_SECRET"],
                     int(env.get("SPECS_ORG_CALLBACK_PORT", "8765")))
    return OrgAdapter(login, session)


@pytest.fixture
def ca_bundle(request) -> str | None:
    """The CA bundle the syncer trusts: ``SPECS_ORG_CA_BUNDLE``, or the mock's."""
    if os.environ.get("SPECS_ORG_URL"):
        return os.environ.get("SPECS_ORG_CA_BUNDLE")
    return str(request.getfixturevalue("salesforce_server").ca_bundle)


@pytest.fixture
def world(org, ca_bundle, tmp_path):
    """The scenario's org, a fresh CDP, and the syncer adapter."""
    adapter = load_adapter(tmp_path, ca_bundle)
    yield World(sf=org, adapter=adapter)
    if hasattr(adapter, "close"):
        adapter.close()
