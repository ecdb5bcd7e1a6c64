"""Bulk API 1.0 JSON query results: REST-shaped records with datetimes as epoch milliseconds.

Real Bulk 1.0 JSON results write a datetime field as a number of milliseconds since the epoch
(``"CreatedDate": 1555416033000``) where the REST API writes ``2019-04-16T12:20:33.000+0000``.
Date fields keep their ``2019-04-16`` text (a guess: no recording of one was found).
"""
from __future__ import annotations

import json
from datetime import datetime

from .schema import SObjectDef

_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"


def epoch_record(record_json: str, schema) -> str:
    """One REST-shaped record (JSON text) with its datetimes, and its parents', as epoch ms."""
    record = json.loads(record_json)
    _convert(record, schema)
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _convert(record: dict, schema) -> None:
    sobject: SObjectDef | None = schema.get((record.get("attributes") or {}).get("type", ""))
    for key, value in record.items():
        if isinstance(value, dict) and "attributes" in value:
            _convert(value, schema)
        elif isinstance(value, str) and sobject is not None:
            field = sobject.field(key)
            if field is not None and field.type == "datetime":
                record[key] = int(datetime.strptime(value, _FORMAT).timestamp() * 1000)
