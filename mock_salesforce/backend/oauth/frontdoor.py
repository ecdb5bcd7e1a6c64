"""Bridging an API session into the browser: ``singleaccess`` one-time passwords.

``GET|POST /services/oauth2/singleaccess`` (Bearer) answers ``{"frontdoor_uri": …}``, a
``/secur/frontdoor.jsp?otp=…`` URL that logs its first visitor in as the token's user
(``sf org open`` builds its URL this way). An OTP works once and only for a short while; the
mock keeps it 5 minutes on the org clock (a guess: Salesforce documents it only as short-lived)
and in memory, so a restart forgets the unused ones.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from ...clock import Clock, to_millis
from .models import digest

OTP_LIFETIME_MS = 5 * 60 * 1000


@dataclass(frozen=True)
class Pass:
    """Whom an OTP logs in, and where it goes then (a local path, or None)."""

    user_id: str
    org_id: str
    start: str | None
    issued_at: int


class FrontDoor:
    """Issues and redeems single-use front-door passwords."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._passes: dict[str, Pass] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, org_id: str, start: str | None = None) -> str:
        """A new OTP for this user (the caller has checked the token)."""
        otp = secrets.token_urlsafe(32)
        now = to_millis(self.clock.now())
        with self._lock:
            self._passes = {k: p for k, p in self._passes.items()
                            if now - p.issued_at < OTP_LIFETIME_MS}
            self._passes[digest(otp)] = Pass(user_id, org_id, start, now)
        return otp

    def redeem(self, otp: str | None) -> Pass | None:
        """The pass of a live, unused OTP (it is used up), or None."""
        if not otp:
            return None
        with self._lock:
            found = self._passes.pop(digest(otp), None)
        if found is None or to_millis(self.clock.now()) - found.issued_at >= OTP_LIFETIME_MS:
            return None
        return found

    def clear(self) -> None:
        """Forget every pass (the registry's reset)."""
        with self._lock:
            self._passes.clear()
