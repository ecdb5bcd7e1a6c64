"""Fixtures for in-process API tests: an app on a fresh SQLite org and a token for it."""
from __future__ import annotations

import pytest

from mock_salesforce.app import create_app
from mock_salesforce.backend.registry import Registry
from mock_salesforce.config import MockConfig

PASSWORD = "test-password"
CLIENT_SECRET = "test-client-secret"
CONTROL_SECRET = "test-control-secret"


@pytest.fixture
def config(tmp_path) -> MockConfig:
    """A config with known secrets on a SQLite file of its own."""
    return MockConfig(db_url=str(tmp_path / "org.db"), data_dir=tmp_path, password=PASSWORD,
                      client_secret=CLIENT_SECRET, control_secret=CONTROL_SECRET)


@pytest.fixture
def app(config):
    """The Flask app of a fresh org."""
    return create_app(config)


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def login(client, config):
    """A function returning Bearer headers of a fresh password-grant token."""
    def headers() -> dict:
        response = client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": config.client_id, "client_secret": CLIENT_SECRET,
            "username": config.username, "password": PASSWORD})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}
    return headers


@pytest.fixture
def token(login) -> str:
    """An access token from the password grant."""
    return login()["Authorization"].split(" ", 1)[1]


@pytest.fixture
def auth(token) -> dict:
    """Headers of an authenticated data call."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def control():
    """Headers of a control-plane call."""
    return {"X-Mock-Secret": CONTROL_SECRET}


@pytest.fixture
def registry(db_url, tmp_path):
    """The backend of a fresh org on the storage under test (SQLite, and PostgreSQL when set)."""
    backend = Registry(MockConfig(db_url=db_url, data_dir=tmp_path, password="p", client_secret="s"))
    yield backend
    backend.engine.dispose()


@pytest.fixture
def org(registry):
    """That backend's org."""
    return registry.default_org


@pytest.fixture
def twin(tmp_path):
    """A second org (on its own SQLite file) to write the same records the one-by-one way
    (see ``twins.py``)."""
    backend = Registry(MockConfig(db_url=f"sqlite:///{tmp_path / 'twin.db'}",
                                  data_dir=tmp_path / "twin", password="p", client_secret="s"))
    yield backend.default_org
    backend.engine.dispose()
