"""``mock_salesforce.patch()``: unmodified code that logs in to Salesforce reaches a mock org.

moto's ``mock_aws`` patches the HTTP layer of the AWS SDK so code under test talks to an
in-memory AWS; this does the same for Salesforce clients built on Python ``requests`` (as
simple-salesforce, the Singer tap and most scripts are)::

    with mock_salesforce.patch() as org:
        sf = Salesforce(username="me@example.com", password="pw", security_token="tok")
        sf.Contact.create({"LastName": "Ada"})       # lands in the mock org
        org.client().query("SELECT Name FROM Contact")

    @mock_salesforce.patch(seed=10)
    def test_sync(org, tmp_path):                    # appended to the positional arguments,
        ...                                          # like unittest.mock.patch's mocks

How: inside the block, ``requests``' transport (``HTTPAdapter.send``) sends every request for
``*.salesforce.com`` and ``*.force.com`` (``login``, ``test``, My Domains, instances) to an
in-process HTTPS mock server on a free port, keeping the Host header, so the mock still tells a
production login from a sandbox one. The mock's CA is trusted for those requests only (whatever
``REQUESTS_CA_BUNDLE`` says); every other request, and everything after the block, is untouched.
Any username, password, security token, client id and secret log in as the org's admin unless
``strict=True`` (then only ``org.username`` / ``org.password`` with an empty token, and the
org's ``client_id`` / ``client_secret``).

Why the transport and not DNS or ``socket`` mapping: a hard-coded ``https://login.salesforce.com``
means port 443, which a test process may not bind, and the URL's port would have to be rewritten
anyway; at the transport the URL, the CA and proxies are set per request and nothing else changes.

Limits: only Python ``requests`` in this process is redirected — not ``httpx``, ``urllib``,
``aiohttp``, subprocesses or Node clients (run ``mock-salesforce serve`` for those and give them
its URL). While a block is open the redirection applies to every thread of the process.
"""
from __future__ import annotations

import functools
import inspect
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter

from .config import SYNCER_CALLBACK_URL, MockConfig

DOMAINS = ("salesforce.com", "force.com")


class patch:  # noqa: N801 - named like unittest.mock.patch and moto's mock_aws
    """A context manager and decorator that points Salesforce logins at a fresh mock org."""

    def __init__(self, *, strict: bool = False, seed: int = 0, records=None, sandbox: bool = False,
                 config: MockConfig | None = None) -> None:
        self.options = {"strict": strict, "seed": seed, "records": records, "sandbox": sandbox,
                        "config": config}
        self.server = None
        self._data_dir: Path | None = None
        self._route = None

    def __enter__(self):
        from .records_file import load_records
        from .server import MockServer
        options = self.options
        self._data_dir = Path(tempfile.mkdtemp(prefix="mock-salesforce-patch-"))
        config = options["config"] or MockConfig(
            data_dir=self._data_dir, sandbox=options["sandbox"], seed=options["seed"],
            callback_urls=[SYNCER_CALLBACK_URL])
        config.any_credentials = not options["strict"]
        try:
            self.server = MockServer(config).start()
            org = self.server.default_org
            if options["records"] is not None:
                load_records(org, options["records"])
        except BaseException:
            self._close()
            raise
        self._route = _Route(self.server.url, str(self.server.ca_path) if self.server.ca_path else True)
        _Transport.push(self._route)
        return org

    def __exit__(self, *exc) -> None:
        _Transport.remove(self._route)
        self._close()

    def _close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def __call__(self, func):
        """Decorate ``func``: each call runs in a fresh org, appended to its positional arguments."""
        options = self.options

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with patch(**options) as org:
                return func(*args, org, **kwargs)

        # The org follows the positional arguments a caller gives (as unittest.mock.patch
        # appends its mocks); pytest gives none (fixtures come by keyword), so in a test the org
        # is the first parameter, after ``self``. Hide that parameter from signature readers
        # such as pytest, which would take it for a fixture.
        signature = inspect.signature(func)
        parameters = list(signature.parameters.values())
        index = 1 if parameters and parameters[0].name in ("self", "cls") else 0
        if len(parameters) > index and parameters[index].kind in (
                inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            del parameters[index]
        wrapper.__signature__ = signature.replace(parameters=parameters)
        del wrapper.__wrapped__
        return wrapper


class _Route:
    """Where one open block sends Salesforce requests: its mock's URL and CA."""

    def __init__(self, mock_url: str, verify) -> None:
        parts = urlsplit(mock_url)
        self.scheme, self.netloc, self.verify = parts.scheme, parts.netloc, verify

    def claims(self, url: str) -> bool:
        """Whether a request to ``url`` is for Salesforce (or for this mock itself)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return parts.netloc == self.netloc or any(host == d or host.endswith("." + d) for d in DOMAINS)


class _Transport:
    """Swaps ``HTTPAdapter.send`` while at least one block is open; the innermost block wins."""

    routes: list[_Route] = []
    original = None
    lock = threading.Lock()

    @classmethod
    def push(cls, route: _Route) -> None:
        with cls.lock:
            if not cls.routes:
                cls.original = HTTPAdapter.send
                HTTPAdapter.send = _send
            cls.routes.append(route)

    @classmethod
    def remove(cls, route: _Route | None) -> None:
        with cls.lock:
            if route in cls.routes:
                cls.routes.remove(route)
            if not cls.routes and cls.original is not None:
                HTTPAdapter.send = cls.original
                cls.original = None


def _send(adapter, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
    """``HTTPAdapter.send`` that delivers Salesforce requests to the innermost open mock."""
    routes, original = _Transport.routes, _Transport.original
    route = routes[-1] if routes else None
    if route is None or not route.claims(request.url):
        return original(adapter, request, stream=stream, timeout=timeout, verify=verify,
                        cert=cert, proxies=proxies)
    asked = request.url
    parts = urlsplit(asked)
    had_host = "Host" in request.headers
    if parts.netloc != route.netloc:
        request.headers.setdefault("Host", parts.netloc)
        request.url = urlunsplit((route.scheme, route.netloc, parts.path, parts.query, ""))
    try:
        response = original(adapter, request, stream=stream, timeout=timeout, verify=route.verify,
                            cert=None, proxies={})
    finally:
        request.url = asked
        if not had_host:
            request.headers.pop("Host", None)
    response.url = asked  # redirects and clients see the address they asked for
    return response
