"""How merges change fields: rules 2–5 (strategies), 17 (org link), 28, 33, 34 (pure, no DB)."""
from __future__ import annotations

from datetime import timedelta

from syncer.cdp import fields as f
from syncer.cdp.merge import (
    IGNORED_EXISTING,
    SKIPPED,
    SKIPPED_NON_EXISTING,
    STALE,
    plan_batch,
)
from syncer.cdp.settings import (
    MergeSettings,
    MergeStrategy,
    PeopleSettings,
    SystemFieldPolicy,
)

from .builders import NOW, contact, held_ids, people_index, person

TIER = f.custom_person("tier")


def settings(ui: str = "overwrite", **kwargs) -> PeopleSettings:
    return PeopleSettings(merge=MergeSettings.from_ui(ui), **kwargs)


def merge_one(existing, record, s: PeopleSettings):
    index = people_index(existing)
    [outcome] = plan_batch([record], index, s)
    return outcome, index


# --- rule 2: append-only ------------------------------------------------------------------

def test_append_only_fills_empty_fields_and_keeps_non_empty_ones():
    existing = person(1, "003A", **{f.FIRST: "Ann"})
    outcome, _ = merge_one(existing, contact("003A", **{f.FIRST: "Anna", f.LAST: "Lee"}),
                           settings("merge-new-data"))
    assert outcome.target.fields == {f.FIRST: "Ann", f.LAST: "Lee"}
    assert outcome.changes == {f.LAST: "Lee"}


def test_append_only_never_clears_with_an_incoming_null():
    existing = person(1, "003A", **{TIER: "gold"})
    outcome, _ = merge_one(existing, contact("003A", **{TIER: ""}), settings("merge-new-data"))
    assert outcome.target.fields[TIER] == "gold"
    assert outcome.changes == {}


# --- rule 3: overwrite --------------------------------------------------------------------

def test_overwrite_replaces_every_field_in_the_payload():
    existing = person(1, "003A", email="a@x.org", **{f.FIRST: "Ann", TIER: "gold"})
    outcome, _ = merge_one(existing, contact("003A", "b@x.org", **{f.FIRST: "Anna"}), settings())
    assert outcome.target.fields == {f.EMAIL: "b@x.org", f.FIRST: "Anna", TIER: "gold"}


def test_overwrite_with_a_blank_value_clears_the_field():
    existing = person(1, "003A", **{f.FIRST: "Ann", TIER: "gold"})
    outcome, _ = merge_one(existing, contact("003A", **{TIER: ""}), settings())
    assert outcome.target.fields == {f.FIRST: "Ann"}
    assert outcome.changes == {TIER: None}


def test_overwrite_of_an_identical_value_is_no_change():
    existing = person(1, "003A", **{f.FIRST: "Ann"})
    outcome, _ = merge_one(existing, contact("003A", **{f.FIRST: "Ann"}), settings())
    assert (outcome.changes, outcome.target.dirty) == ({}, False)


def test_changed_email_moves_the_person_in_the_email_index():
    existing = person(1, "003A", email="a@x.org")
    outcome, index = merge_one(existing, contact("003A", "b@x.org"), settings())
    assert (index.by_email["a@x.org"], index.by_email["b@x.org"]) == ([], [outcome.target])


# --- rule 4: ignore -----------------------------------------------------------------------

def test_ignore_leaves_a_matched_person_untouched_but_records_the_hidden_id():
    existing = person(1, email="a@x.org", **{f.FIRST: "Ann"})
    outcome, index = merge_one(existing, contact("003A", "a@x.org", **{f.FIRST: "Bob"}),
                               settings("new-records-only"))
    assert (outcome.action, outcome.reason, outcome.label) == (SKIPPED, IGNORED_EXISTING,
                                                               IGNORED_EXISTING)
    assert outcome.target.fields == {f.EMAIL: "a@x.org", f.FIRST: "Ann"}
    assert held_ids(index, outcome.target) == {"003A"}


def test_ignore_creates_a_person_when_nothing_matches():
    outcome, _ = merge_one(person(1, email="z@x.org"), contact("003A", "a@x.org"),
                           settings("new-records-only"))
    assert outcome.label == "created"


# --- rule 5: skip_non_existing ------------------------------------------------------------

def test_skip_non_existing_never_creates():
    outcome, index = merge_one(person(1, email="z@x.org"), contact("003A", "a@x.org"),
                               settings("overwrite-existing-only"))
    assert (outcome.label, outcome.target) == (SKIPPED_NON_EXISTING, None)
    assert "003A" not in index.links


def test_skip_non_existing_applies_the_strategy_to_an_existing_person():
    existing = person(1, "003A", **{f.FIRST: "Ann"})
    outcome, _ = merge_one(existing, contact("003A", **{f.FIRST: "Anna", f.LAST: "Lee"}),
                           settings("merge-new-data-existing-only"))
    assert outcome.label == "merged:sf_id"
    assert outcome.target.fields == {f.FIRST: "Ann", f.LAST: "Lee"}


# --- rule 28: Modify system CDP fields ----------------------------------------------------

def test_unchecked_system_field_is_never_updated_on_an_existing_person():
    existing = person(1, "003A", phone="+61400000001", **{f.FIRST: "Ann"})
    s = settings(system_fields=SystemFieldPolicy.only(f.FIRST, f.EMAIL))
    outcome, _ = merge_one(existing, contact("003A", phone="+61400000002", **{f.FIRST: "Anna"}), s)
    assert outcome.target.fields == {f.PHONE: "+61400000001", f.FIRST: "Anna"}


def test_dont_modify_system_fields_still_updates_custom_fields():
    existing = person(1, "003A", email="a@x.org", **{TIER: "gold"})
    s = settings(system_fields=SystemFieldPolicy.none())
    outcome, _ = merge_one(existing, contact("003A", "b@x.org", **{TIER: "silver"}), s)
    assert outcome.target.fields == {f.EMAIL: "a@x.org", TIER: "silver"}


def test_create_writes_merge_keys_but_not_unchecked_system_fields():
    s = settings(system_fields=SystemFieldPolicy.none())
    outcome, _ = merge_one(person(9), contact("003A", "a@x.org", "+61 400 000 001",
                                              **{f.FIRST: "Ann", TIER: "gold"}), s)
    assert outcome.target.fields == {f.EMAIL: "a@x.org", f.PHONE: "+61400000001", TIER: "gold"}


def test_every_system_field_is_modifiable_by_default():
    policy = PeopleSettings().system_fields
    assert all(policy.allows(fid) for fid in (f.FIRST, f.LAST, f.EMAIL, f.PHONE, f.CITY))


# --- rule 33: restore; rule 34: stale records ---------------------------------------------

def test_merging_into_an_archived_person_restores_it():
    existing = person(1, "003A")
    existing[0].archived = True
    outcome, _ = merge_one(existing, contact("003A"), settings())
    assert (outcome.target.archived, outcome.target.dirty) == (False, True)


def test_record_older_than_the_merged_stamp_is_skipped_as_stale():
    existing = person(1, "003A", **{f.FIRST: "New"})
    existing[1][0][1].modstamp = NOW
    record = contact("003A", modstamp=NOW - timedelta(minutes=5), **{f.FIRST: "Old"})
    outcome, _ = merge_one(existing, record, settings())
    assert (outcome.label, outcome.target.fields[f.FIRST]) == (STALE, "New")


def test_record_with_the_same_stamp_is_merged_again():
    existing = person(1, "003A")
    existing[1][0][1].modstamp = NOW
    outcome, _ = merge_one(existing, contact("003A", modstamp=NOW, **{f.FIRST: "Ann"}), settings())
    assert outcome.label == "merged:sf_id"
    assert outcome.link.modstamp == NOW


# --- rule 17: organisation link by AccountId ----------------------------------------------

def test_contact_links_to_the_organisation_holding_its_account_id():
    outcome, _ = merge_one(person(9), contact("003A", account_id="001A"), settings())
    assert outcome.target.organization_id is None  # the index knows no such organisation
    index = people_index(orgs_by_account={"001A": 42})
    [outcome] = plan_batch([contact("003A", account_id="001A")], index, settings())
    assert (outcome.target.organization_id, outcome.link.account_id) == (42, "001A")


def test_contact_moving_to_an_unsynced_account_drops_the_old_link():
    existing = person(1, "003A")
    existing[0].organization_id = 42
    existing[1][0][1].account_id = "001A"
    index = people_index(existing, orgs_by_account={"001A": 42})
    [outcome] = plan_batch([contact("003A", account_id="001B")], index, settings())
    assert (outcome.target.organization_id, outcome.link.account_id) == (None, "001B")


def test_lead_never_changes_the_organisation_link():
    existing = person(1, "00QA")
    existing[0].organization_id = 42
    index = people_index(existing, orgs_by_account={"001A": 42})
    [outcome] = plan_batch([contact("00QA", sf_object="Lead")], index, settings())
    assert outcome.target.organization_id == 42


def test_strategy_values_are_exposed_on_settings():
    assert settings("merge-new-data").merge.strategy is MergeStrategy.APPEND_ONLY
