"""pytest plugin (auto-loaded once the package is installed): a real mock org for your tests.

Fixtures:
- ``salesforce_server`` (session): one HTTPS mock server on a free port.
- ``salesforce_org`` (function): the same server, reset to a fresh org before the test, with
  ``REQUESTS_CA_BUNDLE`` pointing at a bundle that trusts it. Use ``salesforce_org.client()``
  for a logged-in simple-salesforce client, ``.url``, ``.config.username`` … for your own code.

More orgs and login hosts, on the same server:
- ``salesforce_org.create_org("Acme", "admin@acme.example", "pw", sandbox=True,
  sandbox_name="uat", callback_urls=[...])`` makes another org with its own admin and connected
  app (an ``OrgAccess``: ``.username``, ``.client_id``, ``.client_secret``, ``.client()``,
  ``.control()``); the next reset removes it. ``salesforce_org.default_org`` is the configured one.
- ``salesforce_org.login_host("login")`` / ``("test")`` is the URL of a listener playing
  ``login.salesforce.com`` / ``test.salesforce.com``: each refuses the other kind's users.

Data before the test, with the marker ``@pytest.mark.salesforce_org(seed=20, records=...)``:
``seed`` makes a demo org of that many accounts (as ``serve --seed``); ``records`` loads a mapping
``{"Contact": [{...}]}``, a ``.json`` file of one, or ``Contact.csv``-style files (a list loads
in order; see ``mock_salesforce.records_file``).
"""
from __future__ import annotations

import pytest

from .config import MockConfig
from .server import MockServer
from .tls import bundle_with_system_cas


@pytest.fixture(scope="session")
def salesforce_server(tmp_path_factory):
    """One mock org server for the whole test session."""
    data_dir = tmp_path_factory.mktemp("mock-salesforce")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"),
                        password="mock-password", client_secret="mock-client-secret",
                        control_secret="mock-control-secret",
                        callback_urls=["http://127.0.0.1:8765/callback"])
    with MockServer(config) as server:
        server.ca_bundle = bundle_with_system_cas(server.ca_path, data_dir / "ca-bundle.pem")
        yield server


MARKER = "salesforce_org"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(seed=0, records=None): data the salesforce_org "
                                       "fixture puts in the org before the test")


@pytest.fixture
def salesforce_org(salesforce_server, monkeypatch, request):
    """A freshly reset mock org whose CA every requests call trusts (seeded as the marker says)."""
    salesforce_server.registry.reset()
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        _arrange(salesforce_server, **marker.kwargs)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(salesforce_server.ca_bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(salesforce_server.ca_bundle))
    return salesforce_server


def _arrange(server, seed: int = 0, records=None) -> None:
    """Seed a demo org and load records into the server's default org."""
    from .backend.seed import seed_org
    from .records_file import load_records
    if seed:
        org = server.registry.default_org
        seed_org(org, seed, org.first_user_id(), random_seed=server.config.seed_random)
    if records is not None:
        load_records(server.default_org, records)
