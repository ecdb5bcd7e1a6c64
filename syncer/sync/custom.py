"""Custom objects and their *Set identifiers* (rule 53): what is configured, what is polled.

The connect wizard offers every other object of the org as a custom object. Where the product
cannot link one to people by itself, *Set identifiers* says how, per object
(``[custom_objects.Membership__c]`` in the configuration file):

- ``identify = "relationship"`` — a *Relationship to a parent object*. ``field`` is either a
  reference field to Contact or Lead (``Member__c``: the person is found by that record's hidden
  Salesforce Id), or a path through a parent object that has contact fields
  (``Member__r.Email__c``, with ``match = "email"`` or ``"phone"`` naming the CDP key it holds);
- ``identify = "unique"`` — a *Unique identifier*: ``field`` is a field of the object itself
  holding an email or a phone (``match``). As the seed's NOTE says, such an object can create
  contacts: ``create_people`` (on by default [OD]) creates the person a value finds nobody for,
  whatever the Contact selective-sync criteria say — they filter Contacts, not custom objects.

``fields`` lists what lands in the CDP. By default (``sync_as = "object"``) records are kept as
custom-object records linked to their person. ``sync_as = "organization"`` or ``"person"`` syncs
an object such as Organization as an organization or as a contact instead, through the usual
merge (its record Id is the hidden key); ``fields`` then maps to CDP field ids (a list gets
automatic ids) and counts towards the custom field caps of rule 26.

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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..cdp import fields as f
from ..cdp.custom_objects import BY_SF_ID, CustomRecord
from ..cdp.limits import ConfigurationError
from .filters import Group
from .streams import Role, Stream, parse_stamp, path_value

OBJECT, ORGANIZATION, PERSON = "object", "organization", "person"
SYNC_AS = {OBJECT: Role.CUSTOM_OBJECT, ORGANIZATION: Role.ORGANIZATION, PERSON: Role.PERSON}
RELATIONSHIP, UNIQUE = "relationship", "unique"
MATCH = ("email", "phone")
PERSON_PARENTS = {"Contact", "Lead"}
#: Objects the syncer reads as standard streams: they are chosen in ``[sync] objects``.
STANDARD = {"Contact", "Lead", "Account", "Opportunity", "OpportunityContactRole", "Campaign",
            "CampaignMember", "Task"}
#: Fields of a list-form mapping that map to built-in CDP fields (the rest become custom ones).
BUILT_IN = {PERSON: {"FirstName": f.FIRST, "LastName": f.LAST, "Email": f.EMAIL, "Phone": f.PHONE},
            ORGANIZATION: {"Name": f.ORG_NAME, "Website": f.ORG_WEBSITE, "Industry": f.ORG_INDUSTRY}}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_PATH = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Identifier:
    """How a custom object's records find their person."""

    method: str                 # RELATIONSHIP or UNIQUE
    field: str                  # Member__c, Member__r.Email__c or Email__c
    match: str | None = None    # "email" / "phone"; None: a hidden Contact/Lead Id
    create_people: bool = False

    @property
    def identify_by(self) -> str:
        """What the identifier's value is: a Salesforce Id, an email or a phone."""
        return self.match or BY_SF_ID

    def normalize(self, value) -> str | None:
        """The identifier value as the CDP compares it."""
        if value in (None, ""):
            return None
        if self.match == "email":
            return f.normalize_email(value)
        if self.match == "phone":
            return f.normalize_phone(value)
        return str(value)


@dataclass(frozen=True)
class CustomObject:
    """One configured custom object."""

    name: str
    sync_as: str = OBJECT
    fields: tuple[tuple[str, str], ...] = ()  # Salesforce field → CDP field id (itself for "object")
    identifier: Identifier | None = None

    @property
    def mapping(self) -> dict[str, str]:
        """The field mapping as a dict."""
        return dict(self.fields)

    def describe(self) -> str:
        """One line for people: how records find their person, and which fields land."""
        fields = ", ".join(f"{k}→{v}" if k != v else k for k, v in self.fields) or "-"
        if self.identifier is None:
            return f"synced as {self.sync_as}; fields {fields}"
        ident = self.identifier
        how = f"{ident.method} {ident.field}" + (f" ({ident.match})" if ident.match else "")
        return f"identified by {how}{', creates people' if ident.create_people else ''}; fields {fields}"

    def to_json(self) -> dict:
        """What the data source row shows of it."""
        out: dict = {"sync_as": self.sync_as, "fields": self.mapping}
        if self.identifier:
            out.update(identify=self.identifier.method, field=self.identifier.field,
                       match=self.identifier.match, create_people=self.identifier.create_people)
        return out


# --- configuration ------------------------------------------------------------------------

def parse(section: Mapping) -> dict[str, CustomObject]:
    """Validate ``[custom_objects.*]`` tables; raise ``ConfigurationError`` with the table's name."""
    if not isinstance(section, Mapping):
        raise ConfigurationError("[custom_objects] must be a table of objects")
    return {name: _parse_one(name, table) for name, table in section.items()}


def selection(objects: Mapping[str, CustomObject]) -> dict[str, dict[str, str]]:
    """The CDP fields of objects synced as people or organizations (for rule 26's caps)."""
    return {o.name: o.mapping for o in objects.values() if o.sync_as != OBJECT}


def _parse_one(name: str, table) -> CustomObject:
    where = f"[custom_objects.{name}]"
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where} must be a table")
    if not _NAME.match(name):
        raise ConfigurationError(f"{where} is not a Salesforce object API name")
    if name in STANDARD:
        raise ConfigurationError(f"{where}: {name} is a default object; choose it in [sync] objects")
    allowed = {"fields", "sync_as", "identify", "field", "match", "create_people"}
    if unknown := sorted(set(table) - allowed):
        raise ConfigurationError(f"{where}: unknown setting(s) {', '.join(unknown)}; "
                                 f"expected {', '.join(sorted(allowed))}")
    sync_as = table.get("sync_as", OBJECT)
    if sync_as not in SYNC_AS:
        raise ConfigurationError(f"{where} sync_as {sync_as!r} is not one of {', '.join(SYNC_AS)}")
    fields = _fields(where, sync_as, table.get("fields", []))
    if sync_as != OBJECT:
        if given := sorted({"identify", "field", "match", "create_people"} & set(table)):
            raise ConfigurationError(f'{where}: with sync_as = "{sync_as}" each record is itself '
                                     f"a{'n' if sync_as == ORGANIZATION else ''} {sync_as}; "
                                     f"remove {', '.join(given)}")
        return CustomObject(name, sync_as, fields)
    return CustomObject(name, sync_as, fields, _identifier(where, table))


def _fields(where: str, sync_as: str, value) -> tuple[tuple[str, str], ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = list(dict.fromkeys(value))
        if bad := [n for n in names if not _NAME.match(n)]:
            raise ConfigurationError(f"{where} fields: {bad[0]!r} is not a field API name")
        if sync_as == OBJECT:
            return tuple((n, n) for n in names)
        return tuple((n, BUILT_IN[sync_as].get(n) or _auto_id(sync_as, n)) for n in names)
    if isinstance(value, Mapping) and sync_as != OBJECT:
        for sf_field, cdp_field in value.items():
            if not _NAME.match(sf_field) or not isinstance(cdp_field, str):
                raise ConfigurationError(f"{where} fields: {sf_field} = {cdp_field!r} is not "
                                         f"'Field API name = \"CDP field id\"'")
            _check_namespace(where, sync_as, sf_field, cdp_field)
        return tuple(value.items())
    kind = "a list of field names" if sync_as == OBJECT else \
        "a list of field names or a table of field name = CDP field id"
    raise ConfigurationError(f"{where} fields must be {kind}")


def _auto_id(sync_as: str, sf_field: str) -> str:
    name = sf_field.removesuffix("__c").lower().replace("_", "-")
    return f.custom_org(name) if sync_as == ORGANIZATION else f.custom_person(name)


def _check_namespace(where: str, sync_as: str, sf_field: str, cdp_field: str) -> None:
    try:
        namespace = f.parse(cdp_field).namespace
    except ValueError:
        raise ConfigurationError(f"{where} {sf_field} maps to {cdp_field!r}, which is not a CDP "
                                 f"field id (type:namespace:name)") from None
    org_field = namespace in (f.ORG_NAMESPACE, f.CUSTOM_ORG_NAMESPACE)
    if org_field != (sync_as == ORGANIZATION):
        raise ConfigurationError(f"{where} {sf_field} maps to {cdp_field!r}, which is not "
                                 f"{'an organization' if sync_as == ORGANIZATION else 'a person'} field")


def _identifier(where: str, table: Mapping) -> Identifier:
    method, field = table.get("identify"), table.get("field")
    if method not in (RELATIONSHIP, UNIQUE):
        raise ConfigurationError(f'{where} needs identify = "relationship" or "unique" '
                                 f"(how its records find their person)")
    if not isinstance(field, str) or not field:
        raise ConfigurationError(f"{where} needs the field that identifies the person")
    path = bool(_PATH.match(field))
    if not (path or _NAME.match(field)) or (path and method == UNIQUE):
        shape = "a field of the object" if method == UNIQUE else "a reference field or a Parent__r.Field path"
        raise ConfigurationError(f"{where} field {field!r} is not {shape}")
    match = table.get("match")
    if method == RELATIONSHIP and not path:
        if match is not None:
            raise ConfigurationError(f"{where}: a reference field finds its person by the hidden "
                                     f"Salesforce id; match applies to unique identifiers and paths")
    elif match not in MATCH:
        raise ConfigurationError(f'{where} match must be "email" or "phone" (the CDP key {field} holds)')
    create = table.get("create_people", method == UNIQUE)
    if not isinstance(create, bool):
        raise ConfigurationError(f"{where} create_people must be true or false")
    if create and method != UNIQUE:
        raise ConfigurationError(f"{where}: only a unique identifier can create people "
                                 f"(create_people needs identify = \"unique\")")
    return Identifier(method, field, match, create)


# --- streams --------------------------------------------------------------------------------

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
    return Stream(obj.name, SYNC_AS[obj.sync_as], obj.name, system_fields=extra, custom=True,
                  mapping=obj.fields)


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
