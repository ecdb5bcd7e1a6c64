"""Rule 40: the optional daily refresh of formula and roll-up fields (``syncer.sync.formulas``)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.cdp import readers
from syncer.config import ConfigurationError, from_dict
from syncer.service import Syncer
from syncer.sync import formulas, state

from configs import connected

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_only_mapped_calculated_fields_are_refreshed():
    described = [{"name": "Tier__c", "calculated": True}, {"name": "Email", "calculated": False},
                 {"name": "Score__c", "calculated": True}]
    assert formulas.calculated({"Tier__c": "str:cm:tier", "Email": "str::email"}, described) == {
        "Tier__c": "str:cm:tier"}


def test_a_refresh_is_due_a_day_after_the_last_or_when_there_was_none():
    bookmarks = state.Bookmarks()
    assert bookmarks.formulas_due("Contact", T0)
    bookmarks.formulas_read("Contact", T0)
    assert not bookmarks.formulas_due("Contact", T0 + timedelta(hours=23, minutes=59))
    assert bookmarks.formulas_due("Contact", T0 + timedelta(days=1))
    assert bookmarks.formulas_due("Account", T0)


def test_the_refresh_is_off_by_default_and_named_in_the_settings():
    assert from_dict({}).formula_refresh == "off"
    assert from_dict({"sync": {"formula_refresh": "daily"}}).to_json()["formula_refresh"] == "daily"
    with pytest.raises(ConfigurationError, match=r"\[sync\] formula_refresh must be 'off' or 'daily', not 'hourly'"):
        from_dict({"sync": {"formula_refresh": "hourly"}})


# --- against the mock org --------------------------------------------------------------------

@pytest.fixture
def org(salesforce_org):
    for sobject in ("Contact", "Account"):
        salesforce_org.control("POST", f"orgs/org1/fields/{sobject}", json={
            "name": "Tier__c", "type": "string", "calculated": True, "calculatedFormula": "'x'"})
    return salesforce_org


def make_syncer(org, tmp_path, **sync) -> Syncer:
    return connected(
        org, tmp_path, sync={"objects": ["Contact", "Account"], **sync},
        objects={"Contact": {"custom_fields": {"Tier__c": "str:cm:tier"}},
                 "Account": {"custom_fields": {"Tier__c": "str:oc:tier"}}},
        permissions={"email": {"field": "HasOptedOutOfEmail", "value_for_true": False,
                               "value_for_false": True}},
        filters={"Contact": {"conditions": [{"field": "LeadSource", "operator": "=", "value": "Web"}]}})


def recalculate(org, sobject, values: dict[str, str]) -> None:
    org.control("POST", f"orgs/org1/calculated/{sobject}",
                json={"records": [{"Id": sf_id, "Tier__c": value} for sf_id, value in values.items()]})


def test_a_daily_refresh_merges_formulas_into_synced_records_only(org, tmp_path):
    sf = org.client()
    account = sf.Account.create({"Name": "Globex"})["id"]
    web = sf.Contact.create({"LastName": "Web", "Email": "w@x.org", "LeadSource": "Web",
                             "AccountId": account, "HasOptedOutOfEmail": False})["id"]
    phone = sf.Contact.create({"LastName": "Phone", "Email": "p@x.org", "LeadSource": "Phone Inquiry"})["id"]
    recalculate(org, "Contact", {web: "Gold", phone: "Gold"})
    recalculate(org, "Account", {account: "Gold"})
    service = make_syncer(org, tmp_path, formula_refresh="daily")
    org.control("POST", "clock", json={"advance": 20 * 60})  # past the next poll's lookback
    first = service.sync()  # the initial sync read every formula: no refresh yet
    assert formulas.REFRESHED not in first.streams["Contact"].counts
    (person,) = readers.iter_people(service.cdp.engine)
    recalculate(org, "Contact", {web: "Platinum", phone: "Platinum"})
    recalculate(org, "Account", {account: "Platinum"})

    org.control("POST", "clock", json={"advance": 23 * 3600})
    assert formulas.REFRESHED not in service.sync().streams["Contact"].counts  # not a day yet
    org.control("POST", "clock", json={"advance": 3600})
    summary = service.sync()
    assert (summary.streams["Contact"].counts[formulas.REFRESHED],
            summary.streams["Account"].counts[formulas.REFRESHED]) == (1, 1)
    (after,) = readers.iter_people(service.cdp.engine)  # the filtered-out contact was not created
    (organization,) = readers.iter_organizations(service.cdp.engine)
    assert (after.fields["str:cm:tier"], organization.fields["str:oc:tier"]) == ("Platinum", "Platinum")
    assert after.organization_id == organization.id  # the link to its account is kept
    assert (after.email_permission, after.fields.get("str::email")) == (person.email_permission, "w@x.org")


def test_without_the_refresh_formulas_wait_for_a_change(org, tmp_path):
    sf = org.client()
    web = sf.Contact.create({"LastName": "Web", "Email": "w@x.org", "LeadSource": "Web"})["id"]
    recalculate(org, "Contact", {web: "Gold"})
    service = make_syncer(org, tmp_path)
    org.control("POST", "clock", json={"advance": 20 * 60})  # past the next poll's lookback
    service.sync()
    recalculate(org, "Contact", {web: "Platinum"})
    org.control("POST", "clock", json={"advance": 3 * 86400})
    assert formulas.REFRESHED not in service.sync().streams["Contact"].counts
    (person,) = readers.iter_people(service.cdp.engine)
    assert person.fields["str:cm:tier"] == "Gold"
