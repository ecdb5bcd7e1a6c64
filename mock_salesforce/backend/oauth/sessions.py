"""Browser sessions of the login form, the Allow page and Setup (the ``sid`` cookie).

A visitor gets an anonymous session whose CSRF token every form must send back; a successful
login replaces it with a new session (a fresh id, so a planted cookie cannot be promoted).
Sessions die after the org's session timeout without use, on the org clock.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from ...clock import Clock, to_millis
from .models import WebSession, digest


@dataclass
class Visitor:
    """Who a browser is: its session id (cookie value), CSRF token and user, if logged in."""

    sid: str
    csrf_token: str
    user_id: str | None = None
    org_id: str | None = None
    created: bool = False


class WebSessions:
    """Creates, finds, logs in and ends browser sessions."""

    def __init__(self, engine, clock: Clock, timeout_seconds: int) -> None:
        self.engine = engine
        self.clock = clock
        self.timeout = timeout_seconds

    def _now(self) -> int:
        return to_millis(self.clock.now())

    def visitor(self, sid: str | None) -> Visitor:
        """The session of this cookie value, or a new anonymous one."""
        if sid:
            with Session(self.engine) as session:
                row = session.get(WebSession, digest(sid))
                now = self._now()
                if row is not None and now - row.last_used_at < self.timeout * 1000:
                    row.last_used_at = now
                    session.commit()
                    return Visitor(sid, row.csrf_token, row.user_id, row.org_id)
        return self._create(None, None)

    def _create(self, user_id: str | None, org_id: str | None) -> Visitor:
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = self._now()
        with Session(self.engine) as session:
            session.add(WebSession(digest=digest(sid), user_id=user_id, org_id=org_id,
                                   csrf_token=csrf, created_at=now, last_used_at=now))
            session.commit()
        return Visitor(sid, csrf, user_id, org_id, created=True)

    def check_csrf(self, visitor: Visitor, sent: str | None) -> bool:
        """Constant-time check of the CSRF token a form sent back."""
        return bool(sent) and hmac.compare_digest(sent.encode(), visitor.csrf_token.encode())

    def log_in(self, visitor: Visitor, user_id: str, org_id: str) -> Visitor:
        """End the anonymous session and start a logged-in one under a new id."""
        self.end(visitor.sid)
        return self._create(user_id, org_id)

    def end(self, sid: str | None) -> None:
        """Forget a session (logout)."""
        if not sid:
            return
        with Session(self.engine) as session:
            row = session.get(WebSession, digest(sid))
            if row is not None:
                session.delete(row)
                session.commit()
