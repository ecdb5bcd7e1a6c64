"""A user at the Salesforce login and Allow pages, played with plain HTTP (no browser needed).

It reads the pages' forms like a browser would — hidden fields included (the CSRF token) —
types the credentials, and clicks Allow; the final redirect lands on the syncer's callback.
The browser tests in ``tests/browser`` click the same pages in real Chromium.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests


_ERROR = re.compile(r'id="error"[^>]*>(.*?)</', re.S)


class LoginRefused(Exception):
    """Salesforce's login page turned the user away; the message is what the page says."""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            if attrs.get("type") in ("hidden", None, "text"):
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def _form(response: requests.Response, having: str) -> dict:
    """The page's form that has a field named ``having``."""
    parser = _Forms()
    parser.feed(response.text)
    forms = [f for f in parser.forms if having in f["fields"]]
    if not forms:
        raise AssertionError(f"no form with {having!r} on {response.url}: {response.text[:300]}")
    form = forms[0]
    form["action"] = urljoin(response.url, form["action"])
    return form


def log_in_and_allow(session: requests.Session, authorize_url: str, username: str,
                     password: str, decision: str = "allow") -> requests.Response:
    """Open the authorize URL, log in, and click Allow (or Deny)."""
    page = session.get(authorize_url)
    page.raise_for_status()
    if 'name="username"' in page.text:
        login = _form(page, "username")
        page = session.post(login["action"], data={**login["fields"], "username": username,
                                                   "pw": password})
        page.raise_for_status()
        if 'name="username"' in page.text:  # the login page again: the user was not let in
            error = _ERROR.search(page.text)
            raise LoginRefused(html.unescape(error.group(1).strip()) if error else page.text[:300])
    if urlparse(page.url).path.endswith("/callback"):
        return page  # already approved: straight back to the callback
    allow = _form(page, "client_id")
    return session.post(allow["action"], data={**allow["fields"], "decision": decision})
