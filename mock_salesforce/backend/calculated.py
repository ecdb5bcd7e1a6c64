"""Formula and roll-up summary fields: values Salesforce calculates, never written by clients.

A field described ``calculated: true`` is read-only through the API. Real Salesforce evaluates a
formula when the record is read and recalculates a roll-up summary when its children change;
neither moves the record's ``SystemModstamp`` or ``LastModifiedDate`` — which is why a poll on
``SystemModstamp`` misses the new value until the record itself changes (integration rule 40).

Not emulated: formula expressions. The mock stores a calculated field's value like any other
column; tests say what the formula now evaluates to with :func:`recalculate` (the control plane's
``POST /_mock/orgs/{org}/calculated/{sobject}``), which leaves every stamp alone.
"""
from __future__ import annotations

from .. import errors
from . import ids
from .records import to_store
from .schema import SObjectDef


def recalculate(org, sobject: SObjectDef, records: list[dict]) -> int:
    """Set calculated fields' values (``[{"Id": ..., "Formula__c": value}]``); stamps stay.

    Raises ``ValueError`` for a field that is not calculated and ``KeyError`` for an id that is
    not a live record of ``sobject``; nothing is written unless every record is valid.
    """
    updates: list[tuple[str, dict]] = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("Id"), str):
            raise ValueError('each record needs an "Id"')
        if not ids.is_valid(record["Id"]):
            raise errors.MALFORMED_ID(f"malformed id {record['Id']}")
        values = {}
        for name, value in record.items():
            if name == "Id":
                continue
            field = sobject.field(name)
            if field is None:
                raise errors.INVALID_FIELD(f"No such column '{name}' on sobject of type "
                                           f"{sobject.name}", [name])
            if not field.calculated or not field.stored:
                raise ValueError(f"{sobject.name}.{field.name} is not a calculated field")
            values[field.name] = to_store(field, value)
        updates.append((ids.to18(record["Id"]), values))
    with org.store.write_lock:
        found = org.store.get_many(sobject, [record_id for record_id, _ in updates])
        missing = [record_id for record_id, _ in updates if record_id not in found]
        if missing:
            raise KeyError(missing[0])
        with org.store.engine.begin() as conn:
            for record_id, values in updates:
                if values:
                    org.store.update(sobject, record_id, values, conn)
    return len(updates)
