"""``syncer connect``: Salesforce's OAuth web-server flow with PKCE and a loopback callback.

The user logs in and clicks Allow in a browser; Salesforce redirects to
``http://127.0.0.1:PORT/callback`` (register that callback URL on the connected app); we check
``state``, exchange the code with the PKCE verifier, and hand back credentials. Works the same
against a real org (production or sandbox login host, rule 50) and the mock.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from .config_error import ConfigurationError
from .salesforce import AuthError, Credentials, RetriableError, reason

SCOPES = "api refresh_token"


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier and its S256 challenge."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        """A fresh random pair."""
        verifier = secrets.token_urlsafe(64)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_url(login_url: str, client_id: str, redirect_uri: str, state: str, pkce: Pkce) -> str:
    """The URL the user opens to log in and Allow."""
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "state": state, "scope": SCOPES, "code_challenge": pkce.challenge,
                       "code_challenge_method": "S256"})
    return f"{login_url.rstrip('/')}/services/oauth2/authorize?{query}"


class _Callback(BaseHTTPRequestHandler):
    result: dict = {}
    done: threading.Event

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parsed = urlparse(self.path)
        if parsed.path != "/callback":
            self.send_error(404)
            return
        type(self).result = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        ok = "code" in type(self).result
        body = ("Connected. You can close this window." if ok else
                "Salesforce did not authorize the connection. You can close this window.").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        type(self).done.set()

    def log_message(self, *args) -> None:
        """Quiet: the query string holds the authorization code."""


def receive_code(login_url: str, client_id: str, port: int, open_browser: bool | Callable[[str], None],
                 announce=print, timeout: float = 300,
                 paste: Callable[[], str] | None = None) -> tuple[str, str, Pkce]:
    """Run the browser part of the flow; return (code, redirect_uri, pkce).

    ``open_browser`` is True (the system browser), False (only print the URL), or a function
    that takes the URL and plays the user (tests). ``paste`` reads a line the user pastes: the
    address the browser ended on, for machines where the browser cannot reach this loopback
    port (a server over SSH); whichever comes first, the callback or a paste, is used.
    """
    handler = type("Callback", (_Callback,), {"done": threading.Event(), "result": {}})
    try:
        server = HTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        raise ConfigurationError(f"cannot receive the OAuth callback on 127.0.0.1:{port}: "
                                 f"{error.strerror or error}; free the port, or pass --port N (or set "
                                 f"[source] callback_port) and register http://127.0.0.1:N/callback "
                                 f"on the connected app") from None
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    state, pkce = secrets.token_urlsafe(24), Pkce.new()
    url = authorize_url(login_url, client_id, redirect_uri, state, pkce)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        announce("Open this URL, log in to Salesforce and click Allow:")
        announce(url)
        announce(f"Waiting for Salesforce to send your browser to {redirect_uri} "
                 f"(Ctrl-C cancels; gives up after {timeout / 60:g} minutes).")
        if paste is not None:
            announce("No browser here? Open the URL on any machine, then paste the address it ends on "
                     f"({redirect_uri}?code=…) and press Enter.")
            threading.Thread(target=_read_pasted, args=(paste, handler, redirect_uri, announce),
                             daemon=True).start()
        if callable(open_browser):
            open_browser(url)
        elif open_browser:
            webbrowser.open(url)
        if not handler.done.wait(timeout):
            raise AuthError("timed out waiting for the Salesforce callback")
    finally:
        server.shutdown()
        server.server_close()
    result = handler.result
    if result.get("state") != state:
        raise AuthError("the callback's state does not match; refusing it")
    if "code" not in result:
        raise AuthError(f"{result.get('error', 'error')}: {result.get('error_description', 'not authorized')}",
                        result.get("error"))
    return result["code"], redirect_uri, pkce


def _read_pasted(paste: Callable[[], str], handler: type[_Callback], redirect_uri: str, announce) -> None:
    """Read pasted lines until one is the callback address (with a code or an error)."""
    while not handler.done.is_set():
        line = paste()
        if not line:  # end of input: only the browser's callback can finish the flow now
            return
        parsed = urlparse(line.strip())
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        if parsed.path.endswith("/callback") and ("code" in query or "error" in query):
            handler.result = query
            handler.done.set()
            return
        announce(f"That is not the callback address; paste the whole {redirect_uri}?… line.")


def exchange_code(session: requests.Session, login_url: str, client_id: str, client_secret: str,
                  code: str, redirect_uri: str, pkce: Pkce) -> Credentials:
    """Trade the authorization code (and PKCE verifier) for tokens."""
    token_url = f"{login_url.rstrip('/')}/services/oauth2/token"
    try:
        response = session.post(token_url, data={
            "grant_type": "authorization_code", "code": code, "client_id": client_id,
            "client_secret": client_secret, "redirect_uri": redirect_uri, "code_verifier": pkce.verifier})
    except requests.RequestException as error:
        raise RetriableError(f"cannot reach Salesforce at {token_url}: {reason(error)}") from None
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    if response.status_code != 200:
        raise AuthError(f"{body.get('error', response.status_code)}: {body.get('error_description', '')}",
                        body.get("error"))
    return Credentials(instance_url=body["instance_url"].rstrip("/"), access_token=body["access_token"],
                       refresh_token=body.get("refresh_token"), client_id=client_id,
                       client_secret=client_secret, login_url=login_url)
