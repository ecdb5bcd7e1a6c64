"""Small builders shared by the path modules: parameters, bodies, responses, components."""
from __future__ import annotations

from ..api.data import VERSIONS

COMMON_OBJECTS = ["Account", "Contact", "Lead", "Opportunity", "Case", "Task", "Event", "User",
                  "Campaign", "CampaignMember"]
STRING = {"type": "string"}
ANY_OBJECT = {"type": "object", "additionalProperties": True}


def ref(kind: str, name: str) -> dict:
    """A ``$ref`` to a component."""
    return {"$ref": f"#/components/{kind}/{name}"}


def path_param(name: str, schema: dict | None = None, description: str = "") -> dict:
    """A required path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": schema or STRING,
            **({"description": description} if description else {})}


def query_param(name: str, schema: dict | None = None, description: str = "",
                required: bool = False) -> dict:
    """A query-string parameter."""
    return {"name": name, "in": "query", "required": required, "schema": schema or STRING,
            **({"description": description} if description else {})}


VERSION = path_param("version", {"type": "string", "enum": [f"v{n}" for _, n in VERSIONS]},
                     "API version (any vNN.N is accepted; these are listed by /services/data)")
ASYNC_VERSION = path_param("version", {"type": "string", "enum": [n for _, n in VERSIONS]},
                           "API version without the v")
SOBJECT = path_param("sobject", {"anyOf": [{"type": "string", "enum": COMMON_OBJECTS},
                                           {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}]},
                     "An object's API name")


def json_body(schema: dict, required: bool = True) -> dict:
    """A JSON request body."""
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def body(content: dict[str, dict], required: bool = True) -> dict:
    """A request body in several media types."""
    return {"required": required, "content": {t: {"schema": s} for t, s in content.items()}}


def ok(description: str, schema: dict | None = None, media: str = "application/json",
       status: str = "200") -> dict:
    """A success response."""
    content = {media: {"schema": schema or ANY_OBJECT}} if schema is not False else None
    return {status: {"description": description, **({"content": content} if content else {})}}


def op(tag: str, summary: str, responses: dict, *, params: list | None = None,
       request: dict | None = None, errors: str = "RestError", security: list | None = None) -> dict:
    """One operation; ``errors`` names the family's error response for 4xx/5xx."""
    operation = {"tags": [tag], "summary": summary, "responses": {
        **responses, "4XX": ref("responses", errors), "5XX": ref("responses", errors)}}
    if params:
        operation["parameters"] = params
    if request:
        operation["requestBody"] = request
    if security is not None:
        operation["security"] = security
    return operation


BEARER = [{"bearer": []}]
SESSION = [{"sfdcSession": []}]
CONTROL = [{"mockSecret": []}]
PUBLIC: list = []

REST_ERROR = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["message", "errorCode"],
    "properties": {"message": STRING, "errorCode": STRING,
                   "fields": {"type": "array", "items": STRING}}}}
OAUTH_ERROR = {"type": "object", "required": ["error", "error_description"],
               "properties": {"error": STRING, "error_description": STRING}}
ASYNC_ERROR = {"type": "object", "required": ["exceptionCode", "exceptionMessage"],
               "properties": {"exceptionCode": STRING, "exceptionMessage": STRING}}
CONTROL_ERROR = {"type": "object", "required": ["error"], "properties": {"error": STRING}}
SAVE_RESULT = {"type": "object", "required": ["id", "success", "errors"], "properties": {
    "id": {"type": ["string", "null"]}, "success": {"type": "boolean"},
    "errors": {"type": "array", "items": ANY_OBJECT}, "created": {"type": "boolean"}}}
QUERY_RESULT = {"type": "object", "required": ["totalSize", "done", "records"], "properties": {
    "totalSize": {"type": "integer"}, "done": {"type": "boolean"},
    "nextRecordsUrl": STRING, "records": {"type": "array", "items": ANY_OBJECT}}}

COMPONENTS = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "An access token from /services/oauth2/token (or a SOAP session id)"},
        "sfdcSession": {"type": "apiKey", "in": "header", "name": "X-SFDC-Session",
                        "description": "Bulk API 1.0's session header"},
        "mockSecret": {"type": "apiKey", "in": "header", "name": "X-Mock-Secret",
                       "description": "The control secret the server was started with"}},
    "schemas": {"RestError": REST_ERROR, "OAuthError": OAUTH_ERROR, "AsyncError": ASYNC_ERROR,
                "ControlError": CONTROL_ERROR, "SaveResult": SAVE_RESULT,
                "QueryResult": QUERY_RESULT},
    "responses": {
        "RestError": {"description": 'REST error envelope: [{"message", "errorCode", "fields"}]',
                      "content": {"application/json": {"schema": ref("schemas", "RestError")}}},
        "OAuthError": {"description": 'OAuth error: {"error", "error_description"}',
                       "content": {"application/json": {"schema": ref("schemas", "OAuthError")}}},
        "AsyncError": {"description": "Bulk API 1.0 error: exceptionCode and exceptionMessage",
                       "content": {"application/json": {"schema": ref("schemas", "AsyncError")},
                                   "application/xml": {"schema": STRING}}},
        "ControlError": {"description": 'Control-plane error: {"error"}',
                         "content": {"application/json": {"schema": ref("schemas", "ControlError")}}},
        "SoapFault": {"description": "A SOAP fault (LoginFault, UnexpectedErrorFault…)",
                      "content": {"text/xml": {"schema": STRING}}},
        "HtmlError": {"description": "An HTML error page or a redirect",
                      "content": {"text/html": {"schema": STRING}}}},
}
