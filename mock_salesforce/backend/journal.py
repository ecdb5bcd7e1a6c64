"""The request journal: what each client sent an org and what the org answered.

A bounded ring of :class:`Entry` per org (the oldest entries fall out), kept in memory, cleared by
a reset. Requests to routes the mock does not emulate carry *near misses*: the emulated routes
closest to what was asked, so "the mock does not emulate X" is a visible answer, not a guess.
Nothing here knows HTTP frameworks; ``api/journal.py`` fills the entries in.
"""
from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from difflib import SequenceMatcher

DEFAULT_CAPACITY = 1_000
EXCERPT_BYTES = 2_048

SECRET_HEADERS = {"authorization", "x-sfdc-session", "x-mock-secret", "cookie", "set-cookie"}
KEPT_HEADERS = ("Content-Type", "Accept", "Accept-Encoding", "Content-Encoding", "Authorization",
                "X-SFDC-Session", "If-Modified-Since", "If-Match", "If-None-Match",
                "If-Unmodified-Since", "Sforce-Query-Options", "Sforce-Call-Options",
                "Sforce-Auto-Assign", "Sforce-Enable-PKChunking", "X-PrettyPrint")
# Form fields and XML elements whose values never reach the journal.
SECRET_FIELDS = ("password", "client_secret", "refresh_token", "code", "code_verifier",
                 "assertion", "client_assertion", "access_token", "token", "sessionId")
_FORM_SECRET = re.compile(r"(?P<key>(?:^|&)(?:%s)=)[^&]*" % "|".join(SECRET_FIELDS))
_XML_SECRET = re.compile(r"(<(?:\w+:)?(?P<tag>password|sessionId)>)[^<]*(</)", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One request and its answer."""

    id: int
    at: datetime                 # the org clock when the request arrived
    method: str
    path: str
    query: str
    headers: dict[str, str]      # selected request headers, secrets masked
    body_size: int
    body_excerpt: str            # the first EXCERPT_BYTES of the body, secrets masked
    status: int
    error_code: str | None       # errorCode / error / exceptionCode of an error answer
    error_message: str | None    # its message / error_description / exceptionMessage
    duration_ms: float           # until the answer's headers were ready
    api_cost: int                # DailyApiRequests this request used
    user_agent: str
    org_id: str | None
    user_id: str | None
    near_misses: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready form (the verification API's answer)."""
        data = asdict(self)
        data["at"] = self.at.isoformat().replace("+00:00", "Z")
        data["near_misses"] = list(self.near_misses)
        return data

    def line(self) -> str:
        """One line for ``serve --log-requests``."""
        target = self.path + (f"?{self.query}" if self.query else "")
        code = f" {self.error_code}" if self.error_code else ""
        return f"{self.method} {target} → {self.status}{code} {self.duration_ms:.0f}ms"


class Journal:
    """A bounded, thread-safe ring of entries for one org."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[Entry] = deque(maxlen=max(1, capacity))
        self._lock = threading.Lock()
        self._next_id = 1

    def next_id(self) -> int:
        """A new entry id (ids grow across clears, so ``since`` stays meaningful)."""
        with self._lock:
            number, self._next_id = self._next_id, self._next_id + 1
            return number

    def add(self, entry: Entry) -> None:
        """Keep an entry (the oldest one falls out when the ring is full)."""
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def entries(self, method: str | None = None, path: str | None = None,
                status: str | int | None = None, since: datetime | int | None = None) -> list[Entry]:
        """Entries, oldest first, filtered: ``method`` (any case); ``path`` a regular expression
        matched against the whole path; ``status`` exact (``404``) or a class (``4xx``);
        ``since`` an entry id (entries after it) or a time (entries at or after it)."""
        pattern = re.compile(path) if path else None  # a bad pattern fails even on an empty ring
        with self._lock:
            kept = list(self._entries)
        return [entry for entry in kept if matches(entry, method, pattern, status, since)]


def matches(entry: Entry, method: str | None, path: re.Pattern | None, status: str | int | None,
            since: datetime | int | None) -> bool:
    """Whether one entry passes the verification API's filters."""
    if method and entry.method != method.upper():
        return False
    if path and not path.fullmatch(entry.path):
        return False
    if status is not None and not _status_matches(entry.status, str(status)):
        return False
    if isinstance(since, int) and entry.id <= since:
        return False
    if isinstance(since, datetime) and entry.at < since:
        return False
    return True


def _status_matches(status: int, wanted: str) -> bool:
    wanted = wanted.lower()
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(status)[0] == wanted[0]
    return str(status) == wanted


# WSGI environ keys of the kept headers, computed once (reading the environ is the cheap path).
_ENVIRON_KEYS = tuple((name, name.upper().replace("-", "_") if name in ("Content-Type",)
                       else "HTTP_" + name.upper().replace("-", "_")) for name in KEPT_HEADERS)


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The kept request headers, secrets shown only by their last four characters."""
    wanted = {name.lower(): name for name in KEPT_HEADERS}
    return {wanted[name.lower()]: _masked(name, value) for name, value in headers
            if name.lower() in wanted}


def environ_headers(environ: dict) -> dict[str, str]:
    """``mask_headers`` read straight from a WSGI environ."""
    return {name: _masked(name, environ[key]) for name, key in _ENVIRON_KEYS if key in environ}


def _masked(name: str, value: str) -> str:
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, token = value.rpartition(" ")
    return f"{scheme + ' ' if scheme else ''}****{token[-4:] if len(token) > 12 else ''}"


def mask_text(text: str) -> str:
    """A body or query string with password, secret and token values replaced by ``****``."""
    text = _FORM_SECRET.sub(lambda m: m.group("key") + "****", text)
    return _XML_SECRET.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def excerpt(body: bytes) -> str:
    """The start of a body as text, secrets masked."""
    text = body[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return mask_text(text) + ("…" if len(body) > EXCERPT_BYTES else "")


def near_misses(method: str, path: str, routes: Iterable[tuple[str, frozenset[str]]],
                count: int = 3) -> tuple[str, ...]:
    """The emulated routes (``(rule, methods)``, rules in Flask's ``<name>`` notation) closest to
    a request nothing answered, best first, as ``"GET /services/data/<version>/sobjects"``."""
    asked = [part for part in path.split("/") if part]
    scored = []
    for rule, methods in routes:
        parts = [part for part in rule.split("/") if part]
        # A variable part matches whatever the request has in its place.
        filled = "/".join(asked[i] if part.startswith("<") and i < len(asked) else part
                          for i, part in enumerate(parts))
        score = SequenceMatcher(None, "/".join(asked), filled).ratio()
        score += 0.05 if method in methods else 0
        label = f"{'|'.join(sorted(methods - {'HEAD', 'OPTIONS'}))} {rule}"
        scored.append((score, label))
    scored.sort(key=lambda pair: -pair[0])
    return tuple(label for score, label in scored[:count] if score >= 0.5)
