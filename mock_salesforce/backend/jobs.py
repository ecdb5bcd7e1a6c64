"""The asynchronous jobs of one org (Bulk API 1.0 and 2.0, query and ingest) kept by id.

Salesforce keeps a job for seven days; the mock also keeps at most ``MAX_JOBS`` of a kind (and,
for query jobs, a budget of snapshot bytes), dropping the oldest first. Ids count up from a
random start, so the ids of different server runs do not meet. Thread-safe.
"""
from __future__ import annotations

import gc
import itertools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from . import ids

MAX_JOBS = 500
RETENTION = timedelta(days=7)  # Salesforce deletes jobs after 7 days


class _Job(Protocol):
    id: str
    created: datetime


J = TypeVar("J", bound=_Job)


class JobTable(Generic[J]):
    """Jobs by id, oldest first, dropped after ``RETENTION`` of the org clock or past the caps."""

    def __init__(self, size: Callable[[J], int] | None = None, max_bytes: int = 0,
                 dropped: Callable[[J], None] | None = None) -> None:
        """``dropped`` is told of each job removed or evicted (to stop what still works for it)."""
        self._jobs: OrderedDict[str, J] = OrderedDict()
        self._lock = threading.Lock()
        self._ids = itertools.count(secrets.randbelow(62 ** 6) + 1)
        self._size, self._max_bytes = size, max_bytes
        self._dropped = dropped

    def new_id(self, prefix: str = "750") -> str:
        """A fresh id with this key prefix (750 job, 751 batch, 752 result)."""
        return ids.make_id(prefix, next(self._ids))

    def add(self, job: J, now: datetime) -> J:
        """Keep a new job (and drop what is past retention or the caps)."""
        with self._lock:
            self._jobs[job.id] = job
            gone = self._evict(now)
        self._tell(gone)
        return job

    def find(self, job_id: str, now: datetime) -> J | None:
        """The job with this 15- or 18-character id, or None."""
        with self._lock:
            gone = self._evict(now)
            job = self._jobs.get(ids.to18(job_id) if ids.is_valid(job_id) else job_id)
        self._tell(gone)
        return job

    def all(self, now: datetime) -> list[J]:
        """Every job, oldest first."""
        with self._lock:
            gone = self._evict(now)
            jobs = list(self._jobs.values())
        self._tell(gone)
        return jobs

    def remove(self, job_id: str) -> None:
        """Forget a job."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
        self._tell([job] if job is not None else [])

    def _evict(self, now: datetime) -> list[J]:
        gone = [job for job in self._jobs.values() if now - job.created > RETENTION]
        for job in gone:
            del self._jobs[job.id]
        size = sum(map(self._size, self._jobs.values())) if self._size else 0
        while len(self._jobs) > 1 and (len(self._jobs) > MAX_JOBS or size > self._max_bytes > 0):
            _, oldest = self._jobs.popitem(last=False)
            size -= self._size(oldest) if self._size else 0
            gone.append(oldest)
        return gone

    def _tell(self, gone: list[J]) -> None:
        """Tell of the jobs dropped (outside the lock: what it stops may take locks of its own)."""
        if self._dropped is not None:
            for job in gone:
                self._dropped(job)


def external_id_field(sobject, name: str | None, error: Callable[[str], Exception]) -> str:
    """The field an upsert job matches on: an external id, an id-lookup field or ``Id``."""
    field = sobject.field(name) if name else None
    if field is None or not (field.external_id or field.id_lookup or field.type == "id"):
        raise error(f"Field name provided, {name} does not match an External ID, Salesforce Id, "
                    f"or indexed field for {sobject.name}")
    return field.name


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a job works through its rows.

    A large job keeps millions of objects alive (its parsed rows and their results); each full
    collection walks all of them, which cost a Bulk insert about a sixth of its time. A job
    makes little cyclic garbage, collected once the pause ends. Re-entrant and thread-safe:
    concurrent jobs share one pause, and a collector that was already disabled stays disabled.
    """
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()
