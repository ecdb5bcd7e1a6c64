"""Compound address and location fields are read as their parts (``syncer.sync.compound``)."""
from syncer.sync import bulk, compound


def address(prefix: str) -> list[dict]:
    """The describe entries of a standard address, as Salesforce lists them."""
    name = f"{prefix}Address"
    parts = [(f"{prefix}{p}", "double" if p in ("Latitude", "Longitude") else "string")
             for p in ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")]
    return [{"name": n, "type": t, "compoundFieldName": name} for n, t in parts] + \
        [{"name": name, "type": "address", "compoundFieldName": None}]


CONTACT = [{"name": "Email", "type": "email"}, *address("Mailing"), *address("Other")]


def test_a_mapped_address_becomes_its_parts_in_fields_named_after_it():
    mapping = compound.expand({"Email": "str::email", "MailingAddress": "str:cm:mailing"}, CONTACT)
    assert mapping == {
        "Email": "str::email",
        "MailingStreet": "str:cm:mailing-street", "MailingCity": "str:cm:mailing-city",
        "MailingState": "str:cm:mailing-state", "MailingPostalCode": "str:cm:mailing-postal-code",
        "MailingCountry": "str:cm:mailing-country",
        "MailingLatitude": "dbl:cm:mailing-latitude", "MailingLongitude": "dbl:cm:mailing-longitude"}


def test_a_part_mapped_on_its_own_keeps_its_cdp_field():
    mapping = compound.expand({"MailingCity": "geo::city", "MailingAddress": "str:cm:mailing"}, CONTACT)
    assert mapping["MailingCity"] == "geo::city"
    assert "MailingAddress" not in mapping and mapping["MailingStreet"] == "str:cm:mailing-street"


def test_an_organization_address_lands_in_organization_fields():
    account = address("Billing")
    assert compound.expand({"BillingAddress": "str:oc:billing"}, account)["BillingPostalCode"] == \
        "str:oc:billing-postal-code"


def test_a_lead_address_and_a_custom_location_name_their_parts():
    assert compound.part_name("Address", "PostalCode") == "postal-code"
    assert compound.part_name("Loc__c", "Loc__Latitude__s") == "latitude"
    location = [{"name": "Loc__Latitude__s", "type": "double", "compoundFieldName": "Loc__c"},
                {"name": "Loc__Longitude__s", "type": "double", "compoundFieldName": "Loc__c"},
                {"name": "Loc__c", "type": "location"}]
    assert compound.expand({"Loc__c": "Loc__c"}, location, keep_names=True) == {
        "Loc__Latitude__s": "Loc__Latitude__s", "Loc__Longitude__s": "Loc__Longitude__s"}


def test_without_a_mapped_compound_the_mapping_is_unchanged():
    mapping = {"Email": "str::email", "MailingCity": "geo::city"}
    assert compound.expand(mapping, CONTACT) == mapping


def test_the_expanded_select_is_one_bulk_can_serve():
    describe = {"Contact": {"fields": CONTACT}}.__getitem__
    assert bulk.rest_only_reason("Contact", ["Id", "MailingAddress"], describe) == "compound address field MailingAddress"
    parts = compound.expand({"MailingAddress": "str:cm:mailing"}, CONTACT)
    assert bulk.rest_only_reason("Contact", ["Id", *parts], describe) is None
