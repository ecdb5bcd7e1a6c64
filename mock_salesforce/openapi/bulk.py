"""Paths of Bulk API 2.0 (``/jobs/query``, ``/jobs/ingest``) and Bulk API 1.0 (``/services/async``)."""
from __future__ import annotations

from .build import (ASYNC_VERSION, BEARER, SESSION, STRING, VERSION, body, json_body, ok, op,
                    path_param, query_param)

J = "/services/data/{version}/jobs"
A = "/services/async/{version}/job"
FORMAT = {"contentType": {"type": "string", "enum": ["CSV"]},
          "columnDelimiter": {"type": "string", "enum": ["BACKQUOTE", "CARET", "COMMA", "PIPE",
                                                         "SEMICOLON", "TAB"]},
          "lineEnding": {"type": "string", "enum": ["LF", "CRLF"]}}
QUERY_JOB = {"type": "object", "required": ["operation", "query"], "properties": {
    "operation": {"type": "string", "enum": ["query", "queryAll"]},
    "query": {"type": "string", "examples": ["SELECT Id, Name FROM Account"]}, **FORMAT}}
INGEST_JOB = {"type": "object", "required": ["operation", "object"], "properties": {
    "operation": {"type": "string", "enum": ["insert", "update", "upsert", "delete", "hardDelete"]},
    "object": {"type": "string", "examples": ["Contact"]}, "externalIdFieldName": STRING,
    **FORMAT}}
STATE = {"type": "object", "required": ["state"], "properties": {"state": STRING}}
JOB_ID = path_param("job_id", {"type": "string", "pattern": "^750[A-Za-z0-9]{12,15}$"})
BATCH_ID = path_param("batch_id", {"type": "string", "pattern": "^751[A-Za-z0-9]{12,15}$"})
CSV = {"text/csv": STRING}
ASYNC = {"errors": "AsyncError", "security": SESSION}
JOB_INFO_XML = {"type": "string", "description": "<jobInfo xmlns=\"http://www.force.com/2009/06/"
                "asyncapi/dataload\"><operation>…</operation><object>…</object>…</jobInfo>"}
JOB_INFO = {"application/xml": JOB_INFO_XML, "application/json": {
    "type": "object", "properties": {"operation": STRING, "object": STRING,
                                     "contentType": STRING, "externalIdFieldName": STRING,
                                     "concurrencyMode": STRING, "state": STRING}}}


def paths() -> dict:
    """Bulk API 2.0 and 1.0 paths."""
    return {**_bulk2(), **_bulk1()}


def _bulk2() -> dict:
    v, vj = [VERSION], [VERSION, JOB_ID]
    info = ok("The job's info")
    listing = ok("done, records, nextRecordsUrl")
    return {
        f"{J}/query": {
            "post": op("bulk2", "Create a query job", info, params=v, request=json_body(QUERY_JOB),
                       security=BEARER),
            "get": op("bulk2", "List query jobs", listing, params=v, security=BEARER)},
        f"{J}/query/{{job_id}}": {
            "get": op("bulk2", "A query job's info", info, params=vj, security=BEARER),
            "patch": op("bulk2", "Abort a query job", info, params=vj, request=json_body(STATE),
                        security=BEARER),
            "delete": op("bulk2", "Delete a query job", {"204": {"description": "Deleted"}},
                         params=vj, security=BEARER)},
        f"{J}/query/{{job_id}}/results": {
            "get": op("bulk2", "A page of results as CSV (Sforce-Locator header for the next)",
                      ok("CSV", STRING, "text/csv"),
                      params=vj + [query_param("locator"),
                                   query_param("maxRecords", {"type": "integer", "minimum": 1})],
                      security=BEARER)},
        f"{J}/ingest": {
            "post": op("bulk2", "Create an ingest job", info, params=v,
                       request=json_body(INGEST_JOB), security=BEARER),
            "get": op("bulk2", "List ingest jobs", listing,
                      params=v + [query_param("jobType")], security=BEARER)},
        f"{J}/ingest/{{job_id}}": {
            "get": op("bulk2", "An ingest job's info", info, params=vj, security=BEARER),
            "patch": op("bulk2", "UploadComplete or Aborted", info, params=vj,
                        request=json_body(STATE), security=BEARER),
            "delete": op("bulk2", "Delete an ingest job", {"204": {"description": "Deleted"}},
                         params=vj, security=BEARER)},
        f"{J}/ingest/{{job_id}}/batches": {
            "put": op("bulk2", "Upload CSV rows", {"201": {"description": "Accepted"}}, params=vj,
                      request=body(CSV), security=BEARER)},
        f"{J}/ingest/{{job_id}}/{{kind}}": {
            "get": op("bulk2", "Row results as CSV", ok("CSV", STRING, "text/csv"),
                      params=vj + [path_param("kind", {"type": "string", "enum": [
                          "successfulResults", "failedResults", "unprocessedrecords"]})],
                      security=BEARER)},
    }


def _bulk1() -> dict:
    v, vj, vb = [ASYNC_VERSION], [ASYNC_VERSION, JOB_ID], [ASYNC_VERSION, JOB_ID, BATCH_ID]
    info = {"200": {"description": "jobInfo / batchInfo (XML, or JSON for JSON jobs)",
                    "content": {"application/xml": {"schema": STRING},
                                "application/json": {"schema": {"type": "object"}}}}}
    return {
        A: {"post": op("bulk1", "Create a job from a jobInfo", {"201": info["200"]}, params=v,
                       request=body(JOB_INFO), **ASYNC)},
        f"{A}/{{job_id}}": {
            "get": op("bulk1", "A job's info", info, params=vj, **ASYNC),
            "post": op("bulk1", "Close or abort a job (<state>)", info, params=vj,
                       request=body(JOB_INFO), **ASYNC)},
        f"{A}/{{job_id}}/batch": {
            "post": op("bulk1", "Add a batch: a SOQL query, or CSV / JSON / XML records",
                       {"201": info["200"]}, params=vj,
                       request=body({"text/csv": STRING, "application/json": {"type": "array"},
                                     "application/xml": STRING}), **ASYNC),
            "get": op("bulk1", "Every batch (batchInfoList)", info, params=vj, **ASYNC)},
        f"{A}/{{job_id}}/batch/{{batch_id}}": {
            "get": op("bulk1", "A batch's state", info, params=vb, **ASYNC)},
        f"{A}/{{job_id}}/batch/{{batch_id}}/request": {
            "get": op("bulk1", "The batch as it was sent", ok("The batch", STRING, "text/csv"),
                      params=vb, **ASYNC)},
        f"{A}/{{job_id}}/batch/{{batch_id}}/result": {
            "get": op("bulk1", "Result ids of a query batch; row results of an ingest batch",
                      info, params=vb, **ASYNC)},
        f"{A}/{{job_id}}/batch/{{batch_id}}/result/{{result_id}}": {
            "get": op("bulk1", "One result file (CSV, or JSON for JSON jobs)",
                      ok("Records", STRING, "text/csv"),
                      params=vb + [path_param("result_id")], **ASYNC)},
    }
