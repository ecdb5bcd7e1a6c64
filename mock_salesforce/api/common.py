"""What every blueprint needs: the caller's org and user, the API version, the JSON body."""
from __future__ import annotations

import re

from flask import current_app, g, request

from .. import errors
from ..backend import json_input
from ..backend.org import Org
from ..backend.registry import Registry

VERSION = re.compile(r"^v\d{2,3}\.\d$")


def registry() -> Registry:
    """The backend of the running app."""
    return current_app.extensions["mock_salesforce"]


def org() -> Org:
    """The org of the authenticated caller (set by the data API's before_request)."""
    return g.org


def user_id() -> str:
    """The authenticated user's id."""
    return g.principal.user_id


def version() -> str:
    """The ``vNN.N`` of the current request."""
    return g.version


def version_number() -> float:
    """The requested API version as a number (``v46.0`` → 46.0), for shapes that changed."""
    return float(g.version[1:])


def base_url() -> str:
    """Scheme and host the client used: Salesforce's instance URL as seen by this client."""
    return request.host_url.rstrip("/")


def json_body() -> object:
    """The request's JSON body, or JSON_PARSER_ERROR as Salesforce words it."""
    data = request.get_data(cache=True)
    if not data:
        raise errors.JSON_PARSER_ERROR("The request body is empty or missing")
    try:
        return json_input.loads(data)
    except json_input.BadJson as error:
        raise errors.JSON_PARSER_ERROR(str(error)) from None


def flag(name: str) -> bool:
    """A boolean query-string flag (``allOrNone=true``)."""
    return request.args.get(name, "false").lower() == "true"
