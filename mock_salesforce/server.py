"""Serving the app: a threaded HTTPS (or plain HTTP) server for tests and the CLI.

Cheroot (CherryPy's WSGI server): a worker-thread pool, real HTTP/1.1 keep-alive (idle
connections wait in a selector, not in a thread), TCP_NODELAY, and TLS through the standard
``ssl`` module. Werkzeug's development server closes every connection, so each request of a
client paid a new TLS handshake. The store serialises writes, so threads are safe.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from . import verification
from .app import create_app
from .backend.oauth.hosts import LoginDomainTag
from .backend.registry import Registry
from .backend.seed import SeedProgress
from .backend.soql.parser import load_grammar
from .config import MockConfig
from .http_wire import SalesforceConnection
from .tls import TlsFiles, ensure_certificates


class Listener:
    """One listening socket serving a WSGI app in a background thread (or the caller's)."""

    def __init__(self, app: Callable, host: str, port: int, tls_files: TlsFiles | None,
                 name: str = "mock-salesforce") -> None:
        self.host = host
        self.tls = tls_files is not None
        self.name = name
        self._server = wsgi.Server((host, port), app, numthreads=16, server_name=name,
                                   shutdown_timeout=2, accepted_queue_timeout=1)
        self._server.ConnectionClass = SalesforceConnection  # serves "//services/..." as a real org does
        if tls_files is not None:
            self._server.ssl_adapter = BuiltinSSLAdapter(str(tls_files.cert_path), str(tls_files.key_path))
        self._server.prepare()  # binds now: a busy port fails here, with OSError
        self.port = self._server.bind_addr[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``scheme://host:port`` of this listener."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self):
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve, name=self.name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread."""
        self._server.serve()

    def stop(self) -> None:
        """Stop serving and close the socket (also of a listener bound but never started)."""
        self._server.stop()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class LoginHostListener(Listener):
    """A second listener of a running mock that plays ``login.salesforce.com`` or ``test.…``.

    ``LoginHostListener(server, "test").start()`` serves the same app (same TLS files) on
    another port; ``.url`` is then a sandbox login URL that clients use unmodified.
    """

    def __init__(self, server: "MockServer", domain: str, port: int = 0) -> None:
        self.domain = domain
        super().__init__(LoginDomainTag(server.app, domain), server.host, port, server.tls_files,
                         name=f"mock-salesforce-{domain}")


@dataclass
class OrgAccess:
    """One org of a running server as a test holds it: its admin and its connected app.

    ``MockServer.create_org`` returns one; ``MockServer.default_org`` is the configured org's.
    """

    server: "MockServer"
    key: str
    id: str
    name: str
    is_sandbox: bool
    username: str
    password: str
    client_id: str
    client_secret: str

    @property
    def url(self) -> str:
        """The server's instance URL (``https://127.0.0.1:PORT``)."""
        return self.server.url

    def token(self, login_url: str | None = None) -> dict:
        """A password-grant token for the admin (at ``login_url``; the instance URL by default)."""
        response = self.server.session().post(
            f"{(login_url or self.server.url).rstrip('/')}/services/oauth2/token", data={
                "grant_type": "password", "client_id": self.client_id,
                "client_secret": self.client_secret, "username": self.username,
                "password": self.password})
        response.raise_for_status()
        return response.json()

    def client(self, version: str = "59.0"):
        """A ready simple-salesforce client logged in as the org's admin."""
        from simple_salesforce import Salesforce
        token = self.token()
        return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                          session=self.server.session(), version=version)

    def requests(self, method: str | None = None, path: str | None = None,
                 status: str | int | None = None, since=None):
        """What clients asked this org, oldest first (see ``mock_salesforce.verification``)."""
        return verification.requests_made(self.server.registry.org(self.key), method, path, status, since)

    def assert_requested(self, method: str, path: str, times: int | None = None, **bounds):
        """Assert how often ``method path`` (a regular expression) was requested of this org."""
        return verification.assert_requested(self.server.registry.org(self.key), method, path, times, **bounds)

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call an org-scoped control-plane path (``records/Contact`` → ``orgs/{key}/records/Contact``)."""
        return self.server.control(method, f"orgs/{self.key}/{path.lstrip('/')}", **kwargs)


class MockServer:
    """A running mock org: ``with MockServer(config) as org: org.url, org.ca_path, org.client()``."""

    def __init__(self, config: MockConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                 tls: bool = True, tls_files: TlsFiles | None = None,
                 progress: SeedProgress | None = None) -> None:
        self.config = config or MockConfig()
        self.tls_files = (tls_files or ensure_certificates(self.config.data_dir)) if tls else None
        # Bind before building the org: a busy port fails at once, not after seeding 20,000 accounts.
        self._listener = Listener(self._wsgi, host, port, self.tls_files)
        try:
            self.registry = Registry(self.config, progress=progress)
        except BaseException:
            self._listener.stop()
            raise
        self.app = create_app(registry=self.registry)
        load_grammar()
        self._login_hosts: dict[str, LoginHostListener] = {}
        self._login_hosts_lock = threading.Lock()
        self.host = host
        self.port = self._listener.port

    def _wsgi(self, environ: dict, start_response: Callable):
        return self.app(environ, start_response)

    @property
    def url(self) -> str:
        """The instance URL (``https://127.0.0.1:PORT``)."""
        return self._listener.url

    @property
    def ca_path(self) -> Path | None:
        """The CA certificate clients must trust (None without TLS)."""
        return self.tls_files.ca_path if self.tls_files else None

    def start(self) -> "MockServer":
        """Serve in a background thread."""
        self._listener.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI)."""
        self._listener.serve_forever()

    def stop(self) -> None:
        """Stop serving, close the sockets (login-host listeners too) and release the database
        (a temporary one is removed)."""
        for listener in self._login_hosts.values():
            listener.stop()
        self._login_hosts.clear()
        self._listener.stop()
        self.registry.close()

    def login_host(self, domain: str) -> str:
        """The URL of a listener playing ``login.salesforce.com`` (``"login"``) or
        ``test.salesforce.com`` (``"test"``), started on first use on a free port."""
        with self._login_hosts_lock:
            if domain not in self._login_hosts:
                self._login_hosts[domain] = LoginHostListener(self, domain).start()
            return self._login_hosts[domain].url

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

    def requests(self, method: str | None = None, path: str | None = None,
                 status: str | int | None = None, since=None):
        """What clients asked the default org, oldest first (see ``mock_salesforce.verification``)."""
        return verification.requests_made(self.registry.default_org, method, path, status, since)

    def assert_requested(self, method: str, path: str, times: int | None = None, **bounds):
        """Assert how often ``method path`` (a regular expression) was requested of the default org."""
        return verification.assert_requested(self.registry.default_org, method, path, times, **bounds)

    @property
    def default_org(self) -> OrgAccess:
        """The configured org (the one ``client()`` logs in to)."""
        org, config = self.registry.default_org, self.config
        return OrgAccess(self, org.key, org.id, org.name, org.is_sandbox, config.username,
                         config.password, config.client_id, config.client_secret)

    def create_org(self, name: str, username: str, password: str, *, sandbox: bool = False,
                   sandbox_name: str | None = None, callback_urls: list[str] | None = None) -> OrgAccess:
        """Another org in this server, through the control plane: its admin and a connected app.

        A sandbox's admin username gets ``.{sandbox_name}`` appended, as Salesforce does. The org
        lasts until the next reset (``salesforce_org`` resets before every test).
        """
        created = self.control("POST", "orgs", json={
            "name": name, "username": username, "password": password, "sandbox": sandbox,
            "sandboxName": sandbox_name}).json()
        app = self.control("POST", f"orgs/{created['key']}/apps", json={
            "name": self.config.app_name, "callback_urls": list(callback_urls or [])}).json()
        return OrgAccess(self, created["key"], created["id"], name, created["isSandbox"],
                         created["username"], password, app["client_id"], app["client_secret"])

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the control plane (``/_mock``) with the control secret."""
        headers = {"X-Mock-Secret": self.config.control_secret}
        response = self.session().request(method, f"{self.url}/_mock/{path.lstrip('/')}",
                                          headers=headers, **kwargs)
        if response.status_code >= 400:
            raise ControlError(response)
        return response


class ControlError(requests.HTTPError):
    """A control-plane call the mock refused; the message carries the status and the body."""

    def __init__(self, response: requests.Response) -> None:
        request = response.request
        super().__init__(f"{response.status_code} {response.reason} for {request.method} "
                         f"{request.path_url}: {response.text.strip()[:2000]}", response=response)
