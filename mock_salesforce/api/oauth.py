"""``/services/oauth2/token``: the grants that give a client its access token.

The full OAuth life cycle (authorization code, refresh tokens, policies, revoke, identity) builds
on this blueprint; the grants themselves live in ``backend/oauth``.
"""
from __future__ import annotations

import base64

from flask import Blueprint, jsonify, request

from ..errors import OAuthError
from .common import base_url, registry

bp = Blueprint("oauth", __name__, url_prefix="/services/oauth2")


def token_form() -> dict:
    """The form fields, with client credentials from HTTP Basic auth when sent that way."""
    form = request.form.to_dict()
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
        form.setdefault("client_id", client_id)
        form.setdefault("client_secret", secret)
    return form


@bp.post("/token")
def token():
    """Exchange credentials for an access token (Salesforce's response shape)."""
    form = token_form()
    grants = registry().grants
    handlers = {"password": grants.password, "client_credentials": grants.client_credentials}
    handler = handlers.get(form.get("grant_type", ""))
    if handler is None:
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    response = jsonify(handler(form, base_url()))
    response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
    return response
