"""The reference syncer's words for the specs' words: its TOML, its CDP field ids, its labels.

The only place the specs meet the reference syncer's configuration file. ``to_toml`` turns
business settings (``interface``) into the document ``syncer/config.py`` reads; ``field_name``
and ``field_id`` translate CDP field ids to the names a user sees and back; ``outcome`` turns the
reference's count labels into the phrases of ``interface.OUTCOMES``. Pure: no syncer import.
"""
from __future__ import annotations

from typing import Any

import interface as i

STRATEGIES = {"Import and merge new records only": "merge-new-data",
              "Import and overwrite any records that exist": "overwrite",
              "Import new records only": "new-records-only"}
KEY_STRATEGIES = {"Merge with any key match": "any-key",
                  "Match only if previous merge key is empty": "previous-key-empty"}
DIRECTIONS = {"Update the CDP from Salesforce": "update-cdp", "Update both ways": "two-way",
              "Update Salesforce from the CDP": "update-salesforce"}
BUILT_IN = {"first name": "str::first", "last name": "str::last", "email": "str::email",
            "phone": "phn::phone", "city": "geo::city", "country": "geo::country",
            "name": "str:o:name", "website": "str:o:website", "industry": "str:o:industry"}
NAMES = {field_id: name for name, field_id in BUILT_IN.items()}
OUTCOMES = {"merged:sf_id": "merged by Salesforce id", "merged:email": "merged by email",
            "merged:phone": "merged by phone", "merged:name": "merged by name",
            "ignored_existing": "left as they were",
            "skipped_non_existing": "skipped, not in the CDP",
            "skipped:no_primary_contact_role": "skipped, no primary contact role",
            "inserted": "stored", "unlinked:person_not_synced": "waiting for their contact",
            "unlinked:no_identifier": "without an identifier", "unlinked:no_match": "matching nobody",
            "relinked": "linked to their person", "people:created": "people created",
            "formulas:refreshed": "formula fields refreshed",
            "query_timeout:window_halved": "timed out, asked again over half the window"}


def field_name(field_id: str) -> str:
    """The name a user sees for a CDP field id (``str:cm:account-tier`` → ``account tier``)."""
    if field_id in NAMES:
        return NAMES[field_id]
    return field_id.rpartition(":")[2].replace("-", " ")


def field_id(name: str, organization: bool = False) -> str:
    """The CDP field id of a field name: a built-in, else a custom person (organization) field."""
    name = name.strip().lower()
    if name in BUILT_IN:
        return BUILT_IN[name]
    return f"str:{'oc' if organization else 'cm'}:{name.replace(' ', '-')}"


def named(fields: dict) -> dict:
    """A CDP record's fields keyed by name instead of id."""
    return {field_name(k): v for k, v in fields.items()}


def by_id(fields: dict, organization: bool = False) -> dict:
    """Fields keyed by name as the reference's CDP keys them."""
    return {field_id(k, organization): v for k, v in fields.items()}


def outcome(label: str) -> str:
    """A count label of the reference syncer in the specs' words (unknown labels as they are)."""
    return OUTCOMES.get(label, label)


def to_toml(settings: dict) -> dict:
    """The reference syncer's configuration document for some business settings."""
    document: dict[str, Any] = {}
    for name, value in settings.items():
        if name not in _SECTIONS:
            raise ValueError(f"no setting called {name!r}; the settings are those of interface.py")
        section, body = _SECTIONS[name](value)
        document = deep_merge(document, {section: body})
    return document


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` laid over it, table by table (lists and values replaced)."""
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = deep_merge(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


def _strategy(name: str) -> str:
    return STRATEGIES.get(name, name)  # a merge API name ("overwrite-existing-only") as it is


def _key_strategy(name: str) -> str:
    return KEY_STRATEGIES.get(name, name)  # a strategy not offered stays as named: refused


def _merge(kind: str, key: str):
    return lambda value: ("merge", {kind: {key: value}})


def _permission(channel: str):
    def section(value: i.PermissionField):
        body = {"field": value.field, "value_for_true": value.subscribed_when,
                "value_for_false": not value.subscribed_when}
        if value.direction is not None:
            body["direction"] = DIRECTIONS.get(value.direction, value.direction)
        return "permissions", {channel: body}
    return section


def _custom_fields(sobject: str, chosen) -> list | dict:
    """A list of Salesforce fields, or the CDP field (by name) each lands in."""
    if isinstance(chosen, dict):
        return {sf: field_id(cdp, sobject == "Account") for sf, cdp in chosen.items()}
    return list(chosen)


def _criteria(value: dict[str, i.Criteria]):
    return "filters", {sobject: {"match": criteria.match, "conditions": [
        {"field": field, "operator": "=", "value": wanted} for field, wanted in criteria.conditions]}
        for sobject, criteria in value.items()}


def _custom_object(value: i.CustomObject) -> dict:
    if value.sync_as == "object":
        table: dict[str, Any] = {"fields": list(value.fields)}
    else:
        organization = value.sync_as == "organization"
        table = {"sync_as": value.sync_as,
                 "fields": {sf: field_id(cdp, organization) for sf, cdp in value.fields.items()}}
    if value.identify_by is not None:
        table["identify"] = "unique" if value.identify_by == "unique identifier" else value.identify_by
        table["field"] = value.identifier
    if value.match_on is not None:
        table["match"] = value.match_on
    if value.create_people is not None:
        table["create_people"] = value.create_people
    return table


_SECTIONS = {
    i.PEOPLE_MERGE: lambda v: ("merge", {"people": {"strategy": _strategy(v)}}),
    i.PEOPLE_KEYS: lambda v: ("merge", {"people": {"key_strategy": _key_strategy(v)}}),
    i.ORGANIZATION_MERGE: lambda v: ("merge", {"organizations": {"strategy": _strategy(v)}}),
    i.ORGANIZATION_KEYS: lambda v: ("merge", {"organizations": {"key_strategy": _key_strategy(v)}}),
    i.OBJECTS: lambda v: ("sync", {"objects": list(v)}),
    i.CUSTOM_FIELDS: lambda v: ("objects", {o: {"custom_fields": _custom_fields(o, f)} for o, f in v.items()}),
    i.SYSTEM_FIELDS: lambda v: ("system_fields", {"modify": [field_id(n) for n in v] if v else "none"}),
    i.EMAIL_PERMISSION: _permission("email"),
    i.SMS_PERMISSION: _permission("sms"),
    i.SELECTIVE_SYNC: _criteria,
    i.AUTO_ARCHIVE: lambda v: ("sync", {"auto_archive": bool(v)}),
    i.CUSTOM_OBJECTS: lambda v: ("custom_objects", {o: _custom_object(c) for o, c in v.items()}),
    i.OUTBOUND: lambda v: ("outbound", {"activities": list(v)}),
    i.RETENTION_DAYS: lambda v: ("sync", {"activity_retention_days": v}),
    i.POLL_MINUTES: lambda v: ("sync", {"poll_interval_minutes": v}),
    i.BULK_ABOVE: lambda v: ("sync", {"bulk_threshold": v}),
    i.FORMULA_REFRESH: lambda v: ("sync", {"formula_refresh": "daily" if v else "off"}),
}
