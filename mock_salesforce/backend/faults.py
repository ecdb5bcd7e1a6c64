"""Fault injection: the next N emulated-API requests (optionally matching a path) misbehave.

Kinds: ``401`` (INVALID_SESSION_ID), ``403`` (REQUEST_LIMIT_EXCEEDED), ``500``
(UNKNOWN_EXCEPTION), ``503`` (SERVER_UNAVAILABLE), ``query_timeout`` (400 QUERY_TIMEOUT) and
``delay`` (sleep, then answer normally — a client timeout shorter than the delay sees a timeout).
A fault with ``rate`` fires on that fraction of matching requests (seeded, so runs repeat) until
its ``count`` is used up.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from .. import errors

KINDS = ("401", "403", "500", "503", "query_timeout", "delay")


@dataclass
class Fault:
    """One armed fault."""

    kind: str
    count: int = 1
    path: str = ""
    delay: float = 0.0
    rate: float = 1.0
    seed: int = 0
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def to_dict(self) -> dict:
        """What the control plane reports."""
        return {"kind": self.kind, "count": self.count, "path": self.path, "delay": self.delay,
                "rate": self.rate, "fired": self.fired}


MAX_DELAY = 3600.0  # seconds: a delay fault stands for a slow server, not one that never answers


class FaultInjector:
    """The armed faults of a server; the API layer asks it before answering each request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def arm(self, kind: str, count: int = 1, path: str = "", delay: float = 0.0,
            rate: float = 1.0, seed: int = 0) -> Fault:
        """Add a fault; raises ValueError for an unknown kind or bad numbers."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if count < 1 or not 0 < rate <= 1 or not 0 <= delay <= MAX_DELAY:
            raise ValueError(f"count must be >= 1, rate in (0, 1], delay from 0 to {MAX_DELAY} s")
        fault = Fault(kind, count, path, delay, rate, seed)
        fault._random.seed(seed)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        """The armed faults."""
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def take(self, path: str) -> Fault | None:
        """The fault that applies to this request, if any (using up one of its count)."""
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path) or fault.path in path:
                    if fault.rate < 1 and fault._random.random() >= fault.rate:
                        continue
                    fault.fired += 1
                    if fault.fired >= fault.count:
                        self._faults.remove(fault)
                    return fault
        return None


def raise_for(fault: Fault) -> None:
    """Turn a fault into the error Salesforce would answer with (``delay`` raises nothing)."""
    if fault.kind == "401":
        raise errors.INVALID_SESSION_ID("Session expired or invalid")
    if fault.kind == "403":
        raise errors.REQUEST_LIMIT_EXCEEDED("TotalRequests Limit exceeded.")
    if fault.kind == "500":
        raise errors.UNKNOWN_EXCEPTION("An unexpected error occurred. Please include this ErrorId "
                                       "if you contact support: 1234567890-12345 (-1234567890)")
    if fault.kind == "503":
        raise errors.SERVER_UNAVAILABLE("Server temporarily unavailable")
    if fault.kind == "query_timeout":
        raise errors.QUERY_TIMEOUT("Your query request was running for too long.")
