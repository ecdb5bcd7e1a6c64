"""Daily API request and Bulk query job limits, counted per org over a rolling 24 hours on the
org clock."""
from __future__ import annotations

import threading
from collections import deque
from datetime import datetime

from .. import errors

DEFAULT_DAILY_LIMIT = 100_000
DAILY_BULK_V2_QUERY_JOBS = 10_000
DAILY_BULK_API_BATCHES = 15_000


class DailyCounter:
    """Counts events in hourly buckets over a rolling 24 hours, up to a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._buckets: deque[list[int]] = deque()  # [hour number, count]
        self._lock = threading.Lock()

    def _trim(self, hour: int) -> None:
        while self._buckets and self._buckets[0][0] <= hour - 24:
            self._buckets.popleft()

    def used(self, now: datetime) -> int:
        """Events counted in the 24 hours before ``now``."""
        hour = int(now.timestamp() // 3600)
        with self._lock:
            self._trim(hour)
            return sum(count for _, count in self._buckets)

    def take(self, now: datetime) -> int | None:
        """Count one event and return the usage; None (nothing counted) once the limit is used."""
        hour = int(now.timestamp() // 3600)
        with self._lock:
            self._trim(hour)
            used = sum(count for _, count in self._buckets)
            if used >= self.limit:
                return None
            if self._buckets and self._buckets[-1][0] == hour:
                self._buckets[-1][1] += 1
            else:
                self._buckets.append([hour, 1])
            return used + 1

    def hourly(self, now: datetime, hours: int = 24) -> list[int]:
        """Events per hour over the last ``hours`` hours, oldest first (this hour last)."""
        hour = int(now.timestamp() // 3600)
        with self._lock:
            counts = {number: count for number, count in self._buckets}
        return [counts.get(hour - back, 0) for back in range(hours - 1, -1, -1)]

    def set_used(self, now: datetime, used: int) -> None:
        """Pretend ``used`` events happened this hour (control plane)."""
        with self._lock:
            self._buckets.clear()
            if used:
                self._buckets.append([int(now.timestamp() // 3600), used])


class ApiUsage(DailyCounter):
    """API requests (past the limit: REQUEST_LIMIT_EXCEEDED), Bulk API 2.0 query jobs and
    Bulk API 1.0 batches."""

    def __init__(self, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        super().__init__(limit)
        self.bulk_query_jobs = DailyCounter(DAILY_BULK_V2_QUERY_JOBS)
        self.bulk_batches = DailyCounter(DAILY_BULK_API_BATCHES)

    def hit(self, now: datetime) -> int:
        """Count one request and return the usage, or raise when the limit is already used up."""
        used = self.take(now)
        if used is None:
            raise errors.REQUEST_LIMIT_EXCEEDED("TotalRequests Limit exceeded.")
        return used

    def header(self, now: datetime) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        return f"api-usage={self.used(now)}/{self.limit}"

    def limits_document(self, now: datetime) -> dict:
        """The body of ``/limits`` (the entries clients read, with realistic maxima)."""
        used = self.used(now)

        def entry(maximum: int, remaining: int | None = None) -> dict:
            return {"Max": maximum, "Remaining": maximum if remaining is None else remaining}

        return {
            "DailyApiRequests": entry(self.limit, max(self.limit - used, 0)),
            "DailyAsyncApexExecutions": entry(250000), "DailyBulkApiBatches": entry(
                self.bulk_batches.limit, max(self.bulk_batches.limit - self.bulk_batches.used(now), 0)),
            "DailyBulkV2QueryFileStorageMB": entry(976562), "DailyBulkV2QueryJobs": entry(
                self.bulk_query_jobs.limit,
                max(self.bulk_query_jobs.limit - self.bulk_query_jobs.used(now), 0)),
            "DailyDurableStreamingApiEvents": entry(10000), "DailyStreamingApiEvents": entry(10000),
            "DataStorageMB": entry(1024), "FileStorageMB": entry(1024),
            "HourlyODataCallout": entry(10000), "HourlyTimeBasedWorkflow": entry(50),
            "MassEmail": entry(10), "SingleEmail": entry(15),
            "ConcurrentAsyncGetReportInstances": entry(200), "ConcurrentSyncReportRuns": entry(20),
        }
