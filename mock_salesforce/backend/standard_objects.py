"""The standard objects the mock serves, generated from ``mock_salesforce/data/standard_objects.json``.

The data file lists each object's fields in describe order in a compact form (its header explains
the keys and cites where each object's field list comes from); this module turns them into
:class:`FieldDef`/:class:`SObjectDef` and :mod:`describe` fills the full describe entries.
Every record has Salesforce's system fields (``Id, IsDeleted, CreatedDate, CreatedById,
LastModifiedDate, LastModifiedById, SystemModstamp``, ``OwnerId`` where the object is owned).
Not emulated: record types beyond Master, field-level security, formula fields.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from .schema import FieldDef, SObjectDef

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "standard_objects.json"
AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                "SystemModstamp")
# Compact keys with an attribute of their own; any other key is a describe key copied as is.
_ATTRIBUTES = {"length": "length", "precision": "precision", "scale": "scale", "digits": "digits",
               "label": "label", "restricted": "restricted_picklist", "default": "default_value",
               "defaulted": "defaulted_on_create", "initial": "initial", "index": "index",
               "calculated": "calculated", "unique": "unique", "idLookup": "id_lookup",
               "externalId": "external_id"}
_HANDLED = {"name", "type", "required", "readOnly", "createOnly", "referenceTo",
            "relationshipName", "picklist", "_note"} | _ATTRIBUTES.keys()
# Keys of the data file starting with "_" are the mock's own rules and stay out of describe
# ("_children", "_cascadeChildren", "_fromId": the data file's "_about" explains them).


@functools.cache
def _data() -> dict:
    return json.loads(DATA_FILE.read_text())


def picklist(key: str) -> list[str]:
    """A shared picklist of the data file (``Industry``, ``LeadSource``, ``StageName``…)."""
    return list(_data()["picklists"][key])


def stage_defaults() -> dict[str, tuple[int, str]]:
    """Each opportunity stage's default probability and forecast category name."""
    return {stage: (values[0], values[1])
            for stage, values in _data()["opportunityStages"].items() if stage != "_about"}


def field(entry: dict, object_label: str = "") -> FieldDef:
    """One compact field entry of the data file as a FieldDef."""
    name, kind = entry["name"], entry["type"]
    values = entry.get("picklist", [])
    options = {attribute: entry[key] for key, attribute in _ATTRIBUTES.items() if key in entry}
    if kind == "picklist":
        options.setdefault("length", 40)  # standard picklists are 40 long (recorded: Type)
    if kind == "boolean":
        # Checkboxes are never null: not nillable, false unless the data says otherwise.
        options.setdefault("default_value", False)
    if kind == "reference":
        options["reference_to"] = list(entry["referenceTo"])
        options["relationship_name"] = entry["relationshipName"] if "relationshipName" in entry \
            else name.removesuffix("Id")
    if name == "Id" and "label" not in entry:
        options["label"] = f"{object_label} ID"
    extra = {key: value for key, value in entry.items() if key not in _HANDLED}
    return FieldDef(
        name, kind, nillable=not entry.get("required") and kind != "boolean",
        createable=not entry.get("readOnly"),
        updateable=not (entry.get("readOnly") or entry.get("createOnly")),
        picklist_values=picklist(values[1:]) if isinstance(values, str) else list(values),
        extra=extra, **options)


def system_fields(owned: bool, object_label: str = "") -> list[FieldDef]:
    """Id, IsDeleted, (OwnerId) and the audit fields, in describe order."""
    owner = [field({"name": "OwnerId", "type": "reference", "referenceTo": ["User"],
                    "relationshipName": "Owner", "required": True, "defaulted": True,
                    "label": "Owner ID"})] if owned else []
    return _id_fields(object_label) + owner + _audit_fields()


def _id_fields(object_label: str) -> list[FieldDef]:
    return [field({"name": "Id", "type": "id", "readOnly": True, "required": True,
                   "defaulted": True}, object_label),
            field({"name": "IsDeleted", "type": "boolean", "readOnly": True, "label": "Deleted"})]


def _audit_fields() -> list[FieldDef]:
    def stamp(name: str, label: str) -> FieldDef:
        return field({"name": name, "type": "datetime", "readOnly": True, "required": True,
                      "defaulted": True, "label": label})

    def by(name: str, label: str) -> FieldDef:
        return field({"name": name, "type": "reference", "referenceTo": ["User"],
                      "readOnly": True, "required": True, "defaulted": True, "label": label})
    return [stamp("CreatedDate", "Created Date"), by("CreatedById", "Created By ID"),
            stamp("LastModifiedDate", "Last Modified Date"),
            by("LastModifiedById", "Last Modified By ID"),
            stamp("SystemModstamp", "System Modstamp")]


def address(prefix: str, read_only: bool = False) -> list[FieldDef]:
    """A compound address field after its component fields (``BillingStreet``…``BillingAddress``)."""
    compound = f"{prefix}Address"
    label = f"{prefix} " if prefix else ""
    ro = {"readOnly": True} if read_only else {}
    parts = [
        {"name": "Street", "type": "textarea", "length": 255, "extraTypeInfo": "plaintextarea"},
        {"name": "City", "type": "string", "length": 40},
        {"name": "State", "type": "string", "length": 80, "label": "State/Province"},
        {"name": "PostalCode", "type": "string", "length": 20, "label": "Zip/Postal Code"},
        {"name": "Country", "type": "string", "length": 80},
        {"name": "Latitude", "type": "double", "precision": 18, "scale": 15},
        {"name": "Longitude", "type": "double", "precision": 18, "scale": 15},
        {"name": "GeocodeAccuracy", "type": "picklist", "length": 40, "restricted": True,
         "picklist": "@GeocodeAccuracy", "label": "Geocode Accuracy"}]
    fields = [field({**part, **ro, "name": prefix + part["name"],
                     "label": label + part.get("label", part["name"]),
                     "compoundFieldName": compound}) for part in parts]
    for definition in fields:
        definition.compound_field_name = definition.extra.pop("compoundFieldName")
    return fields + [field({"name": compound, "type": "address", "readOnly": True,
                            "label": f"{label}Address"})]


def _expand(entries: list, object_label: str) -> list[FieldDef]:
    fields: list[FieldDef] = []
    for entry in entries:
        if entry == "@id":
            fields += _id_fields(object_label)
        elif entry == "@audit":
            fields += _audit_fields()
        elif "address" in entry:
            fields += address(entry["address"], entry.get("readOnly", False))
        else:
            fields.append(field(entry, object_label))
    return fields


def sobject(name: str, prefix: str, fields: list[FieldDef], owned: bool = True,
            **kw) -> SObjectDef:
    """An object of ``fields`` with the system fields around them, as describe lists them
    (custom objects loaded from an exported describe are built this way too)."""
    system = system_fields(owned, kw.get("label") or name)
    ordered = system[:2] + fields + system[2:]
    return SObjectDef(name=name, key_prefix=prefix, fields={f.name: f for f in ordered}, **kw)


def standard_objects() -> list[SObjectDef]:
    """Fresh definitions of every standard object (each org gets its own copies)."""
    return [definition(name, spec) for name, spec in _data()["objects"].items()]


def definition(name: str, spec: dict) -> SObjectDef:
    """One object entry of the data file as an SObjectDef: its fields, flags and rules."""
    fields = _expand(spec["fields"], spec["label"])
    flags = dict(spec.get("flags", {}))
    return SObjectDef(
        name=name, key_prefix=spec["keyPrefix"], label=spec["label"],
        label_plural=spec["labelPlural"], fields={f.name: f for f in fields},
        createable=flags.get("createable", True), updateable=flags.get("updateable", True),
        deletable=flags.get("deletable", True), flags=flags, derived=spec.get("derived"))


# Shared picklists the seed data draws from.
INDUSTRIES = picklist("Industry")
LEAD_SOURCES = picklist("LeadSource")
STAGES = picklist("StageName")
