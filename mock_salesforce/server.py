"""A threaded HTTPS (or plain HTTP) server around the app, for tests and the CLI.

Werkzeug's threaded WSGI server: one thread per connection, HTTP/1.1 keep-alive, TLS through the
standard ``ssl`` module. It needs nothing beyond Flask, serves many concurrent clients, and is
the same code in tests and from the CLI; the store serialises writes, so threads are safe.
"""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import requests
from werkzeug.http import http_date
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .backend.registry import Registry
from .config import MockConfig
from .tls import TlsFiles, ensure_certificates


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 so clients reuse connections (Werkzeug defaults to 1.0 and closes each one)."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def date_time_string(self, timestamp=None) -> str:
        """The ``Date`` header from the org clock: clients take server time from it."""
        return http_date(self.server.app.extensions["mock_salesforce"].clock.now())

    def log_request(self, code="-", size="-") -> None:
        """Quiet: request lines carry tokens in query strings of some clients."""


class MockServer:
    """A running mock org: ``with MockServer(config) as org: org.url, org.ca_path, org.client()``."""

    def __init__(self, config: MockConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                 tls: bool = True, tls_files: TlsFiles | None = None) -> None:
        self.config = config or MockConfig()
        self.registry = Registry(self.config)
        self.app = create_app(registry=self.registry)
        self.tls_files = (tls_files or ensure_certificates(self.config.data_dir)) if tls else None
        self._server = make_server(host, port, self.app, threaded=True,
                                   request_handler=_KeepAliveHandler,
                                   ssl_context=self.tls_files.context() if self.tls_files else None)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The instance URL (``https://127.0.0.1:PORT``)."""
        scheme = "https" if self.tls_files else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def ca_path(self) -> Path | None:
        """The CA certificate clients must trust (None without TLS)."""
        return self.tls_files.ca_path if self.tls_files else None

    def start(self) -> "MockServer":
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="mock-salesforce",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- conveniences for tests ---------------------------------------------------------------
    def session(self) -> requests.Session:
        """A requests session that trusts the mock's CA whatever ``REQUESTS_CA_BUNDLE`` says."""
        session = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE override session.verify; trust_env=False stops that.
        session.trust_env = False
        session.verify = str(self.ca_path) if self.ca_path else True
        return session

    def token(self) -> dict:
        """A password-grant token response for the configured user and app."""
        response = self.session().post(f"{self.url}/services/oauth2/token", data={
            "grant_type": "password", "client_id": self.config.client_id,
            "client_secret": self.config.client_secret, "username": self.config.username,
            "password": self.config.password})
        response.raise_for_status()
        return response.json()

    def client(self, version: str = "59.0"):
        """A ready simple-salesforce client logged in as the configured user."""
        from simple_salesforce import Salesforce
        token = self.token()
        return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                          session=self.session(), version=version)

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the control plane (``/_mock``) with the control secret."""
        headers = {"X-Mock-Secret": self.config.control_secret}
        response = self.session().request(method, f"{self.url}/_mock/{path.lstrip('/')}",
                                          headers=headers, **kwargs)
        response.raise_for_status()
        return response
