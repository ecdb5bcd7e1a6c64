"""The syncer's connection to a Salesforce org: OAuth tokens, simple-salesforce, and one error
hierarchy that sync code branches on (auth / API budget / retriable / fatal).

Retries (tenacity) cover connection errors, timeouts, 406/420/429 and 5xx with exponential
backoff, five tries (rule 41). A 401 ``INVALID_SESSION_ID`` refreshes the access token once and
repeats the call (rule 42); a refresh answered ``invalid_grant`` is an :class:`AuthError`, which
puts the data source into *Needs attention*. API usage comes from ``Sforce-Limit-Info``, parsed
tolerantly (``api-usage=N/M`` possibly followed by ``; api-bursts=…``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as SSError
from tenacity import (retry, retry_if_exception_type, stop_after_attempt, wait_exponential)

API_VERSION = "59.0"
_USAGE = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")  # not per-app-api-usage
RETRIABLE_STATUS = {406, 420, 429, 500, 502, 503, 504}


class SyncError(Exception):
    """Base of the errors the sync loop handles."""


class AuthError(SyncError):
    """The org refused our credentials (expired or revoked refresh token, bad client).

    ``code`` is the OAuth ``error`` Salesforce answered (``invalid_grant``, ``invalid_client``,
    ``invalid_client_id`` …) when there was one: the CLI names the setting to fix by it.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class ApiLimitError(SyncError):
    """The org's API budget is spent (403 REQUEST_LIMIT_EXCEEDED, or our allocation is used)."""


class RetriableError(SyncError):
    """A transient failure that outlived its retries (5xx, 429, timeouts, connection errors)."""


class FatalError(SyncError):
    """A request Salesforce will never accept as sent (bad query, unknown field…)."""

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code


@dataclass
class Credentials:
    """What a data source needs to talk to its org (the refresh token never leaves this object)."""

    instance_url: str
    access_token: str | None = None
    refresh_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    login_url: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass
class Usage:
    """The last API usage the org reported."""

    used: int = 0
    limit: int = 0

    @property
    def fraction(self) -> float:
        """Share of the daily limit used (0 when unknown)."""
        return self.used / self.limit if self.limit else 0.0


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``(used, limit)`` from ``Sforce-Limit-Info``, ignoring anything else in the header."""
    match = _USAGE.search(header or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


class _TimeoutAdapter(HTTPAdapter):
    """Every request gets a timeout: a silent server must not hang a sync forever."""

    def __init__(self, timeout: float) -> None:
        super().__init__(pool_maxsize=4)
        self.timeout = timeout

    def send(self, request, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def make_session(verify: str | bool | None = None, timeout: float | None = None) -> requests.Session:
    """A requests session with timeouts (``SYNCER_HTTP_TIMEOUT`` seconds, default 60); ``verify``
    pins the CA (``REQUESTS_CA_BUNDLE`` otherwise)."""
    timeout = timeout or float(os.environ.get("SYNCER_HTTP_TIMEOUT", "60"))
    session = requests.Session()
    if verify is not None:
        # requests lets REQUESTS_CA_BUNDLE override session.verify unless trust_env is off.
        session.trust_env = False
        session.verify = verify
    adapter = _TimeoutAdapter(timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass
class SalesforceClient:
    """A connected org: queries as page generators, describes, DML, with tokens kept fresh."""

    credentials: Credentials
    session: requests.Session = field(default_factory=make_session)
    version: str = API_VERSION
    on_refresh_token: Callable[[str], None] | None = None
    usage: Usage = field(default_factory=Usage)
    server_time: datetime | None = None
    calls: int = 0
    _sf: Salesforce | None = None

    def __post_init__(self) -> None:
        self.session.hooks["response"].append(self._observe)

    # -- tokens -----------------------------------------------------------------------------
    def _observe(self, response: requests.Response, *args, **kwargs) -> None:
        if "/services/data/" in response.url:
            self.calls += 1
            parsed = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
            if parsed:
                self.usage = Usage(*parsed)
        if response.headers.get("Date"):
            try:
                self.server_time = parsedate_to_datetime(response.headers["Date"]).astimezone(timezone.utc)
            except (TypeError, ValueError):
                pass

    def _token_request(self, form: dict) -> dict:
        url = f"{(self.credentials.login_url or self.credentials.instance_url).rstrip('/')}/services/oauth2/token"
        try:
            response = self.session.post(url, data=form)
        except requests.RequestException as error:
            raise RetriableError(f"cannot reach Salesforce at {url}: {reason(error)}") from None
        body = _json(response)
        if response.status_code >= 500:
            raise RetriableError(f"token endpoint answered {response.status_code}")
        if response.status_code != 200:
            error = body.get("error", "error") if isinstance(body, dict) else "error"
            description = body.get("error_description", "") if isinstance(body, dict) else ""
            raise AuthError(f"{error}: {description}".strip(": "), error)
        return body

    def refresh(self) -> None:
        """Get a new access token (refresh-token grant, or password grant for the mock)."""
        creds = self.credentials
        if creds.refresh_token:
            body = self._token_request({"grant_type": "refresh_token", "refresh_token": creds.refresh_token,
                                        "client_id": creds.client_id or "",
                                        "client_secret": creds.client_secret or ""})
            rotated = body.get("refresh_token")
            if rotated and rotated != creds.refresh_token:
                creds.refresh_token = rotated
                if self.on_refresh_token:
                    self.on_refresh_token(rotated)
        elif creds.username and creds.password:
            body = self._token_request({"grant_type": "password", "username": creds.username,
                                        "password": creds.password, "client_id": creds.client_id or "",
                                        "client_secret": creds.client_secret or ""})
        else:
            raise AuthError("no refresh token or password to renew the session")
        creds.access_token = body["access_token"]
        creds.instance_url = body.get("instance_url", creds.instance_url).rstrip("/")
        self._sf = None

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce client on the current access token."""
        if self._sf is None:
            if not self.credentials.access_token:
                self.refresh()
            self._sf = Salesforce(instance_url=self.credentials.instance_url,
                                  session_id=self.credentials.access_token,
                                  session=self.session, version=self.version)
        return self._sf

    # -- calls ------------------------------------------------------------------------------
    @retry(retry=retry_if_exception_type(RetriableError), stop=stop_after_attempt(5),
           wait=wait_exponential(multiplier=0.2, max=5), reraise=True)
    def call(self, operation: Callable[[Salesforce], object]) -> object:
        """Run one API operation with retries, one token refresh on 401, and error mapping."""
        try:
            return self._once(operation)
        except _Expired:
            self.refresh()
            try:
                return self._once(operation)
            except _Expired:
                # A fresh token refused at once is a blip, not a revoked grant (the refresh itself
                # would have said invalid_grant): let the retry policy try again.
                raise RetriableError("session refused right after a refresh") from None

    def _once(self, operation):
        try:
            return operation(self.sf)
        except SSError as error:
            raise _classify(error) from None
        except (requests.ConnectionError, requests.Timeout) as error:
            raise RetriableError(f"cannot reach Salesforce at {self.credentials.instance_url}: "
                                 f"{reason(error)}") from None

    def query_pages(self, soql: str, include_deleted: bool = True) -> Iterator[list[dict]]:
        """Pages of records (``queryAll`` by default), following ``nextRecordsUrl``."""
        result = self.call(lambda sf: sf.query(soql, include_deleted=include_deleted))
        while True:
            yield [_strip(record) for record in result["records"]]
            if result.get("done", True) or not result.get("nextRecordsUrl"):
                return
            url = result["nextRecordsUrl"]
            result = self.call(lambda sf: sf.query_more(url, identifier_is_url=True,
                                                        include_deleted=include_deleted))

    def describe(self, sobject: str) -> dict:
        """An object's describe."""
        return self.call(lambda sf: getattr(sf, sobject).describe())

    def describe_global(self) -> dict:
        """The org's object list."""
        return self.call(lambda sf: sf.describe())

    def now(self) -> datetime:
        """Salesforce server time (from the ``Date`` header of a cheap call)."""
        self.call(lambda sf: sf.restful("limits"))
        if self.server_time is None:
            raise FatalError("the org sent no Date header")
        return self.server_time

    def count(self, soql: str) -> int:
        """The ``totalSize`` of a ``SELECT COUNT() …`` query (deleted records included)."""
        return self.call(lambda sf: sf.query(soql, include_deleted=True))["totalSize"]

    # -- Bulk API 2.0 query jobs (rule 43; see ``sync/bulk.py``) -----------------------------
    def bulk_create(self, soql: str, operation: str = "queryAll") -> str:
        """Create a query job; its id."""
        body = {"operation": operation, "query": soql, "contentType": "CSV",
                "columnDelimiter": "COMMA", "lineEnding": "LF"}
        return self.call(lambda sf: sf.restful("jobs/query", method="POST", json=body))["id"]

    def bulk_job(self, job_id: str) -> dict:
        """A query job's info (``state``, ``errorMessage``, ``numberRecordsProcessed``…)."""
        return self.call(lambda sf: sf.restful(f"jobs/query/{job_id}"))

    def bulk_results(self, job_id: str, locator: str | None, max_records: int) -> tuple[str, str | None]:
        """One page of a finished job's CSV and the locator of the next (None after the last)."""
        params = {"maxRecords": max_records, **({"locator": locator} if locator else {})}
        # Not ``restful``: that parses JSON, and results are CSV.
        response = self.call(lambda sf: sf._call_salesforce(
            "GET", f"{sf.base_url}jobs/query/{job_id}/results", name="jobs/query", params=params))
        following = response.headers.get("Sforce-Locator")
        # Salesforce's CSV is UTF-8; its Content-Type names no charset, which requests would read as Latin-1.
        return response.content.decode("utf-8"), None if following in (None, "", "null") else following

    def bulk_delete(self, job_id: str) -> None:
        """Delete a finished job and its results."""
        self.call(lambda sf: sf.restful(f"jobs/query/{job_id}", method="DELETE"))

    def collections(self, method: str, records: list[dict], all_or_none: bool = False) -> list[dict]:
        """sObject Collections create (POST) or update (PATCH), up to 200 records."""
        body = {"allOrNone": all_or_none, "records": records}
        return self.call(lambda sf: sf.restful("composite/sobjects", method=method, json=body))


class _Expired(Exception):
    """A 401 INVALID_SESSION_ID (internal: triggers one refresh)."""


def _classify(error: SSError) -> Exception:
    content = error.content if isinstance(error.content, list) else []
    code = content[0].get("errorCode") if content and isinstance(content[0], dict) else None
    message = content[0].get("message") if content and isinstance(content[0], dict) else str(error)
    if error.status == 401:
        return _Expired()
    if error.status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return ApiLimitError(message or "REQUEST_LIMIT_EXCEEDED")
    if error.status in RETRIABLE_STATUS:
        return RetriableError(f"HTTP {error.status} {code or ''}".strip())
    if error.status == 403:
        return AuthError(f"{code}: {message}")
    return FatalError(f"{code}: {message}", code)


def reason(error: requests.RequestException) -> str:
    """Why a request did not get an answer, in a few words (no chained tracebacks)."""
    if isinstance(error, requests.exceptions.SSLError):
        return "its TLS certificate is not trusted (set [source] ca_bundle to the CA that signed it)"
    if isinstance(error, requests.Timeout):
        return "timed out (SYNCER_HTTP_TIMEOUT)"
    return "connection refused or host not found" if isinstance(error, requests.ConnectionError) \
        else type(error).__name__


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return {}


def _strip(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "attributes"}
