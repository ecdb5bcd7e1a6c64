"""Field-selection caps and required fields (rules 26–27)."""
from __future__ import annotations

import pytest

from syncer.cdp import fields as f
from syncer.cdp.limits import (
    CONTACT_DEFAULT_FIELDS,
    MAX_CUSTOM_ORG_FIELDS,
    MAX_CUSTOM_PERSON_FIELDS,
    ConfigurationError,
    FieldCounts,
    validate_selection,
)

CONTACT = dict(CONTACT_DEFAULT_FIELDS)


def custom(prefix: str, count: int, make=f.custom_person) -> dict[str, str]:
    return {f"{prefix}{i}__c": make(f"{prefix.lower()}{i}") for i in range(count)}


def test_caps_are_100_person_and_50_organisation_fields():
    assert (MAX_CUSTOM_PERSON_FIELDS, MAX_CUSTOM_ORG_FIELDS) == (100, 50)


def test_selection_at_the_caps_is_accepted():
    selection = {"Contact": {**CONTACT, **custom("C", 100)},
                 "Account": {"Name": f.ORG_NAME, **custom("A", 50, f.custom_org)}}
    assert validate_selection(selection) == FieldCounts(100, 50)


def test_101st_custom_person_field_is_rejected_with_count_and_cap():
    with pytest.raises(ConfigurationError) as error:
        validate_selection({"Contact": {**CONTACT, **custom("C", 101)}})
    assert str(error.value) == ("101 custom person fields selected; the cap is 100 across all "
                                "objects (default fields do not count)")


def test_51st_custom_organisation_field_is_rejected_with_count_and_cap():
    with pytest.raises(ConfigurationError) as error:
        validate_selection({"Contact": CONTACT, "Account": custom("A", 51, f.custom_org)})
    assert str(error.value) == ("51 custom organization fields selected; the cap is 50 across "
                                "all objects (default fields do not count)")


def test_person_cap_is_cumulative_across_objects():
    selection = {"Contact": {**CONTACT, **custom("C", 60)}, "Lead": custom("L", 41)}
    with pytest.raises(ConfigurationError, match="^101 custom person fields"):
        validate_selection(selection)


def test_one_cdp_field_mapped_from_two_objects_uses_one_slot():
    selection = {"Contact": {**CONTACT, **custom("C", 100)}, "Lead": {"Tier__c": "str:cm:c0"}}
    assert validate_selection(selection).custom_person_fields == 100


def test_default_fields_do_not_count():
    selection = {"Contact": {**CONTACT, "MailingCity": f.CITY, **custom("C", 100)},
                 "Account": {"Name": f.ORG_NAME, "Website": f.ORG_WEBSITE}}
    assert validate_selection(selection) == FieldCounts(100, 0)


def test_caps_are_configurable():
    with pytest.raises(ConfigurationError, match="^3 custom person fields selected; the cap is 2"):
        validate_selection({"Contact": {**CONTACT, **custom("C", 3)}}, max_person=2)


def test_contact_object_cannot_be_deselected():
    with pytest.raises(ConfigurationError, match="^the Contact object is required"):
        validate_selection({"Lead": {"Email": f.EMAIL}})


def test_contact_default_fields_cannot_be_deselected():
    contact = {k: v for k, v in CONTACT.items() if k not in ("Email", "Phone")}
    with pytest.raises(ConfigurationError) as error:
        validate_selection({"Contact": contact})
    assert str(error.value) == "Contact default fields cannot be deselected: Email, Phone"


def test_malformed_cdp_field_id_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match=r"^Contact.Tier__c maps to 'tier'"):
        validate_selection({"Contact": {**CONTACT, "Tier__c": "tier"}})
