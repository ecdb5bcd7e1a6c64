"""Issuing and checking tokens.

Access tokens follow the app's session timeout as Salesforce does: a session expires after that
much *inactivity*; using it more than halfway through the timeout extends it. Checked tokens are
cached in memory, so a data call costs no database round trip.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ... import errors
from ...clock import Clock, to_millis
from .models import Token, digest


@dataclass
class Principal:
    """Who a valid access token speaks for."""

    org_id: str
    user_id: str
    app_id: str | None
    scope: str


def _expired() -> errors.SalesforceError:
    return errors.INVALID_SESSION_ID("Session expired or invalid")


class TokenService:
    """Issues, checks and revokes access and refresh tokens."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._cache: dict[str, Token] = {}
        self._lock = threading.Lock()

    def _now(self) -> int:
        return to_millis(self.clock.now())

    def issue_access(self, org_id: str, user_id: str, app_id: str | None, timeout: int,
                     scope: str = "api", refresh_digest: str | None = None) -> str:
        """A new access token (``00D…!…`` like Salesforce's)."""
        value = f"{org_id[:15]}!{secrets.token_urlsafe(72)}"
        now = self._now()
        token = Token(digest=digest(value), kind="access", org_id=org_id, user_id=user_id,
                      app_id=app_id, refresh_digest=refresh_digest, scope=scope, issued_at=now,
                      last_used_at=now, idle_timeout=timeout)
        self._save(token)
        return value

    def issue_refresh(self, org_id: str, user_id: str, app_id: str | None,
                      scope: str = "api refresh_token", expires_at: int | None = None) -> str:
        """A new refresh token."""
        value = "5Aep861" + secrets.token_urlsafe(60)
        now = self._now()
        self._save(Token(digest=digest(value), kind="refresh", org_id=org_id, user_id=user_id,
                         app_id=app_id, scope=scope, issued_at=now, last_used_at=now,
                         expires_at=expires_at))
        return value

    def _save(self, token: Token) -> None:
        with Session(self.engine) as session:
            session.add(token)
            session.commit()
            session.refresh(token)
            session.expunge(token)
        if token.kind == "access":
            with self._lock:
                self._cache[token.digest] = token

    def check_access(self, value: str | None) -> Principal:
        """The principal of a live access token, or INVALID_SESSION_ID."""
        if not value:
            raise _expired()
        key = digest(value)
        with self._lock:
            token = self._cache.get(key)
        if token is None:
            token = self.find(key)
            if token is None or token.kind != "access":
                raise _expired()
            with self._lock:
                self._cache[key] = token
        now = self._now()
        timeout = token.idle_timeout * 1000
        if token.revoked or now - token.last_used_at >= timeout:
            raise _expired()
        if now - token.last_used_at > timeout / 2:
            token.last_used_at = now
            self._touch(token)
        return Principal(token.org_id, token.user_id, token.app_id, token.scope)

    def find(self, key: str) -> Token | None:
        """A token row by digest."""
        with Session(self.engine) as session:
            token = session.get(Token, key)
            if token is not None:
                session.expunge(token)
            return token

    def _touch(self, token: Token) -> None:
        with Session(self.engine) as session:
            row = session.get(Token, token.digest)
            if row is not None:
                row.last_used_at = token.last_used_at
                session.commit()

    def revoke(self, value: str) -> bool:
        """Revoke a token; revoking a refresh token also kills the access tokens it issued."""
        key = digest(value)
        with Session(self.engine) as session:
            token = session.get(Token, key)
            if token is None:
                return False
            token.revoked = True
            if token.kind == "refresh":
                for child in session.exec(select(Token).where(Token.refresh_digest == key)):
                    child.revoked = True
            session.commit()
        with self._lock:
            for cached in self._cache.values():
                if cached.digest == key or cached.refresh_digest == key:
                    cached.revoked = True
        return True

    def retire(self, key: str) -> None:
        """Revoke one refresh token but not the access tokens it issued (rotation)."""
        with Session(self.engine) as session:
            row = session.get(Token, key)
            if row is not None:
                row.revoked = True
                session.commit()

    def find_value(self, value: str | None) -> Token | None:
        """A token row by its value (None for an unknown or empty value)."""
        return self.find(digest(value)) if value else None

    def mark_used(self, key: str) -> None:
        """Record that a refresh token was just used (the idle refresh-token policy reads it)."""
        with Session(self.engine) as session:
            row = session.get(Token, key)
            if row is not None:
                row.last_used_at = self._now()
                session.commit()

    def alive(self, token: Token) -> bool:
        """Whether an access token is still live (not revoked, inside its idle timeout)."""
        if token.revoked:
            return False
        if token.kind != "access":
            return True
        return self._now() - token.last_used_at < token.idle_timeout * 1000

    def of_app(self, app_id: str, user_id: str | None = None) -> list[Token]:
        """The unrevoked tokens an app holds (for one user, or all)."""
        with Session(self.engine) as session:
            query = select(Token).where(Token.app_id == app_id, Token.revoked == False)  # noqa: E712
            if user_id:
                query = query.where(Token.user_id == user_id)
            rows = session.exec(query).all()
            for row in rows:
                session.expunge(row)
        return list(rows)

    def revoke_app(self, app_id: str, user_id: str | None = None) -> int:
        """Revoke every token of an app (for one user, or all); the number revoked."""
        keys = {token.digest for token in self.of_app(app_id, user_id)}
        with Session(self.engine) as session:
            for key in keys:
                row = session.get(Token, key)
                if row is not None:
                    row.revoked = True
            session.commit()
        with self._lock:
            for cached in self._cache.values():
                if cached.digest in keys:
                    cached.revoked = True
        return len(keys)

    def forget_cache(self) -> None:
        """Drop cached tokens (after a reset)."""
        with self._lock:
            self._cache.clear()
