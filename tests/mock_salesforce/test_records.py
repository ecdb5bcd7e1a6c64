"""Value validation and serialisation per Salesforce field type."""
import pytest

from mock_salesforce import errors
from mock_salesforce.backend.records import serialise, to_json, to_store
from mock_salesforce.backend.schema import FieldDef
from mock_salesforce.backend.standard_objects import standard_objects


def field(kind, **kw):
    return FieldDef("X__c", kind, **kw)


@pytest.mark.parametrize("kind,value,stored", [
    ("boolean", True, True), ("boolean", "false", False), ("int", 3, 3), ("int", "4", 4),
    ("double", "1.5", 1.5), ("currency", 10, 10.0), ("date", "2024-02-29", "2024-02-29"),
    ("datetime", "2024-01-02T03:04:05Z", 1704164645000),
    ("datetime", "2024-01-02T03:04:05.000+0000", 1704164645000),
    ("datetime", "2024-01-02T05:04:05.123456+02:00", 1704164645123),
    ("string", "abc", "abc"), ("email", "a@b.co", "a@b.co"), ("string", None, None),
])
def test_valid_values_are_stored_in_their_column_form(kind, value, stored):
    assert to_store(field(kind), value) == stored


@pytest.mark.parametrize("kind,value", [
    ("boolean", "yes"), ("int", "x"), ("int", 1.5), ("int", True), ("double", "abc"),
    ("date", "29/02/2024"), ("date", 20240101), ("datetime", "yesterday"), ("string", {"a": 1}),
])
def test_wrong_types_are_json_parser_errors(kind, value):
    with pytest.raises(errors.JSON_PARSER_ERROR):
        to_store(field(kind), value)


def test_too_long_string_is_string_too_long():
    with pytest.raises(errors.STRING_TOO_LONG) as caught:
        to_store(field("string", length=3), "abcd")
    assert caught.value.fields == ["X__c"]


def test_bad_email_is_invalid_email_address():
    with pytest.raises(errors.INVALID_EMAIL_ADDRESS):
        to_store(field("email"), "not-an-email")


def test_restricted_picklist_refuses_unknown_value():
    with pytest.raises(errors.INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST):
        to_store(field("picklist", picklist_values=["A"], restricted_picklist=True), "B")


def test_unrestricted_picklist_accepts_any_value():
    assert to_store(field("picklist", picklist_values=["A"]), "B") == "B"


def test_malformed_reference_is_malformed_id():
    with pytest.raises(errors.MALFORMED_ID):
        to_store(field("reference", reference_to=["Account"]), "001xyz")


def test_15_character_reference_is_stored_as_18():
    assert to_store(field("reference"), "001D000000IqhSL") == "001D000000IqhSLIAZ"


def test_datetime_serialises_in_salesforce_format():
    assert to_json(field("datetime"), 1704164645123) == "2024-01-02T03:04:05.123+0000"


def test_record_has_attributes_and_compound_address():
    account = next(o for o in standard_objects() if o.name == "Account")
    body = serialise(account, {"Id": "001D000000IqhSLIAZ", "Name": "Acme", "BillingCity": "Paris"},
                     "v59.0")
    assert body["attributes"] == {"type": "Account",
                                  "url": "/services/data/v59.0/sobjects/Account/001D000000IqhSLIAZ"}
    assert body["BillingAddress"]["city"] == "Paris" and body["ShippingAddress"] is None
