"""Object and field metadata: what describe returns and what validation and SOQL rely on.

``FieldDef`` and ``SObjectDef`` hold one org's metadata. Standard objects come from
``standard_objects.py``; custom objects and fields come from describe JSON exported from a real
org (``--schema FILE|DIR``) or from the control plane. Describe output is built from these.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from . import describe as describing
from .describe import TEXT_TYPES  # noqa: F401 - SOQL's type checks import it from here

# Types that TAP and Airbyte both accept (salesforce-api.md §6); describe never leaves this set.
FIELD_TYPES = frozenset(
    "id string picklist multipicklist combobox reference textarea phone url email encryptedstring "
    "datacategorygroupreference masterrecord complexvalue double currency percent int long boolean "
    "date datetime time address location base64 byte json anyType calculated".split())
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int", "long"})
COMPOUND_TYPES = frozenset({"address", "location"})
DEFAULT_LENGTH = {"string": 255, "textarea": 255, "phone": 40, "url": 255, "email": 80,
                  "picklist": 255, "multipicklist": 4099, "combobox": 255, "id": 18,
                  "reference": 18, "encryptedstring": 175}


@dataclass
class FieldDef:
    """One field of an sObject, with the describe attributes clients and validation read."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    custom: bool = False
    external_id: bool = False
    unique: bool = False
    id_lookup: bool = False
    reference_to: list[str] = dc_field(default_factory=list)
    relationship_name: str | None = None
    picklist_values: list[str] = dc_field(default_factory=list)
    restricted_picklist: bool = False
    default_value: object = None
    defaulted_on_create: bool = False
    calculated: bool = False
    formula: str | None = None  # describe's calculatedFormula (shown, never evaluated)
    compound_field_name: str | None = None
    precision: int = 0
    scale: int = 0
    digits: int = 0
    # Describe keys beyond what the attributes above decide (extraTypeInfo, nameField, ...).
    extra: dict = dc_field(default_factory=dict)
    # Written on create when the body leaves it out, without showing in describe (roll-up
    # counts start at 0, a user's locale at en_US).
    initial: object = None
    index: bool = True  # False: no database index (references that stay empty in the mock)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unsupported field type {self.type!r} for {self.name}")
        self.label = self.label or _label(self.name)
        if not self.length:
            self.length = DEFAULT_LENGTH.get(self.type, 0)
        if self.type in {"double", "currency", "percent"} and not self.precision:
            self.precision, self.scale = 18, 2
        self.defaulted_on_create = self.defaulted_on_create or self.default_value is not None

    @property
    def required(self) -> bool:
        """Salesforce's notion of required: createable, not nillable, not defaulted."""
        return self.createable and not self.nillable and not self.defaulted_on_create \
            and self.type != "boolean"

    @property
    def stored(self) -> bool:
        """Compound fields are views over their components; everything else has a column."""
        return self.type not in COMPOUND_TYPES

    def describe(self) -> dict:
        """The field entry of an sObject describe."""
        return describing.field_entry(self)


@dataclass
class ChildRelationship:
    """A child relationship (``Account.Contacts``) derived from a child's reference field."""

    child_sobject: str
    field: str
    relationship_name: str | None
    cascade_delete: bool = False

    def describe(self) -> dict:
        """The childRelationships entry of a describe."""
        return {"cascadeDelete": self.cascade_delete, "childSObject": self.child_sobject,
                "deprecatedAndHidden": False, "field": self.field, "junctionIdListNames": [],
                "junctionReferenceTo": [], "relationshipName": self.relationship_name,
                "restrictedDelete": False}


@dataclass
class SObjectDef:
    """One sObject type: its fields in describe order and its object-level flags."""

    name: str
    key_prefix: str
    label: str = ""
    label_plural: str = ""
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    # describeGlobal/describe flags that differ from a standard object's (mergeable, ...).
    flags: dict = dc_field(default_factory=dict)
    # The rule of ``derived.py`` computing the object's read-only fields (``person``…), if any.
    derived: str | None = None
    fields: dict[str, FieldDef] = dc_field(default_factory=dict)
    child_relationships: list[ChildRelationship] = dc_field(default_factory=list)

    def __post_init__(self) -> None:
        self.label = self.label or _label(self.name)
        self.label_plural = self.label_plural or self.label + "s"
        self._lower = {name.lower(): f for name, f in self.fields.items()}

    def add_field(self, definition: FieldDef) -> None:
        """Add (or replace) a field."""
        self.fields[definition.name] = definition
        self._lower[definition.name.lower()] = definition

    def field(self, name: str) -> FieldDef | None:
        """A field by name, case-insensitively (SOQL and the REST API ignore case)."""
        return self._lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a parent relationship name (``Account``, ``Parent__r``)."""
        lowered = name.lower()
        for definition in self.fields.values():
            if definition.relationship_name and definition.relationship_name.lower() == lowered:
                return definition
        return None

    def child_relationship(self, name: str) -> ChildRelationship | None:
        """A child relationship by name (``Contacts``), case-insensitively."""
        lowered = name.lower()
        return next((c for c in self.child_relationships
                     if c.relationship_name and c.relationship_name.lower() == lowered), None)

    def stored_fields(self) -> list[FieldDef]:
        """Fields with a database column."""
        return [f for f in self.fields.values() if f.stored]

    def summary(self, version: str) -> dict:
        """The describeGlobal entry of this object."""
        return describing.summary(self, version)

    def describe(self, version: str, instance_url: str | None = None) -> dict:
        """The full sObject describe (with the UI links when the instance's URL is given)."""
        return describing.full(self, version, instance_url)


class Schema:
    """All sObject types of one org, with case-insensitive lookup and child relationships."""

    def __init__(self, objects: list[SObjectDef]) -> None:
        self._objects: dict[str, SObjectDef] = {}
        for definition in objects:
            self.add(definition)

    def add(self, definition: SObjectDef) -> None:
        """Add or replace an object and recompute child relationships."""
        self._objects[definition.name.lower()] = definition
        self.link()

    def get(self, name: str) -> SObjectDef | None:
        """An object by name, case-insensitively."""
        return self._objects.get(name.lower())

    def by_prefix(self, prefix: str) -> SObjectDef | None:
        """The object whose ids start with ``prefix``."""
        return next((o for o in self._objects.values() if o.key_prefix == prefix), None)

    def objects(self) -> list[SObjectDef]:
        """Every object, sorted by name as describeGlobal lists them."""
        return sorted(self._objects.values(), key=lambda o: o.name)

    def link(self) -> None:
        """Derive each object's childRelationships from the others' reference fields."""
        for parent in self._objects.values():
            parent.child_relationships = []
        for child in self._objects.values():
            for definition in child.fields.values():
                for target in definition.reference_to:
                    parent = self._objects.get(target.lower())
                    if parent is not None:
                        # A standard reference names its child relationship in the data file
                        # ("_children": Account.Contacts); most have none.
                        name = definition.extra.get("_children")
                        if name is None and definition.custom and definition.relationship_name:
                            # Salesforce's default child relationship name: the child's plural.
                            name = child.name.removesuffix("__c") + "s__r"
                        parent.child_relationships.append(ChildRelationship(
                            child.name, definition.name, name,
                            bool(definition.extra.get("_cascadeChildren"))))



def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else name
    words, current = [], ""
    for char in base.replace("_", " "):
        if char.isupper() and current and not current[-1].isupper() and current[-1] != " ":
            words.append(current)
            current = char
        else:
            current += char
    words.append(current)
    return " ".join(w.strip() for w in words if w.strip()) or name


def field_from_describe(entry: dict) -> FieldDef:
    """A FieldDef from one ``fields[]`` entry of a real describe.

    A calculated (formula or roll-up) field is read-only unless the entry says otherwise, as
    every real describe of one does.
    """
    calculated = bool(entry.get("calculated", False))
    default = entry.get("defaultValue")
    if default is None:
        default = next((p["value"] for p in entry.get("picklistValues") or []
                        if p.get("defaultValue") and p.get("active", True)), None)
    return FieldDef(
        name=entry["name"], type=entry.get("type", "string"), label=entry.get("label", ""),
        length=entry.get("length") or 0, nillable=entry.get("nillable", True),
        createable=entry.get("createable", not calculated),
        updateable=entry.get("updateable", not calculated),
        custom=entry.get("custom", entry["name"].endswith("__c")),
        external_id=entry.get("externalId", False), unique=entry.get("unique", False),
        id_lookup=entry.get("idLookup", False), reference_to=list(entry.get("referenceTo") or []),
        relationship_name=entry.get("relationshipName"),
        picklist_values=[p["value"] for p in entry.get("picklistValues") or [] if p.get("active", True)],
        restricted_picklist=entry.get("restrictedPicklist", False),
        default_value=default,
        defaulted_on_create=entry.get("defaultedOnCreate", False),
        calculated=calculated, formula=entry.get("calculatedFormula"),
        compound_field_name=entry.get("compoundFieldName"),
        precision=entry.get("precision") or 0, scale=entry.get("scale") or 0,
        digits=entry.get("digits") or 0,
        extra={k: entry[k] for k in PASSED_THROUGH if entry.get(k) not in (None, False)})


# Describe keys of an exported field kept as they are (the mock has no rule of its own for them).
PASSED_THROUGH = ("extraTypeInfo", "nameField", "cascadeDelete", "htmlFormatted", "mask",
                  "maskType", "inlineHelpText", "autoNumber", "caseSensitive", "controllerName",
                  "dependentPicklist", "referenceTargetField", "relationshipOrder")


def load_describe_files(path: str | Path) -> list[dict]:
    """Read describe JSON documents from a file (one object or a list) or a directory of them."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    documents: list[dict] = []
    for file in files:
        data = json.loads(file.read_text())
        documents.extend(data if isinstance(data, list) else [data])
    return documents
