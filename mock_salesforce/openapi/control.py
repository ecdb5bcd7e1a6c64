"""Paths of the control plane (``/_mock``): reset, orgs, users, apps, records, clock, faults…"""
from __future__ import annotations

from .build import ANY_OBJECT, CONTROL, PUBLIC, STRING, json_body, ok, op, path_param

M = "/_mock"
KEY = path_param("key", {"anyOf": [{"type": "string", "enum": ["default", "org1"]}, STRING]},
                 "An org's key or id (default: the first org)")
OBJECT = path_param("sobject", {"type": "string", "examples": ["Contact", "Account"]})
CLIENT = path_param("client_id")
IDS = {"type": "object", "required": ["ids"], "properties": {"ids": {"type": "array",
                                                                     "items": STRING}}}
RECORDS = {"type": "object", "required": ["records"], "properties": {
    "records": {"type": "array", "items": ANY_OBJECT}, "userId": STRING}}
CTL = {"errors": "ControlError", "security": CONTROL}
DONE = ok("Done")
CREATED = ok("Created", status="201")


def _post(summary: str, schema: dict | None, params: list | None = None,
          responses: dict | None = None) -> dict:
    return {"post": op("control", summary, responses or DONE, params=params,
                       request=json_body(schema, required=False) if schema else None, **CTL)}


def paths() -> dict:
    """Control-plane paths (and this document's own)."""
    k = [KEY]
    return {
        f"{M}/openapi.json": {"get": op("control", "This OpenAPI description (no secret needed)",
                                        ok("OpenAPI 3.1"), errors="ControlError",
                                        security=PUBLIC)},
        f"{M}/reset": _post("Drop everything and rebuild the orgs", None),
        f"{M}/orgs": {"get": op("control", "The orgs, their users and apps", ok("Orgs"), **CTL),
                      **_post("A new org", {"type": "object", "required": ["username", "password"],
                                            "properties": {"name": STRING, "username": STRING,
                                                           "password": STRING,
                                                           "sandbox": {"type": "boolean"},
                                                           "sandboxName": STRING}},
                              responses=CREATED)},
        f"{M}/orgs/{{key}}/users": _post("A new user", {
            "type": "object", "required": ["username", "password"], "properties": {
                "username": STRING, "password": STRING, "firstName": STRING, "lastName": STRING,
                "trustedIpRanges": {"type": "array", "items": STRING}}}, k, CREATED),
        f"{M}/orgs/{{key}}/apps": _post("A new connected app", ANY_OBJECT, k, CREATED),
        f"{M}/orgs/{{key}}/records/{{sobject}}": _post(
            "Insert records (audit fields allowed)", RECORDS, [KEY, OBJECT], CREATED),
        f"{M}/orgs/{{key}}/fields/{{sobject}}": _post(
            "Add a custom field (a describe fields[] entry)", ANY_OBJECT, [KEY, OBJECT], CREATED),
        f"{M}/orgs/{{key}}/objects": _post("Add a custom object from a describe document",
                                           ANY_OBJECT, k, CREATED),
        f"{M}/orgs/{{key}}/calculated/{{sobject}}": _post(
            "New values of calculated fields", RECORDS, [KEY, OBJECT]),
        f"{M}/orgs/{{key}}/convert-lead": _post("Convert a lead", {
            "type": "object", "required": ["leadId"], "properties": {
                "leadId": STRING, "accountId": STRING}}, k, CREATED),
        f"{M}/orgs/{{key}}/usage": _post("Set API usage", {"type": "object", "properties": {
            "used": {"type": "integer", "minimum": 0}, "limit": {"type": "integer"}}}, k),
        f"{M}/orgs/{{key}}/ids": _post("Seed record ids (never colliding with existing ones)", {
            "type": "object", "properties": {"start": {"type": "integer", "minimum": 0}}}, k),
        f"{M}/orgs/{{key}}/undelete": _post("Restore records from the recycle bin", IDS, k),
        f"{M}/orgs/{{key}}/purge": _post("Remove records for good", IDS, k),
        f"{M}/users/{{username}}": {"patch": op(
            "control", "Change a user's password or trusted IP ranges", DONE,
            params=[path_param("username")], request=json_body(ANY_OBJECT), **CTL)},
        f"{M}/apps/{{client_id}}": {
            "get": op("control", "An app and its policies", ok("The app"), params=[CLIENT], **CTL),
            "patch": op("control", "Change an app's settings and policies", ok("The app"),
                        params=[CLIENT], request=json_body(ANY_OBJECT), **CTL)},
        f"{M}/apps/{{client_id}}/certificate": {"put": op(
            "control", "Upload the app's X.509 certificate (PEM)", DONE, params=[CLIENT],
            request={"required": True, "content": {"application/x-pem-file": {"schema": STRING},
                                                   "text/plain": {"schema": STRING}}}, **CTL)},
        f"{M}/apps/{{client_id}}/revoke": _post("Revoke an app's tokens and approvals",
                                                {"type": "object", "properties": {"user": STRING}},
                                                [CLIENT]),
        f"{M}/clock": {"get": op("control", "The org clock", ok("Clock state"), **CTL),
                       **_post("Move the clock: advance, set (frozen) or reset", {
                           "type": "object", "properties": {
                               "advance": {"type": "number"}, "set": STRING,
                               "frozen": {"type": "boolean"}, "reset": {"type": "boolean"}}})},
        f"{M}/faults": {"get": op("control", "Armed faults", ok("Faults"), **CTL),
                        "delete": op("control", "Clear faults", ok("Faults"), **CTL),
                        **_post("Arm a fault", {"type": "object", "properties": {
                            "kind": STRING, "count": {"type": "integer"}, "path": STRING,
                            "delay": {"type": "number"}, "rate": {"type": "number"},
                            "seed": {"type": "integer"}}})},
    }
