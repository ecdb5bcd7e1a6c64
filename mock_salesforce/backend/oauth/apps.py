"""Administering connected apps, users and orgs: what Setup and the control plane change.

Every change is validated here (``ValueError`` with a message fit for a form or a control-plane
answer), so the browser pages and the control plane cannot disagree on what is allowed.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlmodel import Session, delete, select

from . import policies
from .jwt_bearer import public_key_of
from .models import ConnectedApp, OAuthApproval, UserAccount, hash_secret

POLICY_FIELDS = {"refresh_token_policy", "refresh_token_validity", "refresh_token_unit",
                 "ip_relaxation", "permitted_users", "session_timeout", "rotate_refresh_tokens",
                 "require_secret_web_server", "require_secret_refresh"}
APP_FIELDS = POLICY_FIELDS | {"name", "description", "contact_email", "callback_urls", "scopes",
                              "installed", "preauthorized_user_ids", "certificate_pem"}
SCOPES = ("api", "refresh_token", "offline_access", "web", "full", "id", "openid", "profile",
          "email", "address", "phone", "chatter_api", "visualforce", "custom_permissions")


@dataclass
class UserUsage:
    """One user's live tokens for an app (a row of "Connected App User's Usage")."""

    user: UserAccount
    access_tokens: int = 0
    refresh_tokens: int = 0
    last_used_at: int = 0


@dataclass
class AppUsage:
    """One app's row of "Connected Apps OAuth Usage"."""

    app: ConnectedApp
    users: list[UserUsage] = field(default_factory=list)

    @property
    def access_tokens(self) -> int:
        """Live access tokens over all users."""
        return sum(u.access_tokens for u in self.users)

    @property
    def refresh_tokens(self) -> int:
        """Live refresh tokens over all users."""
        return sum(u.refresh_tokens for u in self.users)


def _validated(app: ConnectedApp, changes: dict) -> dict:
    """Check a change set against the app as it would be after it."""
    unknown = set(changes) - APP_FIELDS
    if unknown:
        raise ValueError(f"unknown app settings: {', '.join(sorted(unknown))}")
    merged = {name: changes.get(name, getattr(app, name)) for name in APP_FIELDS}
    policies.RefreshPolicy(merged["refresh_token_policy"], int(merged["refresh_token_validity"]),
                           merged["refresh_token_unit"])
    if merged["ip_relaxation"] not in policies.IP_RELAXATIONS:
        raise ValueError(f"IP relaxation must be one of {', '.join(policies.IP_RELAXATIONS)}")
    if merged["permitted_users"] not in policies.PERMITTED_USERS:
        raise ValueError(f"permitted users must be one of {', '.join(policies.PERMITTED_USERS)}")
    if int(merged["session_timeout"]) < 0:
        raise ValueError("session timeout must not be negative")
    urls = merged["callback_urls"]
    if not isinstance(urls, list) or not all(isinstance(u, str) and "://" in u for u in urls):
        raise ValueError("callback URLs must be a list of absolute URLs")
    if not isinstance(merged["scopes"], list) or set(merged["scopes"]) - set(SCOPES):
        raise ValueError(f"scopes must be a list out of {', '.join(SCOPES)}")
    users = merged["preauthorized_user_ids"]
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise ValueError("pre-authorized users must be a list of user ids")
    if merged["certificate_pem"]:
        try:
            public_key_of(merged["certificate_pem"])
        except ValueError:
            raise ValueError("certificate must be a PEM X.509 certificate") from None
    if "refresh_token_validity" in changes:
        changes["refresh_token_validity"] = int(changes["refresh_token_validity"])
    if "session_timeout" in changes:
        changes["session_timeout"] = int(changes["session_timeout"])
    return changes


class AppAdmin:
    """Connected apps, their policies and usage; users and their IP ranges; new orgs."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def app(self, client_id_or_id: str, org_id: str | None = None) -> ConnectedApp:
        """An app by consumer key or record id (KeyError when there is none)."""
        with Session(self.registry.engine) as session:
            app = session.get(ConnectedApp, client_id_or_id) or session.exec(
                select(ConnectedApp).where(ConnectedApp.client_id == client_id_or_id)).first()
        if app is None or (org_id and app.org_id != org_id):
            raise KeyError(client_id_or_id)
        return app

    def create_app(self, org, name: str, client_id: str | None = None,
                   client_secret: str | None = None, **settings) -> tuple[ConnectedApp, str]:
        """A new app (key and secret generated when not given) and its consumer secret."""
        client_id = client_id or "3MVG9" + secrets.token_urlsafe(60).replace("-", "A")
        secret = client_secret or secrets.token_hex(32).upper()
        with Session(self.registry.engine) as session:
            if session.exec(select(ConnectedApp).where(ConnectedApp.client_id == client_id)).first():
                raise ValueError(f"consumer key {client_id} is taken")
        app = self.registry.add_app(org, name, client_id, secret,
                                    list(settings.pop("callback_urls", [])))
        return (self.update_app(app.id, settings) if settings else app), secret

    def update_app(self, client_id_or_id: str, changes: dict, org_id: str | None = None) -> ConnectedApp:
        """Apply policy and setting changes (validated as a whole first)."""
        app = self.app(client_id_or_id, org_id)
        changes = _validated(app, dict(changes))
        with Session(self.registry.engine) as session:
            row = session.get(ConnectedApp, app.id)
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def set_secret(self, client_id: str, secret: str) -> None:
        """Replace an app's consumer secret."""
        app = self.app(client_id)
        with Session(self.registry.engine) as session:
            row = session.get(ConnectedApp, app.id)
            row.client_secret_hash = hash_secret(secret)
            session.commit()

    def usage(self, org_id: str) -> list[AppUsage]:
        """Every app of the org with its users' live tokens."""
        tokens = self.registry.tokens
        rows = []
        for app in self.registry.apps(org_id):
            users: dict[str, UserUsage] = {}
            now = self.registry.clock.now()
            for token in tokens.of_app(app.id):
                expires = self.registry.grants.refresh_expires_at(app, token) \
                    if token.kind == "refresh" else None
                if not tokens.alive(token) or (expires is not None and now >= expires):
                    continue
                user = self.registry.grants.user_by_id(token.user_id)
                if user is None:
                    continue
                usage = users.setdefault(user.id, UserUsage(user))
                if token.kind == "access":
                    usage.access_tokens += 1
                else:
                    usage.refresh_tokens += 1
                usage.last_used_at = max(usage.last_used_at, token.last_used_at)
            rows.append(AppUsage(app, sorted(users.values(), key=lambda u: u.user.username)))
        return rows

    def revoke(self, client_id_or_id: str, user_id: str | None = None,
               org_id: str | None = None) -> int:
        """Revoke an app's tokens and approvals (one user's, or everyone's)."""
        app = self.app(client_id_or_id, org_id)
        with Session(self.registry.engine) as session:
            query = delete(OAuthApproval).where(OAuthApproval.app_id == app.id)
            if user_id:
                query = query.where(OAuthApproval.user_id == user_id)
            session.exec(query)
            session.commit()
        return self.registry.tokens.revoke_app(app.id, user_id)

    # -- users ---------------------------------------------------------------------------------
    def user(self, username_or_id: str, org_id: str | None = None) -> UserAccount:
        """A user by username or id (KeyError when there is none)."""
        grants = self.registry.grants
        user = grants.user_by_id(username_or_id) or grants.find_user(username_or_id)
        if user is None or (org_id and user.org_id != org_id):
            raise KeyError(username_or_id)
        return user

    def users(self, org_id: str) -> list[UserAccount]:
        """The org's users, by username."""
        with Session(self.registry.engine) as session:
            rows = session.exec(select(UserAccount).where(UserAccount.org_id == org_id)
                                .order_by(UserAccount.username)).all()
            for row in rows:
                session.expunge(row)
        return list(rows)

    def create_user(self, org, username: str, password: str, first_name: str = "Integration",
                    last_name: str = "User", trusted_ip_ranges: list | None = None) -> UserAccount:
        """A new user of the org (usernames are unique across orgs)."""
        if self.registry.grants.find_user(username) is not None:
            raise ValueError(f"username {username} is taken")
        ranges = policies.parse_ranges(trusted_ip_ranges or [])
        user_id = self.registry.add_user(org, username, password, first_name, last_name)
        return self.update_user(user_id, {"trusted_ip_ranges": ranges}) if ranges else self.user(user_id)

    def update_user(self, username_or_id: str, changes: dict) -> UserAccount:
        """Change a user's password or trusted IP ranges."""
        user = self.user(username_or_id)
        unknown = set(changes) - {"password", "trusted_ip_ranges"}
        if unknown:
            raise ValueError(f"unknown user settings: {', '.join(sorted(unknown))}")
        with Session(self.registry.engine) as session:
            row = session.get(UserAccount, user.id)
            if "trusted_ip_ranges" in changes:
                row.trusted_ip_ranges = policies.parse_ranges(changes["trusted_ip_ranges"] or [])
            if changes.get("password"):
                row.password_hash = hash_secret(str(changes["password"]))
            session.add(row)
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def create_org(self, name: str, username: str, password: str, sandbox: bool = False,
                   sandbox_name: str | None = None):
        """A production org, or a sandbox whose usernames carry ``.{sandbox_name}``; and its admin."""
        if sandbox:
            suffix = "." + (sandbox_name or "sandbox").lower()
            username = username if username.endswith(suffix) else username + suffix
        if self.registry.grants.find_user(username) is not None:
            raise ValueError(f"username {username} is taken")
        org = self.registry.create_org(name, sandbox=sandbox, username=username, password=password)
        return org, username
