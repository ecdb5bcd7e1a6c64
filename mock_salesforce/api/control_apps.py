"""Control plane for identity: orgs, users (and their IP ranges), connected apps and policies.

Same prefix and secret as ``control.py`` (``/_mock``, header ``X-Mock-Secret``). Settings use
the model's names (``refresh_token_policy``, ``ip_relaxation``…, see ``ConnectedApp``); users
may be named by username or id wherever ids are expected.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..backend.oauth.apps import AppAdmin
from ..errors import ControlError
from .common import registry
from . import control_input
from .control import org_for, require_secret

bp = Blueprint("control_apps", __name__, url_prefix="/_mock")
bp.before_request(require_secret)


TEXTS = ("name", "username", "password", "sandboxName", "firstName", "lastName", "client_id",
         "client_secret", "user")


def _body() -> dict:
    return control_input.texts(control_input.body(), *TEXTS)


def _admin() -> AppAdmin:
    return AppAdmin(registry())


def _app_json(app) -> dict:
    data = app.model_dump(exclude={"client_secret_hash", "certificate_pem"})
    data["has_certificate"] = bool(app.certificate_pem)
    return data


def _user_json(user) -> dict:
    return user.model_dump(exclude={"password_hash"})


def _apply(action, *args):
    """Run an admin action, turning its refusals into control-plane errors."""
    try:
        return action(*args)
    except KeyError as error:
        raise ControlError(f"not found: {error.args[0]}", 404) from None
    except (TypeError, ValueError) as error:
        raise ControlError(str(error)) from None


def _user_ids(changes: dict) -> dict:
    """``preauthorized_users`` given as usernames or ids become ``preauthorized_user_ids``."""
    names = changes.pop("preauthorized_users", None)
    if names is not None:
        changes["preauthorized_user_ids"] = [_apply(_admin().user, n).id for n in names]
    return changes


@bp.post("/orgs")
def create_org():
    """A new org: ``{"name", "username", "password", "sandbox": bool, "sandboxName"}``."""
    body = _body()
    for name in ("username", "password"):
        if not body.get(name):
            raise ControlError(f"{name} is required")
    org, username = _apply(lambda: _admin().create_org(
        body.get("name", "Mock Org"), body["username"], body["password"],
        bool(body.get("sandbox")), body.get("sandboxName")))
    return jsonify({"id": org.id, "key": org.key, "isSandbox": org.is_sandbox,
                    "username": username}), 201


@bp.post("/orgs/<key>/users")
def create_user(key: str):
    """A new user: ``{"username", "password", "firstName", "lastName", "trustedIpRanges"}``."""
    body = _body()
    for name in ("username", "password"):
        if not body.get(name):
            raise ControlError(f"{name} is required")
    user = _apply(lambda: _admin().create_user(
        org_for(key), body["username"], body["password"], body.get("firstName", "Integration"),
        body.get("lastName", "User"), body.get("trustedIpRanges")))
    return jsonify(_user_json(user)), 201


@bp.patch("/users/<username>")
def update_user(username: str):
    """Change a user's ``password`` or ``trusted_ip_ranges`` (``["10.0.0.0/8", "a-b"]``)."""
    user = _apply(_admin().update_user, username, _body())
    return jsonify(_user_json(user))


@bp.post("/orgs/<key>/apps")
def create_app(key: str):
    """A new connected app: ``{"name", "client_id", "client_secret", <settings>}``."""
    body = _user_ids(_body())
    name = body.pop("name", "Connected App")
    client_id, secret = body.pop("client_id", None), body.pop("client_secret", None)
    app, secret = _apply(lambda: _admin().create_app(org_for(key), name, client_id, secret, **body))
    return jsonify({**_app_json(app), "client_secret": secret}), 201


@bp.get("/apps/<client_id>")
def get_app(client_id: str):
    """An app and its policies (never its secret)."""
    return jsonify(_app_json(_apply(_admin().app, client_id)))


@bp.patch("/apps/<client_id>")
def update_app(client_id: str):
    """Change settings and policies: callback URLs, refresh policy, IP relaxation, users…"""
    body = _user_ids(_body())
    secret = body.pop("client_secret", None)
    app = _apply(_admin().update_app, client_id, body)
    if secret:
        _apply(_admin().set_secret, client_id, secret)
    return jsonify(_app_json(app))


@bp.put("/apps/<client_id>/certificate")
def upload_certificate(client_id: str):
    """Upload the X.509 certificate (PEM body) that verifies the app's JWT bearer assertions."""
    pem = request.get_data(as_text=True)
    return jsonify(_app_json(_apply(_admin().update_app, client_id, {"certificate_pem": pem})))


@bp.post("/apps/<client_id>/revoke")
def revoke(client_id: str):
    """Revoke the app's tokens and approvals (``{"user": username}`` for one user)."""
    user = _body().get("user")
    user_id = _apply(_admin().user, user).id if user else None
    return jsonify({"revoked": _apply(_admin().revoke, client_id, user_id)})
