"""Describe documents built from metadata: the ``fields[]`` entries, describeGlobal summaries and
full sObject describes, with exactly the keys real orgs send (alphabetical, as the API orders them).

The key sets are those of real describes: API v42.0 recorded from a Developer Edition org
(grouparoo's Salesforce plugin fixtures) and v61.0 from a sandbox (Airbyte's source-salesforce
unit tests), which add ``aiPredictionField`` and ``formulaTreatNullNumberAsZero`` to fields.
Rules generalise what the recordings show (``searchPrefilterable``, ``permissionable``): a field
the recordings do not cover may differ from a real org's in those two keys.
A key introduced after an API version is left out of that version's describes (``SINCE``).
Not emulated: layouts, action overrides.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .schema import FieldDef, SObjectDef

SOAP_TYPES = {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
              "long": "xsd:long", "double": "xsd:double", "currency": "xsd:double",
              "percent": "xsd:double", "date": "xsd:date", "datetime": "xsd:dateTime",
              "time": "xsd:time", "address": "urn:address", "location": "urn:location",
              "base64": "xsd:base64Binary", "anyType": "xsd:anyType"}
TEXT_TYPES = frozenset("string picklist multipicklist combobox textarea phone url email "
                       "encryptedstring".split())
_GROUPABLE = TEXT_TYPES - {"multipicklist", "encryptedstring"} | {"id", "reference", "boolean",
                                                                  "date", "int", "long"}
_COMPOUND = frozenset({"address", "location"})
_NOT_AGGREGATABLE = _COMPOUND | {"boolean", "anyType"}
_NOT_SORTABLE = _COMPOUND | {"multipicklist", "anyType"}


def _long_text(field: "FieldDef") -> bool:
    return field.type in ("textarea", "multipicklist") and field.length > 255


def field_entry(field: "FieldDef") -> dict:
    """The ``fields[]`` entry of a field."""
    kind = field.type
    polymorphic = len(field.reference_to) > 1
    default = field.default_value
    picklist = [{"active": True, "defaultValue": kind != "boolean" and value == default,
                 "label": value, "validFor": None, "value": value}
                for value in field.picklist_values]
    if kind in ("picklist", "multipicklist"):
        default = None  # a picklist's default is flagged on its value, not on the field
    entry = {
        "aggregatable": kind not in _NOT_AGGREGATABLE and not _long_text(field),
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": 18 if kind in ("id", "reference") else
        field.length * 3 if kind in TEXT_TYPES else 0,
        "calculated": field.calculated,
        "calculatedFormula": field.formula,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": field.compound_field_name,
        "controllerName": None,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": default,
        "defaultValueFormula": None,
        "defaultedOnCreate": field.defaulted_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": (field.digits or 9) if kind in ("int", "long") else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": field.external_id,
        "extraTypeInfo": None,
        "filterable": not _long_text(field),
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": kind in _GROUPABLE and not _long_text(field),
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": field.id_lookup or kind == "id",
        "inlineHelpText": None,
        "label": field.label,
        "length": field.length if kind in TEXT_TYPES | {"id", "reference"} else 0,
        "mask": None,
        "maskType": None,
        "name": field.name,
        "nameField": field.name == "Name",
        "namePointing": polymorphic,
        "nillable": field.nillable,
        # Recorded: writable optional fields and compound addresses yes; required, system and
        # read-only ones (LastActivityDate, LastViewedDate) no.
        "permissionable": (field.nillable or kind == "boolean")
        and (field.createable or field.updateable or kind in _COMPOUND),
        "picklistValues": picklist,
        "polymorphicForeignKey": polymorphic,
        "precision": field.precision,
        "queryByDistance": kind in _COMPOUND,
        "referenceTargetField": None,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": field.restricted_picklist,
        "scale": field.scale,
        # Recorded: AccountId and ParentId yes; OwnerId and MasterRecordId no.
        "searchPrefilterable": kind == "reference" and field.createable
        and "User" not in field.reference_to,
        "soapType": SOAP_TYPES.get(kind, "xsd:string"),
        "sortable": kind not in _NOT_SORTABLE and not _long_text(field),
        "type": kind,
        "unique": field.unique,
        "updateable": field.updateable,
        "writeRequiresMasterRead": False,
    }
    # What the metadata says beyond these rules (extraTypeInfo…); "_" keys are the mock's own.
    entry.update({k: v for k, v in field.extra.items() if not k.startswith("_")})
    return entry


# The first API version whose describes carry a key, where the evidence says it came later than
# the oldest version the mock serves; every other key is sent at every version.
# - associateEntityType, associateParentEntity: "Available in API version 50.0 and later" (SOAP API
#   Developer Guide, DescribeSObjectResult).
# - the rest: absent from the v42.0 recording (grouparoo), present in the v61.0 one (Airbyte) and
#   in a pre-50.0 recording (CumulusCI's bulkdata test describe has them all but the two above);
#   the Spring '16 guide lists none of the object keys, the Summer '20 (49.0) guide lists them as
#   "Reserved for future use". Which release between 43.0 and 49.0 added them is not known:
#   43.0, the first after the recording, is a guess.
SINCE = {
    "associateEntityType": 50.0, "associateParentEntity": 50.0,
    **dict.fromkeys(("deepCloneable", "defaultImplementation", "extendedBy", "extendsInterfaces",
                     "implementedBy", "implementsInterfaces", "isInterface"), 43.0)}
FIELD_SINCE = dict.fromkeys(("aiPredictionField", "formulaTreatNullNumberAsZero"), 43.0)
RECORD_TYPE_SINCE = {"developerName": 43.0}


def since(body: dict, introduced: dict[str, float], version: str) -> dict:
    """``body`` without the keys introduced after API ``version`` (``v42.0``)."""
    number = float(version.lstrip("v"))
    return {k: v for k, v in body.items() if introduced.get(k, 0.0) <= number}


_SUMMARY_DEFAULTS = {
    "activateable": False, "associateEntityType": None, "associateParentEntity": None,
    "customSetting": False, "deepCloneable": False, "deprecatedAndHidden": False,
    "feedEnabled": True, "hasSubtypes": False, "isInterface": False, "isSubtype": False,
    "layoutable": True, "mergeable": False, "mruEnabled": True, "queryable": True,
    "replicateable": True, "retrieveable": True, "searchable": True, "triggerable": True,
}


def urls(sobject: "SObjectDef", version: str) -> dict:
    """The ``urls`` block of describeGlobal and describe."""
    base = f"/services/data/{version}/sobjects/{sobject.name}"
    return {"compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
            "approvalLayouts": f"{base}/describe/approvalLayouts",
            "listviews": f"{base}/listviews", "describe": f"{base}/describe",
            "quickActions": f"{base}/quickActions", "layouts": f"{base}/describe/layouts",
            "sobject": base}


def summary(sobject: "SObjectDef", version: str) -> dict:
    """The describeGlobal entry (and ``objectDescribe``) of an object."""
    flags = {**_SUMMARY_DEFAULTS, "feedEnabled": not sobject.custom, "queryable": sobject.queryable,
             **sobject.flags}
    body = {**flags, "createable": sobject.createable, "custom": sobject.custom,
            "deletable": sobject.deletable, "keyPrefix": sobject.key_prefix,
            "label": sobject.label, "labelPlural": sobject.label_plural, "name": sobject.name,
            "undeletable": sobject.deletable, "updateable": sobject.updateable}
    body.update({k: v for k, v in sobject.flags.items() if k in body})
    body = since(dict(sorted(body.items())), SINCE, version)
    body["urls"] = urls(sobject, version)
    return body


def full(sobject: "SObjectDef", version: str, instance_url: str | None = None) -> dict:
    """The full sObject describe; with the instance's URL, the classic UI links of a layoutable
    object (``uiDetailTemplate``, ``uiEditTemplate``, ``uiNewRecord``) as real orgs send them."""
    body = summary(sobject, version)
    if instance_url and body.get("layoutable"):
        body["urls"] = {**body["urls"], "uiDetailTemplate": f"{instance_url}/{{ID}}",
                        "uiEditTemplate": f"{instance_url}/{{ID}}/e",
                        "uiNewRecord": f"{instance_url}/{sobject.key_prefix}/e"}
    body.update({
        "actionOverrides": [], "childRelationships": [c.describe() for c in
                                                      sobject.child_relationships],
        "compactLayoutable": True, "defaultImplementation": None, "extendedBy": None,
        "extendsInterfaces": None,
        "fields": [since(f.describe(), FIELD_SINCE, version) for f in sobject.fields.values()],
        "implementedBy": None, "implementsInterfaces": None, "listviewable": None,
        "lookupLayoutable": None, "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": [since({
            "active": True, "available": True, "defaultRecordTypeMapping": True,
            "developerName": "Master", "master": True, "name": "Master",
            "recordTypeId": "012000000000000AAA",
            "urls": {"layout": f"/services/data/{version}/sobjects/{sobject.name}/describe/"
                               "layouts/012000000000000AAA"}}, RECORD_TYPE_SINCE, version)],
        "searchLayoutable": True, "sobjectDescribeOption": "FULL",
        "supportedScopes": [{"label": "All records", "name": "everything"}],
    })
    return since(dict(sorted(body.items())), SINCE, version)
