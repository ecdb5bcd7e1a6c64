"""Custom objects (rule 53) as each poll reads them: which the org can serve, and their records.

What is configured — *Set identifiers*, ``sync_as``, ``fields`` — is ``syncer.config_custom``'s.

A selective-sync filter (``[filters.Membership__c]``, rule 53 with rule 30) chooses which of an
object's records sync, on its own: the Contact and Lead filters never gate a custom object, nor
its filter the contacts. Only matching records are read, so only they can create people through
a unique identifier. Custom-object records have no archived state, so one that stops matching
keeps its last synced values and is no longer updated [OD]; an object synced as people or
organizations is auto-archived like contacts and accounts (rule 32).

Each poll checks the org (rule 44): an object that is not there or not queryable, or whose
identifier or filter names a field it cannot use, is skipped with its reason; the other streams
carry on.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..cdp.custom_objects import CustomRecord
from ..config_custom import OBJECT, ORGANIZATION, PERSON, CustomObject
from .filters import Group
from .streams import Role, Stream, parse_stamp, path_value

#: What each ``sync_as`` makes of a record.
ROLES = {OBJECT: Role.CUSTOM_OBJECT, ORGANIZATION: Role.ORGANIZATION, PERSON: Role.PERSON}
PERSON_PARENTS = {"Contact", "Lead"}


@dataclass(frozen=True)
class Skipped:
    """A configured custom object this poll does not read, and why."""

    name: str
    reason: str


def plan(objects: Mapping[str, CustomObject], describe_global: Callable[[], dict],
         describe: Callable[[str], dict],
         filters: Mapping[str, Group] | None = None) -> tuple[list[Stream], list[Skipped]]:
    """The streams of the configured custom objects the org can serve (their selective-sync
    ``filters`` included); the others with reasons."""
    if not objects:
        return [], []
    in_org = {o["name"].lower(): o for o in describe_global()["sobjects"]}
    streams, skipped = [], []
    for obj in objects.values():
        summary = in_org.get(obj.name.lower())
        if summary is None:
            reason = "not in the org"
        elif not summary.get("queryable", True):
            reason = "not queryable"
        else:
            reason = _unusable(obj, describe) or _unfilterable((filters or {}).get(obj.name), obj, describe)
        if reason:
            skipped.append(Skipped(obj.name, reason))
        else:
            streams.append(stream_for(obj))
    return streams, skipped


def stream_for(obj: CustomObject) -> Stream:
    """The stream of one custom object (its identifier field is read besides its fields)."""
    extra = (obj.identifier.field,) if obj.identifier else ()
    return Stream(obj.name, ROLES[obj.sync_as], obj.name, system_fields=extra, custom=True)


def _unusable(obj: CustomObject, describe: Callable[[str], dict]) -> str | None:
    """Why the org cannot serve this object as configured (None when it can)."""
    fields = {d["name"].lower(): d for d in describe(obj.name)["fields"]}
    if "systemmodstamp" not in fields:
        return "has no SystemModstamp to poll by"
    identifier = obj.identifier
    if identifier is None:
        return None
    if "." not in identifier.field:
        found = fields.get(identifier.field.lower())
        if found is None:
            return f"identifier field {identifier.field} not in the org"
        if identifier.match is None and not PERSON_PARENTS & set(found.get("referenceTo") or ()):
            return f"identifier field {identifier.field} does not reference Contact or Lead"
        return None
    relationship, parent_field = identifier.field.split(".")
    reference = next((d for d in fields.values()
                      if (d.get("relationshipName") or "").lower() == relationship.lower()), None)
    if reference is None or not reference.get("referenceTo"):
        return f"no relationship {relationship} on {obj.name}"
    parent = reference["referenceTo"][0]
    if parent_field.lower() not in {d["name"].lower() for d in describe(parent)["fields"]}:
        return f"identifier field {parent_field} not on {parent}"
    return None


def _unfilterable(group: Group | None, obj: CustomObject, describe: Callable[[str], dict]) -> str | None:
    """Why the object's selective-sync filter cannot be asked of the org (a field it lacks)."""
    if group is None:
        return None
    known = {d["name"].lower() for d in describe(obj.name)["fields"]}
    missing = sorted(name for name in group.fields() if "." not in name and name.lower() not in known)
    return f"filter field {missing[0]} not in the org" if missing else None


def to_custom_record(obj: CustomObject, record: dict, mapping: Mapping[str, str]) -> CustomRecord:
    """A polled record as the CDP stores it (``mapping``: the fields the org has this poll)."""
    identifier = obj.identifier
    value = identifier.normalize(path_value(record, identifier.field)) if identifier else None
    return CustomRecord(record["Id"], {name: record.get(name) for name in mapping},
                        identifier.identify_by if identifier else None, value,
                        parse_stamp(record.get("SystemModstamp")), bool(record.get("IsDeleted")))
