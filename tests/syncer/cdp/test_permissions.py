"""Email and SMS permissions: rules 18–21 (pure, no DB)."""
from __future__ import annotations

import pytest

from syncer.cdp import fields as f
from syncer.cdp.merge import plan_batch
from syncer.cdp.settings import (
    MergeSettings,
    PeopleSettings,
    PermissionDirection,
    PermissionMapping,
)

from .builders import OTHER_SOURCE, contact, people_index, person

TO_CDP = PermissionDirection.TO_CDP
OUT = PermissionDirection.TO_SALESFORCE
TWO_WAY = PermissionDirection.TWO_WAY
OPT = PermissionMapping(TO_CDP, value_for_true="Opted In", value_for_false="Opted Out")


def plan(record, *existing, ui: str = "overwrite", email=None, sms=None):
    s = PeopleSettings(merge=MergeSettings.from_ui(ui), email_permission=email,
                       sms_permission=sms)
    [outcome] = plan_batch([record], people_index(*existing), s)
    return outcome


def existing_person(email_permission=True, sms_permission=False, unsubscribed=False):
    snapshot, links = person(1, "003A")
    snapshot.email_permission, snapshot.sms_permission = email_permission, sms_permission
    snapshot.email_unsubscribed_in_cdp = unsubscribed
    return snapshot, links


# --- rule 18: new people ------------------------------------------------------------------

def test_new_person_without_mappings_is_email_subscribed_and_sms_unsubscribed():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: False, f.SMS_PERMISSION: True}))
    assert (outcome.target.email_permission, outcome.target.sms_permission) == (True, False)
    assert outcome.changes[f.EMAIL_PERMISSION] is True


def test_new_person_is_email_unsubscribed_when_the_field_has_the_value_for_false():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out"}), email=OPT)
    assert outcome.target.email_permission is False


@pytest.mark.parametrize("raw", ["Opted In", "Unknown", None])
def test_new_person_is_email_subscribed_for_any_other_value(raw):
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: raw}), email=OPT)
    assert outcome.target.email_permission is True


def test_new_person_is_sms_subscribed_only_for_the_value_for_true():
    yes = plan(contact("003A", **{f.SMS_PERMISSION: "opted in "}), sms=OPT)
    other = plan(contact("003A", **{f.SMS_PERMISSION: "Maybe"}), sms=OPT)
    assert (yes.target.sms_permission, other.target.sms_permission) == (True, False)


def test_checkbox_values_from_bulk_csv_text_match_boolean_configuration():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "false"}), email=PermissionMapping())
    assert outcome.target.email_permission is False


# --- rule 19: existing people -------------------------------------------------------------

def test_existing_permissions_are_unchanged_without_a_mapping():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: False}), existing_person())
    assert outcome.target.email_permission is True
    assert outcome.changes == {}


@pytest.mark.parametrize("direction", [TO_CDP, TWO_WAY])
def test_existing_permission_follows_a_mapping_that_reads_salesforce(direction):
    mapping = PermissionMapping(direction, "Opted In", "Opted Out")
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out"}), existing_person(),
                   email=mapping)
    assert (outcome.target.email_permission, outcome.changes) == (False, {f.EMAIL_PERMISSION: False})


@pytest.mark.parametrize("creator", [None, OTHER_SOURCE], ids=["csv", "another-source"])
@pytest.mark.parametrize("key", ["email", "sf_id"])
def test_a_person_this_source_did_not_create_keeps_its_permissions_with_a_mapping(creator, key):
    # Rule 19 as the seed words it: merged by email (first sight) or by its hidden Id (later
    # changes of the field), a person created elsewhere keeps both permissions.
    existing, links = person(1, *(["003A"] if key == "sf_id" else []), email="a@x.org")
    existing.created_by = creator
    existing.email_permission, existing.sms_permission = True, True
    outcome = plan(contact("003A", "a@x.org", **{f.EMAIL_PERMISSION: "Opted Out",
                                                 f.SMS_PERMISSION: "Opted Out"}),
                   (existing, links), email=OPT, sms=OPT)
    assert outcome.target is existing
    assert (existing.email_permission, existing.sms_permission) == (True, True)
    assert f.EMAIL_PERMISSION not in outcome.changes


def test_existing_sms_permission_is_subscribed_by_the_value_for_true():
    outcome = plan(contact("003A", **{f.SMS_PERMISSION: "Opted In"}), existing_person(), sms=OPT)
    assert outcome.target.sms_permission is True


def test_mapping_applies_under_append_only_too():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out"}), existing_person(),
                   ui="merge-new-data", email=OPT)
    assert outcome.target.email_permission is False


def test_ignore_strategy_never_changes_permissions():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out"}), existing_person(),
                   ui="new-records-only", email=OPT)
    assert outcome.target.email_permission is True


def test_unrecognised_value_leaves_an_existing_permission_alone():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Pending"}),
                   existing_person(email_permission=False), email=OPT)
    assert outcome.target.email_permission is False


# --- rule 20: a CDP unsubscribe wins ------------------------------------------------------

def test_salesforce_never_resubscribes_a_person_unsubscribed_in_the_cdp():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted In"}),
                   existing_person(email_permission=False, unsubscribed=True), email=OPT)
    assert outcome.target.email_permission is False
    assert outcome.changes == {}


def test_salesforce_resubscribes_a_person_it_unsubscribed_itself():
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted In"}),
                   existing_person(email_permission=False), email=OPT)
    assert outcome.target.email_permission is True


# --- rule 21: one-way out -----------------------------------------------------------------

def test_one_way_out_mapping_is_never_read_for_new_people():
    mapping = PermissionMapping(OUT, "Opted In", "Opted Out")
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out",
                                      f.SMS_PERMISSION: "Opted In"}), email=mapping, sms=mapping)
    assert (outcome.target.email_permission, outcome.target.sms_permission) == (True, False)


def test_one_way_out_mapping_is_never_read_for_existing_people():
    mapping = PermissionMapping(OUT, "Opted In", "Opted Out")
    outcome = plan(contact("003A", **{f.EMAIL_PERMISSION: "Opted Out"}), existing_person(),
                   email=mapping)
    assert outcome.target.email_permission is True
