"""Persistent identity state of the mock, in sqlmodel tables shared by all orgs of a server.

Secrets are never stored in clear: passwords and client secrets as salted PBKDF2 hashes, tokens
as SHA-256 digests (a token is a random string; the digest is its lookup key).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel


class OrgRecord(SQLModel, table=True):
    """An org: its id, the short key that prefixes its tables, and whether it is a sandbox."""

    __tablename__ = "mock_orgs"
    id: str = Field(primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    is_sandbox: bool = False
    instance_name: str = "MOCK1"
    id_seed: int = 0


class UserAccount(SQLModel, table=True):
    """A user who can log in (the matching User record lives in the org's User table)."""

    __tablename__ = "mock_users"
    id: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    username: str = Field(unique=True, index=True)
    password_hash: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    trusted_ip_ranges: list = Field(default_factory=list, sa_column=Column(JSON))


class ConnectedApp(SQLModel, table=True):
    """A connected app (OAuth client) of an org, with the policies Setup edits.

    Policy vocabulary, as Setup's "Edit Policies" page words it:
    - ``refresh_token_policy``: ``infinite`` (valid until revoked), ``zero`` (immediately
      expire), ``idle`` (expire if not used for N units), ``absolute`` (expire after N units);
      N is ``refresh_token_validity`` and the unit ``refresh_token_unit`` (minutes, hours,
      days, months);
    - ``ip_relaxation``: ``enforce``, ``enforce_except_refresh`` or ``relax``;
    - ``permitted_users``: ``all`` (all users may self-authorize) or ``admin_approved``
      (admin-approved users are pre-authorized: ``preauthorized_user_ids``);
    - ``session_timeout``: the access-token idle lifetime in seconds (0: the org default).
    """

    __tablename__ = "mock_connected_apps"
    id: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    name: str
    description: str = ""
    contact_email: str = ""
    client_id: str = Field(unique=True, index=True)
    client_secret_hash: str
    callback_urls: list = Field(default_factory=list, sa_column=Column(JSON))
    scopes: list = Field(default_factory=lambda: ["api", "refresh_token"], sa_column=Column(JSON))
    session_timeout: int = 7200
    refresh_token_policy: str = "infinite"
    refresh_token_validity: int = 0
    refresh_token_unit: str = "hours"
    # Salesforce's default for a new connected app is to enforce the user's IP restrictions.
    ip_relaxation: str = "enforce"
    permitted_users: str = "all"
    preauthorized_user_ids: list = Field(default_factory=list, sa_column=Column(JSON))
    installed: bool = False
    rotate_refresh_tokens: bool = False
    require_secret_web_server: bool = True
    require_secret_refresh: bool = True
    certificate_pem: str | None = None


class Token(SQLModel, table=True):
    """An issued access or refresh token, keyed by the digest of its value."""

    __tablename__ = "mock_tokens"
    digest: str = Field(primary_key=True)
    kind: str = Field(index=True)
    org_id: str = Field(index=True)
    user_id: str = Field(index=True)
    app_id: str | None = Field(default=None, index=True)
    refresh_digest: str | None = Field(default=None, index=True)
    scope: str = "api"
    issued_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    last_used_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    idle_timeout: int = 0
    revoked: bool = False


class AuthorizationCode(SQLModel, table=True):
    """A code of the web-server flow: single use, short-lived, bound to client, URI and PKCE."""

    __tablename__ = "mock_oauth_codes"
    digest: str = Field(primary_key=True)
    app_id: str = Field(index=True)
    org_id: str
    user_id: str
    redirect_uri: str
    code_challenge: str | None = None
    scope: str = "api"
    issued_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    expires_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    used: bool = False


class OAuthApproval(SQLModel, table=True):
    """A user's "Allow" for a connected app (what the JWT flow and a silent re-consent need)."""

    __tablename__ = "mock_oauth_approvals"
    app_id: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    scope: str = "api"
    approved_at: int = Field(sa_type=BigInteger)  # epoch milliseconds


class WebSession(SQLModel, table=True):
    """A browser session (the ``sid`` cookie): anonymous until the login form succeeds."""

    __tablename__ = "mock_web_sessions"
    digest: str = Field(primary_key=True)
    user_id: str | None = Field(default=None, index=True)
    org_id: str | None = None
    csrf_token: str
    created_at: int = Field(sa_type=BigInteger)  # epoch milliseconds
    last_used_at: int = Field(sa_type=BigInteger)  # epoch milliseconds


def digest(value: str) -> str:
    """The lookup key of a token."""
    return hashlib.sha256(value.encode()).hexdigest()


def hash_secret(secret: str) -> str:
    """A salted PBKDF2 hash of a password or client secret."""
    salt = secrets.token_hex(8)
    derived = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 10_000).hex()
    return f"{salt}${derived}"


def check_secret(secret: str, stored: str) -> bool:
    """Constant-time comparison of a secret with its stored hash."""
    salt, _, derived = stored.partition("$")
    candidate = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 10_000).hex()
    return hmac.compare_digest(candidate, derived)
