"""Field-selection rules checked when a data source is configured (rules 26–27).

Caps count distinct CDP custom fields — ``*:cm:*`` for people, ``*:oc:*`` for organisations —
across every selected object, because the cap is on what the CDP stores: a Contact field and a
Lead field mapped to the same ``str:cm:tier`` use one slot. Default (system) fields never count.
The caps are constants because the product's pages disagree (the older a-673 says 100/50, the
seed says 100/50, the newer a-673 says 250/100 in total): pass other caps to change them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config_error import ConfigurationError
from . import fields as f
from .fieldmap import DEFAULT_FIELDS, REQUIRED_OBJECT

MAX_CUSTOM_PERSON_FIELDS = 100
MAX_CUSTOM_ORG_FIELDS = 50
#: Contact default fields (Salesforce name → CDP field id); they cannot be deselected (rule 27).
CONTACT_DEFAULT_FIELDS: Mapping[str, str] = DEFAULT_FIELDS[REQUIRED_OBJECT]

@dataclass(frozen=True, slots=True)
class FieldCounts:
    """Custom fields a valid selection uses."""

    custom_person_fields: int
    custom_org_fields: int


def count_custom_fields(selection: Mapping[str, Mapping[str, str]]) -> FieldCounts:
    """Distinct custom person and organisation fields in ``{object: {sf_field: cdp_field}}``."""
    person, org = set(), set()
    for mapping in selection.values():
        for cdp_field in mapping.values():
            if f.is_custom_person_field(cdp_field):
                person.add(cdp_field)
            elif f.is_custom_org_field(cdp_field):
                org.add(cdp_field)
    return FieldCounts(len(person), len(org))


def validate_selection(selection: Mapping[str, Mapping[str, str]],
                       max_person: int = MAX_CUSTOM_PERSON_FIELDS,
                       max_org: int = MAX_CUSTOM_ORG_FIELDS) -> FieldCounts:
    """Check rules 26–27 on ``{object: {sf_field: cdp_field}}``; raise ``ConfigurationError``."""
    contact = selection.get(REQUIRED_OBJECT)
    if contact is None:
        raise ConfigurationError("the Contact object is required and cannot be deselected")
    missing = [name for name in CONTACT_DEFAULT_FIELDS if name not in contact]
    if missing:
        raise ConfigurationError(f"Contact default fields cannot be deselected: "
                                 f"{', '.join(missing)}")
    for sobject, mapping in selection.items():
        for sf_field, cdp_field in mapping.items():
            try:
                f.parse(cdp_field)  # a malformed id would silently escape the caps
            except ValueError:
                raise ConfigurationError(f"{sobject}.{sf_field} maps to {cdp_field!r}, which is "
                                         f"not a CDP field id (type:namespace:name)") from None
    counts = count_custom_fields(selection)
    if counts.custom_person_fields > max_person:
        raise ConfigurationError(
            f"{counts.custom_person_fields} custom person fields selected; the cap is "
            f"{max_person} across all objects (default fields do not count)")
    if counts.custom_org_fields > max_org:
        raise ConfigurationError(
            f"{counts.custom_org_fields} custom organization fields selected; the cap is "
            f"{max_org} across all objects (default fields do not count)")
    return counts
