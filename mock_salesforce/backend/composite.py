"""sObject Collections: create, update, delete and retrieve up to 200 records in one call.

With ``allOrNone`` a single failure rolls the whole call back: failing records carry their own
errors and every other record ``ALL_OR_NONE_OPERATION_ROLLED_BACK``. Without it, valid records
are written and invalid ones reported, each in its own position of the result list. Records are
judged in order, each seeing what the ones before it did (:class:`.dml_batch.Batch`), and the
valid ones written in one transaction.
"""
from __future__ import annotations

from .. import errors
from . import dml, ids
from .bulk_ingest_fast import InsertColumns, insert_rows
from .dml import Result
from .dml_batch import Batch
from .update_columns import UpdateColumns, update_rows

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


def _run(org, items: list, write, all_or_none: bool, failed_id=lambda item: None,
         read_ahead=None, columns=None) -> list[Result]:
    """Judge every item in one batch, in order (collecting its errors), then write the valid
    ones in one transaction — or none at all when ``allOrNone`` is set and one failed.

    ``columns(batch, items, one)``: the results of judging the items a column at a time (None
    when they do not allow it), ``one(item)`` the result of one item judged on its own."""
    _limit(items)
    with Batch(org) as batch:
        def one(item) -> Result:
            try:
                return write(item, batch)
            except errors.SalesforceError as error:
                return Result(failed_id(item), False, [_entity(error)])

        results = columns(batch, items, one) if columns is not None else None
        if results is None:
            if read_ahead is None:
                _read_ahead(org, batch, items)
            else:
                read_ahead(batch, items)
            results = [one(item) for item in items]
        results = _finish(results, all_or_none)
        if not all_or_none or all(r.success for r in results):
            batch.write()
    return results


def _read_ahead(org, batch: Batch, items: list) -> None:
    """Read what the records (or ids) will ask of the store, a few queries per object."""
    records: dict[str, list] = {}
    record_ids: dict[str, list] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("attributes"), dict):
            records.setdefault(str(item["attributes"].get("type")), []).append(item)
        elif ids.is_valid(item):
            record_ids.setdefault(ids.prefix_of(item), []).append(item)
    for name, group in records.items():
        sobject = org.schema.get(name)
        if sobject is not None:
            batch.read_ahead(sobject, group, [_id_of(r) for r in group])
    for prefix, group in record_ids.items():
        sobject = org.schema.by_prefix(prefix)
        if sobject is not None:
            batch.read_records(sobject, group)


def _id_of(record: dict) -> object:
    return next((v for k, v in record.items() if k.lower() == "id"), None)


def create_many(org, records: list, all_or_none: bool, user_id: str) -> list[Result]:
    """Insert records of any types (``attributes.type``)."""
    def write(record, batch):
        sobject = _sobject_of(org, record)
        if "id" in {k.lower() for k in record}:
            raise errors.INVALID_FIELD_FOR_INSERT_UPDATE("cannot specify Id in an insert call", ["Id"])
        return Result(dml.create(org, sobject, record, user_id, via=batch), True, [])

    def columns(batch, items, one):
        names = _shared_fields(items)
        sobject = org.schema.get(items[0]["attributes"]["type"]) if names is not None else None
        plan = InsertColumns.of(batch, sobject, names, user_id, typed=True) \
            if sobject is not None else None
        if plan is None:
            return None
        return insert_rows(plan, items, lambda record, record_id: Result(record_id, True, []), one,
                           [[record[name] for name in names] for record in items])

    return _run(org, records, write, all_or_none, columns=columns)


def _shared_fields(records: list) -> list[str] | None:
    """The field names of records that all name the same type and the same keys in the same
    order (a loader's records): they can be inserted a column at a time. None otherwise."""
    keys = _same_keys(records)
    if keys is None or records[0].get("attributes").__class__ is not dict:
        return None
    name = records[0]["attributes"].get("type")
    if name.__class__ is not str or any(
            record["attributes"].__class__ is not dict
            or record["attributes"].get("type") != name for record in records):
        return None
    return [key for key in keys if key != "attributes"]


def _same_keys(records: list) -> tuple | None:
    """The keys of records that are all JSON objects with the same keys in the same order."""
    first = records[0] if records else None
    if first.__class__ is not dict:
        return None
    keys = tuple(first)
    if any(record.__class__ is not dict or tuple(record) != keys for record in records):
        return None
    return keys


def _update_columns(batch: Batch, items: list, names, key_name: str, user_id: str, one, made,
                    sobject=None) -> list | None:
    """The results of updating the items a column at a time (:mod:`.update_columns`), the
    record each names by its first key called ``key_name`` in any case (None when they do not
    allow it). ``names``: the items' shared keys; ``sobject`` by default their type."""
    if names is None or (sobject := sobject or batch.org.schema.get(
            items[0]["attributes"]["type"])) is None:
        return None
    key = next((name for name in names if name.lower() == key_name.lower()), None)
    body = [name for name in names if name != "attributes" and name.lower() != key_name.lower()]
    plan = UpdateColumns.of(batch, sobject, body, user_id) if key else None
    if plan is None:
        return None
    return update_rows(plan, items, [item[key] for item in items], made, one,
                       [[item[name] for name in body] for item in items])


def update_many(org, records: list, all_or_none: bool, user_id: str) -> list[Result]:
    """Update records identified by their ``id``."""
    def write(record, batch):
        sobject = _sobject_of(org, record)
        record_id = _id_of(record)
        if not record_id:
            raise errors.MISSING_ARGUMENT("Id not specified in an update call")
        body = {k: v for k, v in record.items() if k.lower() != "id"}
        return Result(dml.update(org, sobject, str(record_id), body, user_id, via=batch), True, [])

    def failed_id(record):
        value = record.get("id") if isinstance(record, dict) else None
        return value if isinstance(value, str) else None

    def columns(batch, items, one):
        return _update_columns(batch, items, _shared_fields(items), "id", user_id, one,
                               lambda record_id: Result(record_id, True, []))

    return _run(org, records, write, all_or_none, failed_id, columns=columns)


def delete_many(org, record_ids: list[str], all_or_none: bool) -> list[Result]:
    """Delete records of any types, found by their key prefix."""
    def write(record_id, batch):
        if not ids.is_valid(record_id):
            raise errors.MALFORMED_ID(f"malformed id {record_id}")
        sobject = org.schema.by_prefix(ids.prefix_of(record_id))
        if sobject is None:
            raise errors.INVALID_CROSS_REFERENCE_KEY("invalid cross reference id")
        return Result(dml.delete(org, sobject, record_id, via=batch), True, [])

    return _run(org, record_ids, write, all_or_none, failed_id=lambda record_id: record_id)


def upsert_many(org, sobject, field_name: str, records: list, all_or_none: bool,
                user_id: str) -> list[Result]:
    """Upsert records of one type by an external-id field (or Id), each as its own upsert;
    ``allOrNone`` writes none of them when one fails."""
    def write(record, batch):
        try:
            if not isinstance(record, dict):
                raise errors.JSON_PARSER_ERROR("Each record must be a JSON object")
            key = _key_of(record, field_name)
            if key is None:
                raise errors.REQUIRED_FIELD_MISSING(f"Required fields are missing: [{field_name}]",
                                                    [field_name])
            return dml.upsert(org, sobject, field_name, str(key), record, user_id, batch)
        except errors.MultipleChoices as several:
            return Result(None, False, [errors.DUPLICATE_EXTERNAL_ID(
                f"{field_name}: more than one record found for external id field: {several.ids}",
                [field_name], status=400)])
        except errors.SalesforceError as error:
            return Result(None, False, [error])

    def read_ahead(batch, items):
        key = sobject.field(field_name)
        if key is not None and key.type != "id":
            batch.read_ahead(sobject, items, key=key)
        elif key is not None:
            # By Id: whether the records the keys name are live (each upsert asks), and the
            # records themselves (each match is updated).
            keys = [str(_key_of(item, field_name)) for item in items if isinstance(item, dict)]
            record_ids = [ids.to18(key) for key in keys if ids.is_valid(key)]
            batch.read_ahead(sobject, items, record_ids)
            batch.read_live(sobject, record_ids)

    def columns(batch, items, one):
        key = sobject.field(field_name)
        if key is None or key.type != "id":  # by an external id: the per-record way
            return None
        return _update_columns(batch, items, _same_keys(items), field_name, user_id, one,
                               lambda record_id: Result(record_id, True, [], created=False),
                               sobject)

    return _run(org, records, write, all_or_none, read_ahead=read_ahead, columns=columns)


def _key_of(record: dict, field_name: str) -> object:
    """The value a record gives the field an upsert matches on (its name in any case)."""
    return next((v for k, v in record.items() if k.lower() == field_name.lower()), None)


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
