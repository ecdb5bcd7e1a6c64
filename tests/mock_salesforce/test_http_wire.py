"""The HTTP layer in front of the app: request targets a real org accepts and cheroot refuses."""
from __future__ import annotations

import socket

import pytest

from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("wire-org")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"), password="pw",
                        client_secret="secret", control_secret="control")
    with MockServer(config, tls=False) as running:
        yield running


def test_a_double_slash_path_is_served_as_a_single_slash_one(server):
    # An instance URL saved as "https://host/" makes clients (sf CLI) request "//services/...".
    token = server.token()["access_token"]
    response = server.session().get(f"{server.url}//services/data/v59.0/limits",
                                    headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "DailyApiRequests" in response.json()


def test_the_rest_of_the_request_line_is_untouched(server):
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.sendall(b"GET ///services/data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"version"' in reply


def test_an_absolute_uri_is_still_refused(server):
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.sendall(b"GET http://evil.example/services/data HTTP/1.1\r\nHost: x\r\n"
                    b"Connection: close\r\n\r\n")
        reply = raw.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400")
