"""The OpenAPI description stays true: every Flask route is in it, every path in it is a route."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

METHODS = {"get", "post", "put", "patch", "delete"}


def _flask_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return routes


def test_served_without_the_control_secret(client):
    response = client.get("/_mock/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"] == "3.1.0"


def test_every_route_is_described_and_every_description_is_a_route(client, app):
    described = {(path, method) for path, item in client.get("/_mock/openapi.json").json["paths"].items()
                 for method in item if method in METHODS}
    routes = _flask_routes(app)
    assert sorted(routes - described) == [], "routes missing from the OpenAPI description"
    assert sorted(described - routes) == [], "described paths that are not routes"


def test_path_parameters_match_the_template(client):
    for path, item in client.get("/_mock/openapi.json").json["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, f"{method.upper()} {path}"


def test_every_operation_names_its_error_envelope(client):
    document = client.get("/_mock/openapi.json").json
    for path, item in document["paths"].items():
        for method, operation in item.items():
            error = operation["responses"]["4XX"]["$ref"].rsplit("/", 1)[-1]
            assert error in document["components"]["responses"], f"{method.upper()} {path}"
            family = "OAuthError" if path == "/services/oauth2/token" else \
                "AsyncError" if path.startswith("/services/async") else \
                "HtmlError" if path.startswith("/_mock/console") else \
                "ControlError" if path.startswith("/_mock") else \
                "RestError" if path.startswith("/services/data") else error
            assert error == family, f"{method.upper()} {path}"


def test_the_document_is_valid_openapi_3_1(client):
    validate(client.get("/_mock/openapi.json").json)
