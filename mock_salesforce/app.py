"""``create_app(config)``: the Flask app of a mock org, the same in-process, threaded or from the CLI.

Errors are rendered here, in one place: Salesforce errors as the REST envelope
``[{"message", "errorCode", "fields"}]``, OAuth errors as ``{"error", "error_description"}``,
unknown routes as Salesforce's ``NOT_FOUND``; anything unexpected as ``UNKNOWN_EXCEPTION`` (never a
traceback). Under ``/services/async`` (Bulk API 1.0) every error takes that API's own shape instead:
``<error><exceptionCode>…`` (JSON ``{"exceptionCode", "exceptionMessage"}`` for JSON requests).
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from . import errors
from .backend import json_input
from .backend.registry import Registry
from .config import MockConfig

log = logging.getLogger("mock_salesforce")


class _JSONProvider(DefaultJSONProvider):
    """``request.get_json()`` through the mock's one JSON reader (deep nesting and lone
    surrogates are bad JSON, a ``ValueError``, instead of a crash further on)."""

    def loads(self, s, **kwargs):
        return json_input.loads(s)


def create_app(config: MockConfig | None = None, registry: Registry | None = None) -> Flask:
    """Build the app (and its backend, unless one is given)."""
    app = Flask(__name__)
    app.json = _JSONProvider(app)
    app.json.sort_keys = False
    # Real orgs answer ``application/json;charset=UTF-8`` (recorded by every source).
    app.json.mimetype = "application/json;charset=UTF-8"
    app.json.compact = True
    app.url_map.strict_slashes = False
    backend = registry or Registry(config or MockConfig())
    app.extensions["mock_salesforce"] = backend
    app.config["MOCK_CONFIG"] = backend.config

    from .api import blueprints, data, journal
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    journal.install(app)
    app.before_request(data.before_data_request)
    app.after_request(data.limit_header)
    app.after_request(_no_content_has_no_type)
    _register_error_handlers(app)
    return app


def _no_content_has_no_type(response):
    """A 204 carries no body and so no Content-Type, as real orgs answer."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def _is_async() -> bool:
    return request.path.startswith("/services/async/")


def _register_error_handlers(app: Flask) -> None:
    from .api import bulk1_wire

    @app.errorhandler(errors.AsyncApiError)
    def async_api_error(error: errors.AsyncApiError):
        return bulk1_wire.error_response(error)

    @app.errorhandler(errors.SalesforceError)
    def salesforce_error(error: errors.SalesforceError):
        if _is_async():  # auth, limits and faults raised on a Bulk API 1.0 call
            return bulk1_wire.error_response(errors.async_error(error))
        headers = {"WWW-Authenticate": "Token"} if error.status == 401 else {}
        return jsonify([error.to_dict()]), error.status, headers

    @app.errorhandler(errors.MultipleChoices)
    def multiple_choices(error: errors.MultipleChoices):
        version = (request.view_args or {}).get("version", "v59.0")
        return jsonify([f"/services/data/{version}/sobjects/{error.sobject}/{record_id}"
                        for record_id in error.ids]), 300

    @app.errorhandler(errors.OAuthError)
    def oauth_error(error: errors.OAuthError):
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(errors.ControlError)
    def control_error(error: errors.ControlError):
        return jsonify({"error": error.message}), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _is_async():
            return bulk1_wire.error_response(errors.InvalidUrl(
                f"{request.method} {request.path}: {error.name}", status=error.code or 400))
        if error.code == 405 and request.path.startswith("/services/oauth2/"):
            # OAuth endpoints answer a wrong method in OAuth's shape (wording as recalled from
            # Salesforce's token endpoint; not a recorded response).
            return jsonify(errors.OAuthError("invalid_request", "must use HTTP POST").to_dict()), 400
        if error.code == 405:
            allowed = ",".join(sorted(m for m in (error.valid_methods or []) if m not in ("HEAD", "OPTIONS")))
            body = errors.METHOD_NOT_ALLOWED(
                f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}")
        elif error.code == 404:
            body = errors.NOT_FOUND("The requested resource does not exist")
        else:
            body = errors.SalesforceError(error.description or error.name, status=error.code,
                                          error_code="INVALID_INPUT" if error.code == 400
                                          else "UNKNOWN_EXCEPTION")
        return jsonify([body.to_dict()]), body.status

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        if _is_async():
            return bulk1_wire.error_response(errors.Unknown("An unexpected error occurred"))
        body = errors.UNKNOWN_EXCEPTION("An unexpected error occurred. Please include this ErrorId "
                                        "if you contact support: mock-salesforce")
        return jsonify([body.to_dict()]), 500
