"""The field mapping's one home: standard objects, built-in fields, defaults, automatic ids."""
from __future__ import annotations

from syncer.cdp import fields as f
from syncer.cdp import fieldmap
from syncer.cdp.fieldmap import ORGANIZATION, PERSON
from syncer.sync.streams import STREAMS


def test_every_stream_reads_a_standard_object_and_every_chosen_object_has_a_stream():
    assert {s.name for s in STREAMS} | {s.config_object for s in STREAMS} == fieldmap.STANDARD_OBJECTS
    assert {s.config_object for s in STREAMS} == set(fieldmap.DEFAULT_OBJECTS)


def test_a_listed_field_gets_a_custom_id_of_what_its_record_becomes():
    assert fieldmap.auto_field_id(PERSON, "Annual_Tier__c") == "str:cm:annual-tier"
    assert fieldmap.auto_field_id(ORGANIZATION, "Region__c") == "str:oc:region"
    assert [fieldmap.kind_of(o) for o in ("Contact", "Lead", "Account")] == [PERSON, PERSON, ORGANIZATION]


def test_built_in_names_map_to_built_in_fields_only_when_asked():
    assert fieldmap.listed(ORGANIZATION, ["Name", "Region__c"], built_in=True) == {
        "Name": f.ORG_NAME, "Region__c": "str:oc:region"}
    assert fieldmap.listed(PERSON, ["Email"]) == {"Email": "str:cm:email"}


def test_defaults_are_a_fresh_copy():
    fresh = fieldmap.defaults()
    fresh["Contact"]["Tier__c"] = "str:cm:tier"
    assert "Tier__c" not in fieldmap.DEFAULT_FIELDS["Contact"]
    assert fresh["Account"] == fieldmap.BUILT_IN[ORGANIZATION]


def test_a_page_maps_to_cdp_records_with_hidden_ids_links_and_permissions_in_order():
    from datetime import datetime, timezone

    from syncer.cdp.candidates import IncomingRecord
    from syncer.sync.streams import CONTACT, to_cdp_records
    mapping = {**fieldmap.DEFAULT_FIELDS["Contact"], "Tier__c": "str:cm:tier"}
    full = {"Id": "003A", "SystemModstamp": "2026-12-04T20:00:00.000+0000", "FirstName": "Ada",
            "LastName": "Lee", "Email": " ADA@x.example", "Phone": "+61 2", "MailingCity": "",
            "MailingCountry": "AU", "Tier__c": "gold", "AccountId": "001A", "HasOptedOutOfEmail": True}
    short = {k: v for k, v in full.items() if k not in ("Tier__c", "Phone")}  # fields not sent: left out
    first, second = to_cdp_records(CONTACT, [full, short], mapping, {"email": "HasOptedOutOfEmail"})
    stamp = datetime(2026, 12, 4, 20, tzinfo=timezone.utc)
    assert (first.sf_id, first.sf_object, first.account_id, first.converted_contact_id, first.modstamp) == (
        "003A", "Contact", "001A", None, stamp)
    assert list(first.fields.items()) == [  # normalised: email trimmed and lower-cased, "" → None
        (f.FIRST, "Ada"), (f.LAST, "Lee"), (f.EMAIL, "ada@x.example"), (f.PHONE, "+612"), (f.CITY, None),
        (f.COUNTRY, "AU"), ("str:cm:tier", "gold"), (f.EMAIL_PERMISSION, True)]
    assert list(second.fields.items()) == [
        (k, v) for k, v in first.fields.items() if k not in ("str:cm:tier", f.PHONE)]
    # The same records as the CDP's documented mapping shape, built by ``from_mapping``.
    assert first == IncomingRecord.from_mapping({
        "sf_id": "003A", "sf_object": "Contact", "modstamp": stamp, f.FIRST: "Ada", f.LAST: "Lee",
        f.EMAIL: " ADA@x.example", f.PHONE: "+61 2", f.CITY: "", f.COUNTRY: "AU", "str:cm:tier": "gold",
        "account_id": "001A", f.EMAIL_PERMISSION: True})


def test_leads_carry_their_converted_contact_and_accounts_no_link():
    from syncer.cdp.candidates import IncomingRecord
    from syncer.sync.streams import ACCOUNT, LEAD, to_cdp_records
    lead = {"Id": "00QA", "SystemModstamp": None, "LastName": "Lee", "Email": "", "Phone": "(02) 9999-0000",
            "ConvertedContactId": "003B", "AccountId": "001X", "HasOptedOutOfFax": True}
    [record] = to_cdp_records(LEAD, [lead], {"LastName": f.LAST, "Email": f.EMAIL, "Phone": f.PHONE},
                              {"sms": "HasOptedOutOfFax"})
    assert record == IncomingRecord("00QA", {f.LAST: "Lee", f.EMAIL: None, f.PHONE: "0299990000",
                                             f.SMS_PERMISSION: True}, "Lead", None, "003B", None)
    account = {"Id": "001A", "SystemModstamp": "2026-12-04T20:00:00.000+0000", "Name": "Acme"}
    [org] = to_cdp_records(ACCOUNT, [account], {"Name": f.ORG_NAME}, {"email": "HasOptedOutOfEmail"})
    assert (org.sf_object, org.account_id, org.converted_contact_id, org.fields) == (
        "Account", None, None, {f.ORG_NAME: "Acme"})
