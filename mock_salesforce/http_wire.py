"""Cheroot's HTTP layer, adjusted where Salesforce's front door accepts what cheroot refuses.

A client that saved an instance URL with a trailing slash (``sf org login access-token`` saves
``https://host/``) requests ``//services/data/v59.0/...``. Cheroot parses ``//services`` as an
authority (absolute form) and answers 400 "Absolute URI not allowed" before the app runs; a
real org serves such a path as if it had one leading slash. So the request line's leading
slashes are collapsed to one before cheroot parses it. Nothing else of the line changes.
"""
from __future__ import annotations

import re

from cheroot import server

# "GET //services/... HTTP/1.1": a method, one space, then two or more slashes.
_LEADING_SLASHES = re.compile(rb"^([A-Za-z]+ )/{2,}")


class _RequestLineReader:
    """Reads the request line through ``rfile`` with its leading slashes collapsed."""

    def __init__(self, rfile) -> None:
        self._rfile = rfile

    def readline(self, *args):
        return _LEADING_SLASHES.sub(rb"\1/", self._rfile.readline(*args), count=1)

    def __getattr__(self, name):
        return getattr(self._rfile, name)


class SalesforceRequest(server.HTTPRequest):
    """An HTTP request whose target may start with ``//`` (collapsed to ``/``)."""

    def read_request_line(self):
        rfile = self.rfile
        self.rfile = _RequestLineReader(rfile)
        try:
            return super().read_request_line()
        finally:
            self.rfile = rfile


class SalesforceConnection(server.HTTPConnection):
    """An HTTP connection whose requests are :class:`SalesforceRequest`."""

    RequestHandlerClass = SalesforceRequest
