"""Paths of the REST data API: versions, resources, limits, sObjects, SOQL, replication,
sObject Collections."""
from __future__ import annotations

from .build import (ANY_OBJECT, BEARER, PUBLIC, SOBJECT, STRING, VERSION, json_body, ok, op,
                    path_param, query_param, ref)

D = "/services/data/{version}"
RECORD = {"type": "object", "additionalProperties": True,
          "description": "Field names and values (an attributes object is ignored)"}
RECORD_ID = path_param("record_id", {"type": "string", "pattern": "^[A-Za-z0-9]{15,18}$"},
                       "A 15- or 18-character record id")
FIELD = path_param("field_name", description="An external-id (or idLookup) field")
VALUE = path_param("value", description="The external id value")
FIELDS = query_param("fields", description="Comma-separated field names to return")
LOCATOR = path_param("locator", description="nextRecordsUrl's last part: <cursor>-<offset>")
SOQL = query_param("q", {"type": "string", "maxLength": 100_000,
                         "examples": ["SELECT Id, Name FROM Account", "SELECT COUNT() FROM Contact"]},
                   "A SOQL statement", required=True)
WINDOW = [query_param("start", {"type": "string", "format": "date-time"}, required=True),
          query_param("end", {"type": "string", "format": "date-time"}, required=True)]
COLLECTION = {"type": "object", "required": ["records"], "properties": {
    "allOrNone": {"type": "boolean"},
    "records": {"type": "array", "maxItems": 200, "items": {
        "type": "object", "additionalProperties": True, "properties": {
            "attributes": {"type": "object", "properties": {"type": STRING}}}}}}}
RESULTS = {"type": "array", "items": ref("schemas", "SaveResult")}
NO_CONTENT = {"204": {"description": "Done, no body"}}


def paths() -> dict:
    """The REST data API's paths."""
    v, s = [VERSION], [VERSION, SOBJECT]
    return {
        "/services/data": {"get": op("data", "API versions (no token needed)",
                                     ok("Versions", {"type": "array", "items": ANY_OBJECT}),
                                     security=PUBLIC)},
        D: {"get": op("data", "Resources of a version", ok("Resource URLs"), params=v,
                      security=BEARER)},
        f"{D}/limits": {"get": op("data", "Org limits (DailyApiRequests counts calls)",
                                  ok("Limits"), params=v, security=BEARER)},
        f"{D}/sobjects": {"get": op("data", "describeGlobal", ok("Every object"), params=v,
                                    security=BEARER)},
        f"{D}/sobjects/{{sobject}}": {
            "get": op("data", "An object's summary", ok("objectDescribe and recentItems"),
                      params=s, security=BEARER),
            "post": op("data", "Create a record", ok("Created", ref("schemas", "SaveResult"),
                                                     status="201"),
                       params=s, request=json_body(RECORD), security=BEARER)},
        f"{D}/sobjects/{{sobject}}/describe": {
            "get": op("data", "An object's describe", ok("Fields, child relationships, urls"),
                      params=s, security=BEARER)},
        f"{D}/sobjects/{{sobject}}/updated": {
            "get": op("data", "Ids changed in a window (replication)", ok("ids, latestDateCovered"),
                      params=s + WINDOW, security=BEARER)},
        f"{D}/sobjects/{{sobject}}/deleted": {
            "get": op("data", "Records deleted in a window (replication)",
                      ok("deletedRecords, earliest/latestDateCovered"), params=s + WINDOW,
                      security=BEARER)},
        f"{D}/sobjects/{{sobject}}/{{record_id}}": {
            "get": op("data", "Read a record", ok("The record"), params=s + [RECORD_ID, FIELDS],
                      security=BEARER),
            "patch": op("data", "Update a record", NO_CONTENT, params=s + [RECORD_ID],
                        request=json_body(RECORD), security=BEARER),
            "delete": op("data", "Delete a record (to the recycle bin)", NO_CONTENT,
                         params=s + [RECORD_ID], security=BEARER)},
        f"{D}/sobjects/{{sobject}}/{{field_name}}/{{value}}": {
            "get": op("data", "Read by external id (300 when several match)", ok("The record"),
                      params=s + [FIELD, VALUE, FIELDS], security=BEARER),
            "patch": op("data", "Upsert by external id: 201 created, 200 updated",
                        {**ok("Updated", ref("schemas", "SaveResult")),
                         **ok("Created", ref("schemas", "SaveResult"), status="201")},
                        params=s + [FIELD, VALUE], request=json_body(RECORD), security=BEARER),
            "delete": op("data", "Delete by external id", NO_CONTENT, params=s + [FIELD, VALUE],
                         security=BEARER)},
        **_query_paths(),
        **_composite_paths(),
    }


def _query_paths() -> dict:
    page = ok("A page of records", ref("schemas", "QueryResult"))
    return {
        f"{D}/query": {"get": op("data", "Run SOQL (live records)", page, params=[VERSION, SOQL],
                                 security=BEARER)},
        f"{D}/queryAll": {"get": op("data", "Run SOQL including deleted records", page,
                                    params=[VERSION, SOQL], security=BEARER)},
        f"{D}/query/{{locator}}": {"get": op("data", "The next page", page,
                                             params=[VERSION, LOCATOR], security=BEARER)},
        f"{D}/queryAll/{{locator}}": {"get": op("data", "The next page of a queryAll", page,
                                                params=[VERSION, LOCATOR], security=BEARER)},
    }


def _composite_paths() -> dict:
    c = f"{D}/composite/sobjects"
    results = ok("One result per record, in order", RESULTS)
    retrieve = {"type": "object", "required": ["ids", "fields"], "properties": {
        "ids": {"type": "array", "items": STRING, "maxItems": 2000},
        "fields": {"type": "array", "items": STRING}}}
    subrequest = {"type": "object", "required": ["method", "url", "referenceId"], "properties": {
        "method": {"enum": ["GET", "POST", "PATCH", "PUT", "DELETE"]},
        "url": {"type": "string", "description": "A data API URL; @{ref.field} refers to an earlier answer"},
        "referenceId": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,80}$"},
        "body": {"type": "object", "additionalProperties": True}}}
    composite = {"type": "object", "required": ["compositeRequest"], "properties": {
        "allOrNone": {"type": "boolean"},
        "compositeRequest": {"type": "array", "maxItems": 25, "items": subrequest}}}
    graphs = {"type": "object", "required": ["graphs"], "properties": {"graphs": {
        "type": "array", "items": {"type": "object", "required": ["graphId", "compositeRequest"],
                                   "properties": {"graphId": STRING,
                                                  "compositeRequest": composite["properties"]["compositeRequest"]}}}}}
    return {
        f"{D}/composite": {"post": op("composite", "Several REST calls in one request (references "
                                      "between them; allOrNone rolls back)",
                                      ok("compositeResponse: one answer per subrequest"),
                                      params=[VERSION], request=json_body(composite), security=BEARER)},
        f"{D}/composite/tree/{{sobject}}": {"post": op(
            "composite", "Create up to 200 records with their children, all or none (sObject Tree)",
            ok("hasErrors and results: referenceId and id of each record"), params=[VERSION, SOBJECT],
            request=json_body({"type": "object", "required": ["records"], "properties": {
                "records": {"type": "array", "maxItems": 200, "items": RECORD}}}),
            security=BEARER)},
        f"{D}/composite/graph": {"post": op("composite", "Graphs of subrequests, each all or none",
                                            ok("graphs: graphId, graphResponse, isSuccessful"),
                                            params=[VERSION], request=json_body(graphs),
                                            security=BEARER)},
        c: {"post": op("composite", "Create up to 200 records", results, params=[VERSION],
                       request=json_body(COLLECTION), security=BEARER),
            "patch": op("composite", "Update up to 200 records", results, params=[VERSION],
                        request=json_body(COLLECTION), security=BEARER),
            "delete": op("composite", "Delete up to 200 records", results,
                         params=[VERSION, query_param("ids", required=True),
                                 query_param("allOrNone", {"type": "boolean"})],
                         security=BEARER)},
        f"{c}/{{sobject}}": {
            "get": op("composite", "Retrieve records by ids", ok("Records (null where unknown)"),
                      params=[VERSION, SOBJECT, query_param("ids", required=True),
                              query_param("fields", required=True)], security=BEARER),
            "post": op("composite", "Retrieve records by ids (body)",
                       ok("Records (null where unknown)"), params=[VERSION, SOBJECT],
                       request=json_body(retrieve), security=BEARER)},
        f"{c}/{{sobject}}/{{field_name}}": {
            "patch": op("composite", "Upsert up to 200 records by an external-id field", results,
                        params=[VERSION, SOBJECT, FIELD], request=json_body(COLLECTION),
                        security=BEARER)},
    }
