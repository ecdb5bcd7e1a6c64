"""Field ids and value normalisation (rules 2 and 11)."""
from __future__ import annotations

import pytest

from syncer.cdp import fields as f
from syncer.cdp.candidates import IncomingRecord


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Ann@Example.ORG ", "ann@example.org"), ("", None), ("   ", None), (None, None)])
def test_email_is_trimmed_and_lower_cased(raw, expected):
    assert f.normalize(f.EMAIL, raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("+61 400 000 001", "+61400000001"),
    ("+1 (415) 555-0100", "+14155550100"),
    ("+44.20.7946.0018", "+442079460018"),
    ("(02) 9999 1234", "0299991234"),  # no country code: bare national digits, not guessed
    ("ext. unknown", "ext. unknown"),  # not a phone number: kept as written
    ("", None),
])
def test_phone_is_reduced_to_e164_digits(raw, expected):
    assert f.normalize(f.PHONE, raw) == expected


def test_blank_string_becomes_null_for_every_field():
    assert f.normalize_fields({f.FIRST: "", f.custom_person("tier"): "", "bol::p": ""}) == {
        f.FIRST: None, "str:cm:tier": None, "bol::p": None}


def test_other_values_are_kept_as_given():
    assert f.normalize(f.FIRST, " Ann ") == " Ann "


def test_field_ids_parse_into_type_namespace_and_name():
    assert f.parse("str:cm:tier") == f.FieldId("str", "cm", "tier")
    assert str(f.parse("phn::phone")) == "phn::phone"


@pytest.mark.parametrize("bad", ["email", "str:email", "xyz::email", "str:cm:"])
def test_malformed_field_ids_are_rejected(bad):
    with pytest.raises(ValueError, match="not a CDP field id"):
        f.parse(bad)


def test_field_kinds_follow_the_namespace():
    assert (f.is_system_person_field(f.PHONE), f.is_system_person_field("str:cm:x")) == (True, False)
    assert (f.is_custom_person_field(f.custom_person("x", "int")), f.custom_person("x", "int")) == (
        True, "int:cm:x")
    assert (f.is_custom_org_field(f.custom_org("region")), f.is_custom_org_field(f.ORG_NAME)) == (
        True, False)


def test_organisation_names_compare_trimmed_single_spaced_and_case_folded():
    assert f.name_key("  Rainy   Day INSURANCE ") == "rainy day insurance"


def test_an_organisation_name_key_collapses_every_kind_of_whitespace_as_the_regex_would():
    import re
    import sys
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))]
    names = ["", " ", "Acme", "ÉCOLE  Straße", *(f"{s}A{s}{s}b{t}c{s}" for s in spaces for t in spaces[::7])]
    for name in names:
        assert f.name_key(name) == (re.sub(r"\s+", " ", name).strip().casefold() or None), repr(name)


def test_incoming_record_normalises_and_keeps_hidden_ids():
    record = IncomingRecord.from_mapping({"sf_id": "003A", "sf_object": "Lead",
                                          "account_id": "", "converted_contact_id": "003C",
                                          f.EMAIL: " A@X.org", f.PHONE: "+61 400 000 001"})
    assert (record.sf_object, record.account_id, record.converted_contact_id) == (
        "Lead", None, "003C")
    assert (record.email, record.phone) == ("a@x.org", "+61400000001")


def test_incoming_record_rejects_unknown_keys_and_missing_ids():
    with pytest.raises(ValueError, match="unknown record key 'Email'"):
        IncomingRecord.from_mapping({"sf_id": "003A", "Email": "a@x.org"})
    with pytest.raises(ValueError, match="needs its sf_id"):
        IncomingRecord.from_mapping({f.EMAIL: "a@x.org"})
