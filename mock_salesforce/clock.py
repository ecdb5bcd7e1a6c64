"""The org's clock: one source of "now" for record stamps, token expiry and date literals.

In-process tests move it with freezegun (it reads ``datetime.now``); a running server moves it
through the control plane, which sets an offset added to the real time.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    """Wall-clock time plus a movable offset, always timezone-aware UTC."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The org's current time (UTC, millisecond precision like Salesforce)."""
        with self._lock:
            base = self._frozen if self._frozen is not None else datetime.now(timezone.utc)
            now = base + self._offset
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative number); ValueError past the
        calendar (every later request would fail to read the time)."""
        with self._lock:
            try:
                offset = self._offset + timedelta(seconds=seconds)
                base = self._frozen if self._frozen is not None else datetime.now(timezone.utc)
                base + offset + timedelta(days=3660)  # and room for the org to keep living
                base + offset - timedelta(days=3660)
            except (OverflowError, ValueError):
                raise ValueError(f"cannot move the clock by {seconds} seconds") from None
            self._offset = offset
        return self.now()

    def set(self, when: datetime, frozen: bool = False) -> datetime:
        """Jump to ``when``; with ``frozen`` the clock stays there until moved again."""
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        try:  # the org must be able to look ten years ahead and back (token lifetimes, SOQL)
            when + timedelta(days=3660)
            when - timedelta(days=3660)
        except OverflowError:
            raise ValueError(f"cannot set the clock to {when.isoformat()}") from None
        with self._lock:
            if frozen:
                self._frozen, self._offset = when, timedelta(0)
            else:
                self._frozen = None
                self._offset = when - datetime.now(timezone.utc)
        return self.now()

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset, self._frozen = timedelta(0), None

    def state(self) -> dict:
        """What the control plane reports."""
        return {"now": format_datetime(self.now()), "frozen": self._frozen is not None,
                "offsetSeconds": self._offset.total_seconds()}


def to_millis(value: datetime) -> int:
    """A datetime as integer milliseconds since the epoch (how the store keeps datetimes)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    """Inverse of :func:`to_millis`."""
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)


def format_datetime(value: datetime | int) -> str:
    """Salesforce's datetime wire format: ``2024-01-02T03:04:05.000+0000``."""
    if isinstance(value, int):
        value = from_millis(value)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """Parse the datetime forms clients send (``Z``, ``±HH:MM``, ``±HHMM``, 0–6 fraction digits)."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit() and ":" not in text[-5:]:
        text = text[:-2] + ":" + text[-2:]
    if "T" not in text and " " not in text:
        raise ValueError(f"not a datetime: {text!r}")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
