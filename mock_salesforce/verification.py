"""Verification in Python: what a test's code asked an org, and assertions over it.

``salesforce_org.requests(method="GET", path=r"/services/data/v\\d+\\.\\d/query.*")`` returns the
journal's typed entries (:class:`~mock_salesforce.backend.journal.Entry`), oldest first;
``salesforce_org.assert_requested("GET", r".*/query", times=2)`` fails with the list of what was
requested instead. Both read the in-process server's journal directly (the HTTP form is
``GET /_mock/orgs/{org}/requests``).
"""
from __future__ import annotations

from datetime import datetime

from .backend.journal import Entry
from .backend.org import Org

SHOWN = 20  # requests listed in a failure message


def requests_made(org: Org, method: str | None = None, path: str | None = None,
                  status: str | int | None = None, since: datetime | int | None = None) -> list[Entry]:
    """The org's journal entries that pass the filters (see ``Journal.entries``)."""
    return org.journal.entries(method, path, status, since)


def assert_requested(org: Org, method: str, path: str, times: int | None = None, *,
                     at_least: int | None = None, at_most: int | None = None,
                     status: str | int | None = None, since: datetime | int | None = None) -> list[Entry]:
    """Assert how often ``method`` ``path`` (a regular expression over the whole path) was
    requested: exactly ``times``, or between ``at_least`` and ``at_most``; with none of them, at
    least once. Returns the matching entries; the failure lists what was requested instead."""
    found = requests_made(org, method, path, status, since)
    low = times if times is not None else (at_least if at_least is not None else 1)
    high = times if times is not None else at_most
    if len(found) >= low and (high is None or len(found) <= high):
        return found
    wanted = (f"{times} time{'s' * (times != 1)}" if times is not None
              else f"at least {low}" + (f" and at most {high}" if high is not None else ""))
    made = org.journal.entries(since=since)
    lines = [f"  #{entry.id} {entry.line()}" for entry in made[-SHOWN:]]
    if len(made) > SHOWN:
        lines.insert(0, f"  … {len(made) - SHOWN} earlier")
    near = [miss for entry in made if entry.near_misses for miss in entry.near_misses]
    message = [f"expected {method.upper()} {path}{f' → {status}' if status else ''} {wanted}, "
               f"got {len(found)}.",
               "Requested instead:" if made else "Nothing was requested.", *lines]
    if near:
        message.append("Routes the mock emulates near the unknown ones: " + ", ".join(dict.fromkeys(near)))
    raise AssertionError("\n".join(message))
