"""Custom objects and their *Set identifiers* (rule 53) as the configuration file states them.

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
merge (its record Id is the hidden key); ``fields`` then maps to CDP field ids (a list gets the
built-in field of that name or an automatic id, ``cdp.fieldmap``) and counts towards the custom
field caps of rule 26.

How the configured objects are polled is ``sync.custom``'s.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .cdp import fields as f
from .cdp import fieldmap
from .cdp.custom_objects import BY_SF_ID
from .config_error import ConfigurationError

OBJECT, ORGANIZATION, PERSON = "object", fieldmap.ORGANIZATION, fieldmap.PERSON
SYNC_AS = (OBJECT, ORGANIZATION, PERSON)
RELATIONSHIP, UNIQUE = "relationship", "unique"
MATCH = ("email", "phone")
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
    if name in fieldmap.STANDARD_OBJECTS:
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
        return tuple(fieldmap.listed(sync_as, names, built_in=True).items())
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
