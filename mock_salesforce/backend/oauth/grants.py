"""The token endpoint's grants: who may have a token, and the response Salesforce sends.

Error codes and descriptions are Salesforce's own words; clients branch on some of them
(airbyte stops retrying on "expired access/refresh token").
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ...clock import from_millis
from ...errors import OAuthError
from . import hosts, policies
from .models import ConnectedApp, OAuthApproval, OrgRecord, Token, UserAccount, check_secret

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def invalid_client_id() -> OAuthError:
    return OAuthError("invalid_client_id", "client identifier invalid")


def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "invalid client credentials")


def authentication_failure() -> OAuthError:
    return OAuthError("invalid_grant", "authentication failure")


def expired_token() -> OAuthError:
    return OAuthError("invalid_grant", "expired access/refresh token")


def not_admin_approved() -> OAuthError:
    return OAuthError("invalid_app_access", "user is not admin approved to access this app")


def ip_restricted() -> OAuthError:
    return OAuthError("invalid_grant", "ip restricted")


@dataclass(frozen=True)
class LoginContext:
    """Where a login arrives: the URL the client used, its IP and the login host's kind."""

    base_url: str
    ip: str | None = None
    domain: str | None = None


class Grants:
    """Implements the OAuth grants against a registry (orgs, users, apps, tokens)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    # -- lookups -------------------------------------------------------------------------------
    def app(self, client_id: str | None) -> ConnectedApp:
        """The connected app with this consumer key, or ``invalid_client_id``."""
        with Session(self.registry.engine) as session:
            app = session.exec(select(ConnectedApp)
                               .where(ConnectedApp.client_id == (client_id or ""))).first()
            if app is None and self.any_credentials:
                app = session.exec(select(ConnectedApp).where(
                    ConnectedApp.client_id == self.registry.config.client_id)).first()
        if app is None:
            raise invalid_client_id()
        return app

    @property
    def any_credentials(self) -> bool:
        """moto-style leniency (``mock_salesforce.patch()``): any username, password, security
        token, client id and secret log in as the configured admin through the configured app.
        Not Salesforce behaviour: off unless asked for."""
        return self.registry.config.any_credentials

    def authenticate_client(self, client_id: str | None, secret: str | None,
                            required: bool = True) -> ConnectedApp:
        """The app, once its secret checks out (a secret sent is always checked)."""
        app = self.app(client_id)
        if self.any_credentials:
            return app
        if (required or secret) and (not secret or not check_secret(secret, app.client_secret_hash)):
            raise invalid_client()
        return app

    def find_user(self, username: str | None) -> UserAccount | None:
        """A login user by username (usernames are unique across orgs, as in Salesforce)."""
        with Session(self.registry.engine) as session:
            return session.exec(select(UserAccount)
                                .where(UserAccount.username == (username or ""))).first()

    def user_by_id(self, user_id: str) -> UserAccount | None:
        """A login user by id."""
        with Session(self.registry.engine) as session:
            return session.get(UserAccount, user_id)

    def user(self, username: str | None, password: str | None) -> UserAccount:
        """The user with these credentials, or ``invalid_grant`` / authentication failure."""
        user = self.find_user(username)
        if user is None or not password or not check_secret(password, user.password_hash):
            if self.any_credentials:
                admin = self.find_user(self.registry.config.username)
                if admin is not None:
                    return admin
            raise authentication_failure()
        return user

    def org_record(self, org_id: str) -> OrgRecord:
        """The org row (name, sandbox flag)."""
        with Session(self.registry.engine) as session:
            return session.get(OrgRecord, org_id)

    # -- admission -----------------------------------------------------------------------------
    def admits_host(self, user: UserAccount, ctx: LoginContext) -> bool:
        """Whether this login host takes this user (production users at login, sandbox at test)."""
        if self.any_credentials:
            return True
        return hosts.admits(ctx.domain, self.org_record(user.org_id).is_sandbox)

    def check_access(self, app: ConnectedApp, user: UserAccount, ctx: LoginContext,
                     grant: str) -> None:
        """The app's Permitted Users and IP Relaxation policies for this user and request."""
        if user.org_id != app.org_id:
            raise authentication_failure()
        if app.permitted_users == "admin_approved" and user.id not in app.preauthorized_user_ids:
            raise not_admin_approved()
        if policies.ip_enforced(app.ip_relaxation, grant) and \
                not policies.ip_in_ranges(ctx.ip, user.trusted_ip_ranges):
            raise ip_restricted()

    def approved(self, app: ConnectedApp, user: UserAccount) -> bool:
        """Whether the user may use the app without an Allow page (approved before, or admin)."""
        if app.permitted_users == "admin_approved":
            return user.id in app.preauthorized_user_ids
        with Session(self.registry.engine) as session:
            return session.get(OAuthApproval, (app.id, user.id)) is not None

    def refresh_expires_at(self, app: ConnectedApp, token: Token) -> datetime | None:
        """When the app's current Refresh Token Policy ends this refresh token (None: never)."""
        policy = policies.RefreshPolicy(app.refresh_token_policy, app.refresh_token_validity,
                                        app.refresh_token_unit)
        return policy.expires_at(from_millis(token.issued_at), from_millis(token.last_used_at))

    # -- grants --------------------------------------------------------------------------------
    def token(self, form: dict, ctx: LoginContext) -> dict:
        """Dispatch a token request on ``grant_type``."""
        from .codes import AuthorizationCodes
        from .jwt_bearer import jwt_bearer
        handlers = {"password": self.password, "client_credentials": self.client_credentials,
                    "refresh_token": self.refresh_token,
                    "authorization_code": AuthorizationCodes(self.registry).exchange,
                    JWT_BEARER: lambda f, c: jwt_bearer(self, f, c)}
        handler = handlers.get(form.get("grant_type", ""))
        if handler is None:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        return handler(form, ctx)

    def password(self, form: dict, ctx: LoginContext) -> dict:
        """``grant_type=password``: client credentials plus the user's password (+ token)."""
        app = self.authenticate_client(form.get("client_id"), form.get("client_secret"))
        user = self.user(form.get("username"), form.get("password"))
        if not self.admits_host(user, ctx):
            raise authentication_failure()
        self.check_access(app, user, ctx, "password")
        # Recorded password-grant answers (openstax's VCR cassettes) carry no ``scope``.
        return self.token_response(app, user, ctx, " ".join(app.scopes), scope_in_body=False)

    def client_credentials(self, form: dict, ctx: LoginContext) -> dict:
        """``grant_type=client_credentials``: the app acts as its run-as user (the org's first user)."""
        app = self.authenticate_client(form.get("client_id"), form.get("client_secret"))
        with Session(self.registry.engine) as session:
            user = session.exec(select(UserAccount).where(UserAccount.org_id == app.org_id)
                                .order_by(UserAccount.id)).first()
        if user is None:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        return self.token_response(app, user, ctx, " ".join(app.scopes))

    def refresh_token(self, form: dict, ctx: LoginContext) -> dict:
        """``grant_type=refresh_token``: a new access token while the refresh policy allows."""
        app = self.app(form.get("client_id"))
        self.authenticate_client(app.client_id, form.get("client_secret"),
                                 required=app.require_secret_refresh)
        token = self.registry.tokens.find_value(form.get("refresh_token"))
        if token is None and self.any_credentials:
            # patch(): connectors configured with a made-up refresh token log in as the admin.
            return self.token_response(app, self.user(None, None), ctx, " ".join(app.scopes))
        if token is None or token.kind != "refresh" or token.revoked or token.app_id != app.id:
            raise expired_token()
        if self.refresh_expires_at(app, token) is not None and \
                self.registry.clock.now() >= self.refresh_expires_at(app, token):
            raise expired_token()
        user = self.user_by_id(token.user_id)
        if user is None:
            raise expired_token()
        self.check_access(app, user, ctx, "refresh_token")
        tokens = self.registry.tokens
        tokens.mark_used(token.digest)
        if app.rotate_refresh_tokens:
            # Rotation: the used refresh token dies, a new one comes back with the access token.
            tokens.retire(token.digest)
            return self.token_response(app, user, ctx, token.scope, refresh=True)
        return self.token_response(app, user, ctx, token.scope, refresh_of=token)

    # -- the response --------------------------------------------------------------------------
    def token_response(self, app: ConnectedApp, user: UserAccount, ctx: LoginContext,
                       scope: str = "api", refresh: bool = False,
                       refresh_of: Token | None = None, scope_in_body: bool = True) -> dict:
        """Salesforce's token response: access token, instance and identity URLs, signature."""
        registry = self.registry
        tokens = registry.tokens
        refresh_value, parent = None, refresh_of.digest if refresh_of else None
        if refresh:
            refresh_value = tokens.issue_refresh(user.org_id, user.id, app.id, scope)
            parent = tokens.find_value(refresh_value).digest
        timeout = policies.session_timeout(app.session_timeout, registry.config.session_timeout)
        access = tokens.issue_access(user.org_id, user.id, app.id, timeout, scope, parent)
        issued_at = str(int(registry.clock.now().timestamp() * 1000))
        identity = f"{ctx.base_url}/id/{user.org_id}/{user.id}"
        # Salesforce signs id + issued_at with the client secret; we cannot recover the secret from
        # its hash, so we sign with the hash: clients only pass the signature along.
        mac = hmac.new(app.client_secret_hash.encode(), (identity + issued_at).encode(), hashlib.sha256)
        body = {"access_token": access}
        if refresh_value:
            body["refresh_token"] = refresh_value
        body["signature"] = base64.b64encode(mac.digest()).decode()
        if scope_in_body:
            body["scope"] = scope
        body.update({"instance_url": ctx.base_url, "id": identity, "token_type": "Bearer",
                     "issued_at": issued_at})
        return body
