"""sObject Collections: create, update, delete and retrieve up to 200 records in one call.

With ``allOrNone`` a single failure rolls the whole call back: failing records carry their own
errors and every other record ``ALL_OR_NONE_OPERATION_ROLLED_BACK``. Without it, valid records
are written and invalid ones reported, each in its own position of the result list.
"""
from __future__ import annotations

from .. import errors
from . import dml, ids
from .dml import Result

MAX_RECORDS = 200


def _rolled_back() -> errors.SalesforceError:
    return errors.ALL_OR_NONE_OPERATION_ROLLED_BACK(
        "Record rolled back because not all records were valid and the request was using AllOrNone "
        "header")


def _limit(items: list) -> None:
    if len(items) > MAX_RECORDS:
        raise errors.EXCEEDED_ID_LIMIT(f"record limit reached. cannot submit more than "
                                       f"{MAX_RECORDS} records into this call")


def _finish(results: list[Result], all_or_none: bool) -> list[Result]:
    if all_or_none and not all(r.success for r in results):
        return [r if not r.success else Result(None, False, [_rolled_back()]) for r in results]
    return results


def _sobject_of(org, record: object):
    if not isinstance(record, dict):
        raise errors.JSON_PARSER_ERROR("Each record must be a JSON object")
    attributes = record.get("attributes") or {}
    if not isinstance(attributes, dict) or not attributes.get("type"):
        raise errors.INVALID_INPUT("Each record must have attributes.type")
    if not isinstance(attributes["type"], str):
        # Salesforce's reader takes a number or boolean as its text (no such object, then);
        # an array or object in a text property is a parser error.
        if isinstance(attributes["type"], (dict, list)):
            raise errors.JSON_PARSER_ERROR("Cannot deserialize instance of `java.lang.String` "
                                           "out of START_ARRAY token", ["type"])
        return org.sobject(str(attributes["type"]).lower()
                           if isinstance(attributes["type"], bool) else str(attributes["type"]))
    return org.sobject(attributes["type"])


def _run(org, items: list, check, write, all_or_none: bool, failed_id=lambda item: None) -> list[Result]:
    """Check every item (collecting its errors), then write the valid ones in one transaction —
    or none at all when ``allOrNone`` is set and one failed."""
    _limit(items)
    planned: list = []
    results: list[Result] = []
    with org.store.write_lock:
        for item in items:
            try:
                plan, result_id = check(item)
                planned.append(plan)
                results.append(Result(result_id, True, []))
            except errors.SalesforceError as error:
                results.append(Result(failed_id(item), False, [_entity(error)]))
        results = _finish(results, all_or_none)
        if planned and (not all_or_none or all(r.success for r in results)):
            with org.store.engine.begin() as conn:
                for plan in planned:
                    write(plan, conn)
    return results


def create_many(org, records: list, all_or_none: bool, user_id: str) -> list[Result]:
    """Insert records of any types (``attributes.type``)."""
    def check(record):
        sobject = _sobject_of(org, record)
        if "id" in {k.lower() for k in record}:
            raise errors.INVALID_FIELD_FOR_INSERT_UPDATE("cannot specify Id in an insert call", ["Id"])
        row = dml.prepare(org, sobject, record, creating=True, user_id=user_id)
        return (sobject, row), row["Id"]

    return _run(org, records, check, lambda plan, conn: org.store.insert_many(plan[0], [plan[1]], conn),
                all_or_none)


def update_many(org, records: list, all_or_none: bool, user_id: str) -> list[Result]:
    """Update records identified by their ``id``."""
    def check(record):
        sobject = _sobject_of(org, record)
        record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
        if not record_id:
            raise errors.MISSING_ARGUMENT("Id not specified in an update call")
        existing = dml.lookup(org, sobject, str(record_id))
        body = {k: v for k, v in record.items() if k.lower() != "id"}
        row = dml.prepare(org, sobject, body, creating=False, user_id=user_id, existing=existing)
        return (sobject, existing["Id"], row), existing["Id"]

    def failed_id(record):
        value = record.get("id") if isinstance(record, dict) else None
        return value if isinstance(value, str) else None

    return _run(org, records, check, lambda plan, conn: org.store.update(*plan, conn), all_or_none,
                failed_id)


def delete_many(org, record_ids: list[str], all_or_none: bool) -> list[Result]:
    """Delete records of any types, found by their key prefix."""
    def check(record_id):
        if not ids.is_valid(record_id):
            raise errors.MALFORMED_ID(f"malformed id {record_id}")
        sobject = org.schema.by_prefix(ids.prefix_of(record_id))
        if sobject is None:
            raise errors.INVALID_CROSS_REFERENCE_KEY("invalid cross reference id")
        existing = dml.lookup(org, sobject, record_id)
        return (sobject, existing["Id"]), existing["Id"]

    def write(plan, conn):
        org.store.update(plan[0], plan[1], dml.deletion_values(org), conn)

    return _run(org, record_ids, check, write, all_or_none, failed_id=lambda record_id: record_id)


def upsert_many(org, sobject, field_name: str, records: list, all_or_none: bool,
                user_id: str) -> list[Result]:
    """Upsert records of one type by an external-id field (or Id), each as its own upsert.

    Not emulated: ``allOrNone`` rollback for upserts (each record is applied on its own).
    """
    _limit(records)
    results = []
    for record in records:
        try:
            if not isinstance(record, dict):
                raise errors.JSON_PARSER_ERROR("Each record must be a JSON object")
            key = next((v for k, v in record.items() if k.lower() == field_name.lower()), None)
            if key is None:
                raise errors.REQUIRED_FIELD_MISSING(f"Required fields are missing: [{field_name}]",
                                                    [field_name])
            results.append(dml.upsert(org, sobject, field_name, str(key), record, user_id))
        except errors.MultipleChoices as several:
            results.append(Result(None, False, [errors.DUPLICATE_EXTERNAL_ID(
                f"{field_name}: more than one record found for external id field: {several.ids}",
                [field_name], status=400)]))
        except errors.SalesforceError as error:
            results.append(Result(None, False, [error]))
    return results


def _entity(error: errors.SalesforceError) -> errors.SalesforceError:
    # In collections a missing record is reported as ENTITY_IS_DELETED/INVALID_CROSS_REFERENCE_KEY,
    # not as the 404 of the single-record endpoint.
    if isinstance(error, errors.NOT_FOUND):
        return errors.INVALID_CROSS_REFERENCE_KEY("invalid cross reference id")
    return error


def retrieve_many(org, sobject, record_ids: list[str], field_names: list[str]) -> list:
    """Records by id with the given fields; unknown ids give ``null`` in their position."""
    _limit(record_ids)
    fields = [_field(sobject, name) for name in field_names]
    wanted = [ids.to18(i) for i in record_ids if ids.is_valid(i)]
    rows = org.store.get_many(sobject, wanted)
    return [(rows.get(ids.to18(i)) if ids.is_valid(i) else None, fields) for i in record_ids]


def _field(sobject, name: str):
    field = sobject.field(name)
    if field is None:
        raise errors.INVALID_FIELD(f"No such column '{name}' on entity '{sobject.name}'")
    return field
