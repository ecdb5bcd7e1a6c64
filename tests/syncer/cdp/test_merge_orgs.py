"""Organisation merges: rules 13–16, "Rainy Day Insurance" (pure, no DB)."""
from __future__ import annotations

import pytest

from syncer.cdp import fields as f
from syncer.cdp.merge import plan_org_batch
from syncer.cdp.settings import FindStrategy, MergeSettings

from .builders import OTHER_SOURCE, account, held_ids, org, org_index

BOTH = pytest.mark.parametrize("find", [FindStrategy.ANY_KEY, FindStrategy.PREVIOUS_KEY_EMPTY],
                               ids=["any-key", "previous-key-empty"])


def settings(find: FindStrategy = FindStrategy.PREVIOUS_KEY_EMPTY, ui: str = "overwrite"):
    return MergeSettings.from_ui(ui, find)


@BOTH
def test_rainy_day_two_connected_accounts_make_two_organisations(find):
    synced_from_a = org(1, "001A", name="Rainy Day Insurance", source=OTHER_SOURCE)
    index = org_index(synced_from_a)
    [outcome] = plan_org_batch([account("001B", "Rainy Day Insurance")], index, settings(find))
    assert outcome.label == "created"
    assert outcome.target is not synced_from_a[0]
    assert index.by_name["rainy day insurance"] == [synced_from_a[0], outcome.target]


@BOTH
def test_organisation_with_an_account_id_never_absorbs_a_different_one_of_its_source(find):
    index = org_index(org(1, "001A", name="Acme"))
    [outcome] = plan_org_batch([account("001B", "Acme")], index, settings(find))
    assert outcome.label == "created"
    assert held_ids(index, outcome.target) == {"001B"}


@BOTH
def test_organisation_without_an_account_id_is_claimed_by_name(find):
    csv_org = org(1, name="Acme")
    index = org_index(csv_org)
    [outcome] = plan_org_batch([account("001A", "ACME ")], index, settings(find))
    assert (outcome.label, outcome.target) == ("merged:name", csv_org[0])
    assert csv_org[0].account_ids == {"001A"}


@BOTH
def test_second_account_of_the_same_name_gets_its_own_organisation_after_a_claim(find):
    csv_org = org(1, name="Acme")
    index = org_index(csv_org)
    outcomes = plan_org_batch([account("001A", "Acme"), account("001B", "Acme")], index,
                              settings(find))
    assert [o.label for o in outcomes] == ["merged:name", "created"]
    assert held_ids(index, csv_org[0]) == {"001A"}


@BOTH
def test_account_merges_by_its_hidden_id_whatever_its_name(find):
    index = org_index(org(1, "001A", name="Acme"))
    [outcome] = plan_org_batch([account("001A", "Acme Pty Ltd")], index, settings(find))
    assert (outcome.label, outcome.target.fields[f.ORG_NAME]) == ("merged:sf_id", "Acme Pty Ltd")


def test_readded_org_matches_the_organisation_holding_the_same_account_id():
    index = org_index(org(1, "001A", name="Acme", source=OTHER_SOURCE))
    [outcome] = plan_org_batch([account("001A", "Acme")], index, settings())
    assert (outcome.label, outcome.target.id) == ("merged:name", 1)


def test_name_claim_prefers_the_oldest_unclaimed_organisation():
    index = org_index(org(1, name="Acme", age_days=1), org(2, name="Acme", age_days=4))
    [outcome] = plan_org_batch([account("001A", "Acme")], index, settings(FindStrategy.ANY_KEY))
    assert outcome.target.id == 2


def test_account_without_a_name_can_only_match_by_id():
    index = org_index(org(1))
    [outcome] = plan_org_batch([account("001A", None)], index, settings())
    assert outcome.label == "created"


def test_skip_non_existing_applies_to_organisations():
    index = org_index()
    [outcome] = plan_org_batch([account("001A", "Acme")], index,
                               settings(ui="overwrite-existing-only"))
    assert outcome.label == "skipped_non_existing"


def test_append_only_keeps_an_organisations_name():
    index = org_index(org(1, "001A", name="Acme"))
    [outcome] = plan_org_batch([account("001A", "Acme 2", **{f.ORG_WEBSITE: "acme.io"})], index,
                               settings(ui="merge-new-data"))
    assert outcome.target.fields == {f.ORG_NAME: "Acme", f.ORG_WEBSITE: "acme.io"}


def test_ignore_leaves_a_claimed_organisation_untouched():
    csv_org = org(1, name="Acme")
    index = org_index(csv_org)
    [outcome] = plan_org_batch([account("001A", "Acme", **{f.ORG_WEBSITE: "acme.io"})], index,
                               settings(ui="new-records-only"))
    assert (outcome.label, csv_org[0].fields) == ("ignored_existing", {f.ORG_NAME: "Acme"})
