"""The specs that need no control plane pass against an org given only by URL and credentials.

The features run in a subprocess with ``SPECS_ORG_*`` pointing at a mock server whose control
secret they are not told: to them it is any Salesforce org. Scenarios tagged ``@control_plane``
are deselected; one that is not tagged but still asks for the control plane fails with
``ControlPlaneOff``, and so does this test. Nothing resets the org between scenarios: each one
deletes what it created, through the REST API.

Every features run already switches the control plane off for the untagged scenarios (see
``features/conftest.py``); this test adds what that cannot show — an org nobody resets, reached
through ``SPECS_ORG_*`` only — on a few scenarios (``pytest -m slow`` runs them all).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer
from mock_salesforce.tls import bundle_with_system_cas

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Scenarios that share emails, delete records and leave records the syncer wrote (tasks), so
# each scenario meets an org the previous ones used: a dozen, cheap enough for every run.
A_FEW = "permission or subscribe or opportunity or archive or completed_task"


@pytest.mark.parametrize("selection", [
    pytest.param(A_FEW, id="a-few"),
    pytest.param(None, id="all", marks=pytest.mark.slow),
])
def test_specs_without_the_control_plane_pass_against_an_org_given_by_url(tmp_path, selection):
    port = _free_port()
    config = MockConfig(data_dir=tmp_path, db_url=str(tmp_path / "org.db"), password="org-password",
                        client_secret="app-secret", callback_urls=[f"http://127.0.0.1:{port}/callback"])
    with MockServer(config) as server:
        bundle = bundle_with_system_cas(server.ca_path, tmp_path / "ca-bundle.pem")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SPECS_ORG_URL": server.url,
               "SPECS_ORG_USERNAME": config.username, "SPECS_ORG_PASSWORD": config.password,
               "SPECS_ORG_CLIENT_ID": config.client_id, "SPECS_ORG_CLIENT_SECRET": config.client_secret,
               "SPECS_ORG_CALLBACK_PORT": str(port), "SPECS_ORG_CA_BUNDLE": str(bundle)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "features"]
        run = subprocess.run(command + (["-k", selection] if selection else []), cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=1200)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"\d+ passed", summary) and re.search(r"\d+ deselected", summary), summary
