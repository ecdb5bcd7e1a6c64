"""The field mapping: which Salesforce field lands in which CDP field.

One home for the objects a data source syncs as standard streams, the built-in person and
organization fields, each standard object's default mapping, and the rule that names the CDP
field of a Salesforce field the configuration lists without one (``Tier__c`` → ``str:cm:tier``
on people, ``str:oc:tier`` on organizations). The configuration file (``syncer.config``) starts
from these defaults and adds what it lists; custom objects synced as people or organizations
(``syncer.config_custom``) map through the same built-ins.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import fields as f

PERSON, ORGANIZATION = "person", "organization"
#: The object a data source always syncs (rule 27: it cannot be deselected).
REQUIRED_OBJECT = "Contact"
#: The objects chosen in ``[sync] objects``, in the order the product lists them.
DEFAULT_OBJECTS = ("Contact", "Lead", "Account", "Opportunity", "Campaign", "Task")
#: Every object the syncer reads as a standard stream (a custom object cannot take their names):
#: the chosen ones and those read on their behalf (Opportunity's contact roles, Campaign's members).
STANDARD_OBJECTS = frozenset({*DEFAULT_OBJECTS, "OpportunityContactRole", "CampaignMember"})
#: Salesforce fields that land in built-in CDP fields, by what a record becomes.
BUILT_IN: dict[str, dict[str, str]] = {
    PERSON: {"FirstName": f.FIRST, "LastName": f.LAST, "Email": f.EMAIL, "Phone": f.PHONE},
    ORGANIZATION: {"Name": f.ORG_NAME, "Website": f.ORG_WEBSITE, "Industry": f.ORG_INDUSTRY},
}
#: Each standard object's default mapping (Contact's cannot be deselected, rule 27).
DEFAULT_FIELDS: dict[str, dict[str, str]] = {
    "Contact": {**BUILT_IN[PERSON], "MailingCity": f.CITY, "MailingCountry": f.COUNTRY},
    "Lead": {**BUILT_IN[PERSON], "City": f.CITY, "Country": f.COUNTRY},
    "Account": dict(BUILT_IN[ORGANIZATION]),
}


def kind_of(sobject: str) -> str:
    """What a standard object's records become: Account's organizations, the others' people."""
    return ORGANIZATION if sobject == "Account" else PERSON


def auto_field_id(kind: str, sf_field: str) -> str:
    """The CDP custom field a Salesforce field maps to when none is named (``Tier__c`` →
    ``str:cm:tier`` for a person, ``str:oc:tier`` for an organization)."""
    name = sf_field.removesuffix("__c").lower().replace("_", "-")
    return f.custom_org(name) if kind == ORGANIZATION else f.custom_person(name)


def listed(kind: str, names: Iterable[str], built_in: bool = False) -> dict[str, str]:
    """The mapping of fields listed by name: each to its automatic custom field, or with
    ``built_in`` to the built-in field of that name where there is one."""
    known = BUILT_IN[kind] if built_in else {}
    return {name: known.get(name) or auto_field_id(kind, name) for name in names}


def defaults() -> dict[str, dict[str, str]]:
    """A fresh copy of every standard object's default mapping."""
    return {sobject: dict(mapping) for sobject, mapping in DEFAULT_FIELDS.items()}
