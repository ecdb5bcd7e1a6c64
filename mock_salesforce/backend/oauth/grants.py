"""The token endpoint's grants: who may have a token, and the response Salesforce sends."""
from __future__ import annotations

import base64
import hashlib
import hmac

from sqlmodel import Session, select

from ...errors import OAuthError
from .models import ConnectedApp, UserAccount, check_secret


def invalid_client_id() -> OAuthError:
    return OAuthError("invalid_client_id", "client identifier invalid")


def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "invalid client credentials")


def authentication_failure() -> OAuthError:
    return OAuthError("invalid_grant", "authentication failure")


class Grants:
    """Implements the OAuth grants against a registry (orgs, users, apps, tokens)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def _app(self, client_id: str | None) -> ConnectedApp:
        if not client_id:
            raise invalid_client_id()
        with Session(self.registry.engine) as session:
            app = session.exec(select(ConnectedApp).where(ConnectedApp.client_id == client_id)).first()
        if app is None:
            raise invalid_client_id()
        return app

    def _authenticate_client(self, client_id: str | None, secret: str | None) -> ConnectedApp:
        app = self._app(client_id)
        if not secret or not check_secret(secret, app.client_secret_hash):
            raise invalid_client()
        return app

    def user(self, username: str | None, password: str | None) -> UserAccount:
        """The user with these credentials, or ``invalid_grant`` / authentication failure."""
        with Session(self.registry.engine) as session:
            user = session.exec(select(UserAccount)
                                .where(UserAccount.username == (username or ""))).first()
        if user is None or not password or not check_secret(password, user.password_hash):
            raise authentication_failure()
        return user

    def password(self, form: dict, base_url: str) -> dict:
        """``grant_type=password``: client credentials plus the user's password (+ token)."""
        app = self._authenticate_client(form.get("client_id"), form.get("client_secret"))
        user = self.user(form.get("username"), form.get("password"))
        if user.org_id != app.org_id:
            raise authentication_failure()
        return self.token_response(app, user.org_id, user.id, base_url)

    def client_credentials(self, form: dict, base_url: str) -> dict:
        """``grant_type=client_credentials``: the app acts as its run-as user (the org's first user)."""
        app = self._authenticate_client(form.get("client_id"), form.get("client_secret"))
        with Session(self.registry.engine) as session:
            user = session.exec(select(UserAccount).where(UserAccount.org_id == app.org_id)
                                .order_by(UserAccount.id)).first()
        if user is None:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        return self.token_response(app, app.org_id, user.id, base_url)

    def token_response(self, app: ConnectedApp, org_id: str, user_id: str, base_url: str,
                       scope: str = "api") -> dict:
        """Salesforce's token response: access token, instance and identity URLs, signature."""
        registry = self.registry
        access = registry.tokens.issue_access(org_id, user_id, app.id, app.session_timeout, scope)
        issued_at = str(int(registry.clock.now().timestamp() * 1000))
        identity = f"{base_url}/id/{org_id}/{user_id}"
        # Salesforce signs id + issued_at with the client secret; we cannot recover the secret from
        # its hash, so we sign with the hash: clients only pass the signature along.
        mac = hmac.new(app.client_secret_hash.encode(), (identity + issued_at).encode(), hashlib.sha256)
        body = {"access_token": access, "instance_url": base_url,
                "id": identity, "token_type": "Bearer", "issued_at": issued_at,
                "signature": base64.b64encode(mac.digest()).decode(), "scope": scope}
        return body
