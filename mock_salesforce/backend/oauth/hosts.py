"""Which login host a request came to: production (``login``), sandbox (``test``) or My Domain.

Salesforce logs production users in at ``login.salesforce.com`` and sandbox users at
``test.salesforce.com``; each refuses the other's users. An org's own My Domain host logs in
that org's users whatever its kind. The mock decides, in this order:

1. a listener tagged with a login domain (``LoginHostListener``: a second port whose every
   request is a ``login`` or ``test`` login — for clients on ``127.0.0.1`` that cannot send
   another Host header);
2. the Host header: ``login.*`` is production, ``test.*`` is sandbox (clients whose login host
   is hard-coded and redirected to the mock, e.g. through a private ``/etc/hosts``);
3. anything else (``127.0.0.1``, ``localhost``, ``*.my.salesforce.com``) acts as My Domain.
"""
from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

ENVIRON_KEY = "mock_salesforce.login_domain"
DOMAINS = ("login", "test")


def login_domain(host: str, tagged: str | None = None) -> str | None:
    """``login``, ``test`` or None (My Domain) for a request to ``host`` (``name[:port]``)."""
    if tagged in DOMAINS:
        return tagged
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    label = name.lower().split(".", 1)[0]
    return label if label in DOMAINS and "." in name else None


def admits(domain: str | None, is_sandbox: bool) -> bool:
    """Whether a login host lets in a user of a production (or sandbox) org."""
    if domain is None:
        return True
    return (domain == "test") == is_sandbox


def audiences(domain: str | None, is_sandbox: bool, base_url: str) -> Callable[[str], bool]:
    """A predicate for a JWT ``aud``: the org kind's login URL, or this host (My Domain)."""
    expected = "https://test.salesforce.com" if is_sandbox else "https://login.salesforce.com"
    own = urlsplit(base_url).netloc.lower()

    def accepts(aud: str) -> bool:
        aud = str(aud).rstrip("/")
        if aud == expected:
            return True
        # simple-salesforce builds https://{domain}.salesforce.com; with a mock URL as domain
        # the host part is the mock's own, which we treat as the org's My Domain.
        return domain is None and urlsplit(aud).netloc.lower() == own
    return accepts


class LoginDomainTag:
    """WSGI middleware marking every request of a listener as a ``login`` or ``test`` login."""

    def __init__(self, app: Callable, domain: str) -> None:
        if domain not in DOMAINS:
            raise ValueError(f"login domain must be one of {DOMAINS}")
        self.app = app
        self.domain = domain

    def __call__(self, environ: dict, start_response: Callable):
        environ[ENVIRON_KEY] = self.domain
        return self.app(environ, start_response)
