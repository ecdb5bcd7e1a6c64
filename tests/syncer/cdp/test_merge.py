"""The merge engine's key matching: rules 1, 6–8, 10, 12, 48 and the A′ table (pure, no DB)."""
from __future__ import annotations

import pytest

from syncer.cdp import fields as f
from syncer.cdp.merge import (
    BY_CONVERTED_LEAD,
    BY_EMAIL,
    BY_PHONE,
    BY_SF_ID,
    CREATED,
    MERGED,
    plan_batch,
)
from syncer.cdp.settings import (
    FindStrategy,
    MergeSettings,
    MergeStrategy,
    PeopleSettings,
)

from .builders import OTHER_SOURCE, contact, held_ids, people_index, person

ANY = FindStrategy.ANY_KEY
STRICT = FindStrategy.PREVIOUS_KEY_EMPTY


def settings(find: FindStrategy = STRICT, **kwargs) -> PeopleSettings:
    return PeopleSettings(merge=MergeSettings(find_strategy=find), **kwargs)


# --- rule 1: UI names ---------------------------------------------------------------------

@pytest.mark.parametrize(("ui", "strategy", "skip"), [
    ("merge-new-data", MergeStrategy.APPEND_ONLY, False),
    ("merge-new-data-existing-only", MergeStrategy.APPEND_ONLY, True),
    ("overwrite", MergeStrategy.OVERWRITE, False),
    ("overwrite-existing-only", MergeStrategy.OVERWRITE, True),
    ("new-records-only", MergeStrategy.IGNORE, False),
])
def test_ui_strategy_maps_to_merge_strategy_and_skip(ui, strategy, skip):
    s = MergeSettings.from_ui(ui)
    assert (s.strategy, s.skip_non_existing, s.ui_name) == (strategy, skip, ui)


def test_unknown_ui_strategy_is_rejected():
    with pytest.raises(ValueError, match="unknown merge strategy 'merge-everything'"):
        MergeSettings.from_ui("merge-everything")


def test_salesforce_defaults_are_overwrite_and_previous_key_empty():
    s = MergeSettings()
    assert (s.strategy, s.skip_non_existing, s.find_strategy) == (
        MergeStrategy.OVERWRITE, False, FindStrategy.PREVIOUS_KEY_EMPTY)


def test_find_strategy_values_and_labels_follow_the_product():
    assert (int(ANY), ANY.label) == (0, "Merge with any key match")
    assert (int(STRICT), STRICT.label) == (1, "Match only if previous merge key is empty")


def test_merge_strategy_values_follow_the_merge_api():
    assert [int(s) for s in MergeStrategy] == [1, 2, 3]


# --- A′: the merge-key illustration --------------------------------------------------------

P1, P2 = "+61 400 000 001", "+61 400 000 002"
A_TABLE = {
    # row: (existing (sf ids, email, phone) or None, incoming (sf, email, phone),
    #       {find strategy: (label, SF ids the resulting person holds)})
    1: (None, ("003A", "a@x.org", P1),
        {ANY: ("created", {"003A"}), STRICT: ("created", {"003A"})}),
    2: ((("003A",), "a@x.org", P1), ("003A", "a.new@x.org", P1),
        {ANY: ("merged:sf_id", {"003A"}), STRICT: ("merged:sf_id", {"003A"})}),
    3: (((), "a@x.org", P1), ("003B", "a@x.org", P2),
        {ANY: ("merged:email", {"003B"}), STRICT: ("merged:email", {"003B"})}),
    4: ((("003A",), "a@x.org", P1), ("003B", "a@x.org", P1),
        {ANY: ("merged:email", {"003A", "003B"}), STRICT: ("created", {"003B"})}),
    5: (((), None, P1), ("003C", None, P1),
        {ANY: ("merged:phone", {"003C"}), STRICT: ("merged:phone", {"003C"})}),
    6: (((), "b@x.org", P1), ("003C", None, P1),
        {ANY: ("merged:phone", {"003C"}), STRICT: ("created", {"003C"})}),
    7: (((), "b@x.org", P1), ("003D", "c@x.org", P1),
        {ANY: ("merged:phone", {"003D"}), STRICT: ("created", {"003D"})}),
}


@pytest.mark.parametrize("find", [ANY, STRICT], ids=["any-key", "previous-key-empty"])
@pytest.mark.parametrize("row", sorted(A_TABLE), ids=lambda r: f"row{r}")
def test_merge_key_illustration(row, find):
    existing, (sf_id, email, phone), expected = A_TABLE[row]
    people = [person(1, *existing[0], email=existing[1], phone=existing[2])] if existing else []
    index = people_index(*people)
    [outcome] = plan_batch([contact(sf_id, email, phone)], index, settings(find))
    label, ids = expected[find]
    assert outcome.label == label
    assert held_ids(index, outcome.target) == ids
    assert (outcome.target.id == 1) is label.startswith("merged")


def test_row2_merge_by_sf_id_updates_email_under_overwrite():
    index = people_index(person(1, "003A", email="a@x.org", phone=P1))
    [outcome] = plan_batch([contact("003A", "a.new@x.org", P1)], index, settings())
    assert outcome.target.fields[f.EMAIL] == "a.new@x.org"
    assert outcome.changes == {f.EMAIL: "a.new@x.org"}


# --- rule 7 examples ----------------------------------------------------------------------

def test_7a_shared_email_across_pages_makes_two_people_under_previous_key_empty():
    index = people_index()
    first = plan_batch([contact("003C1", "a@x.org")], index, settings())
    second = plan_batch([contact("003C2", "a@x.org")], index, settings())
    assert [o.label for o in first + second] == ["created", "created"]
    assert first[0].target is not second[0].target
    assert second[0].target.fields[f.EMAIL] == "a@x.org"


def test_7a_shared_email_within_one_page_makes_two_people_under_previous_key_empty():
    index = people_index()
    outcomes = plan_batch([contact("003C1", "a@x.org"), contact("003C2", "a@x.org")], index,
                          settings())
    assert [o.label for o in outcomes] == ["created", "created"]
    assert index.by_email["a@x.org"] == [outcomes[0].target, outcomes[1].target]


def test_7a_shared_email_within_one_page_makes_one_person_under_any_key():
    index = people_index()
    outcomes = plan_batch([contact("003C1", "a@x.org"), contact("003C2", "A@X.org ")], index,
                          settings(ANY))
    assert [o.label for o in outcomes] == ["created", "merged:email"]
    assert held_ids(index, outcomes[0].target) == {"003C1", "003C2"}


def test_7b_csv_person_without_sf_id_is_merged_by_email_and_gains_the_id():
    csv_person, _ = existing = person(1, email="a@x.org")
    index = people_index(existing)
    [outcome] = plan_batch([contact("003C1", "a@x.org")], index, settings())
    assert (outcome.label, outcome.target) == ("merged:email", csv_person)
    assert held_ids(index, csv_person) == {"003C1"}


def test_7c_phone_fallback_merges_a_person_with_no_id_and_no_email():
    index = people_index(person(1, phone="+61401234567"))
    [outcome] = plan_batch([contact("003C1", phone="+61 401 234 567")], index, settings())
    assert (outcome.label, outcome.target.id) == ("merged:phone", 1)


def test_7c_phone_fallback_creates_when_the_phone_owner_has_an_email():
    index = people_index(person(1, email="b@x.org", phone="+61401234567"))
    [outcome] = plan_batch([contact("003C1", phone="+61401234567")], index, settings())
    assert outcome.label == CREATED


def test_7c_phone_fallback_creates_when_the_phone_owner_has_another_sf_id():
    index = people_index(person(1, "003OLD", phone="+61401234567"))
    [outcome] = plan_batch([contact("003C1", phone="+61401234567")], index, settings())
    assert outcome.label == CREATED
    assert held_ids(index, outcome.target) == {"003C1"}


def test_empty_incoming_keys_never_match_people_with_empty_keys():
    index = people_index(person(1))
    [outcome] = plan_batch([contact("003C1")], index, settings(ANY))
    assert outcome.label == CREATED


def test_email_match_is_case_insensitive_after_trimming():
    index = people_index(person(1, email="a@x.org"))
    [outcome] = plan_batch([contact("003C1", "  A@X.ORG ")], index, settings())
    assert outcome.label == "merged:email"


# --- rule 8 -------------------------------------------------------------------------------

def test_any_key_picks_the_oldest_created_of_several_email_matches():
    index = people_index(person(1, "003A", email="a@x.org", age_days=1),
                         person(2, "003B", email="a@x.org", age_days=5))
    [outcome] = plan_batch([contact("003C", "a@x.org")], index, settings(ANY))
    assert outcome.target.id == 2


def test_any_key_breaks_creation_ties_by_lowest_id():
    index = people_index(person(7, email="a@x.org"), person(3, email="a@x.org"))
    [outcome] = plan_batch([contact("003C", "a@x.org")], index, settings(ANY))
    assert outcome.target.id == 3


def test_any_key_first_key_with_a_match_wins_over_an_older_phone_match():
    index = people_index(person(1, email="a@x.org", age_days=1),
                         person(2, phone="+61400000009", age_days=9))
    [outcome] = plan_batch([contact("003C", "a@x.org", "+61400000009")], index, settings(ANY))
    assert (outcome.matched_by, outcome.target.id) == (BY_EMAIL, 1)


def test_previous_key_empty_picks_the_oldest_eligible_match():
    index = people_index(person(1, "003A", email="a@x.org", age_days=9),
                         person(2, email="a@x.org", age_days=3),
                         person(3, email="a@x.org", age_days=1))
    [outcome] = plan_batch([contact("003C", "a@x.org")], index, settings())
    assert (outcome.matched_by, outcome.target.id) == (BY_EMAIL, 2)


def test_sf_id_match_wins_over_email_and_phone():
    index = people_index(person(1, email="a@x.org", age_days=9), person(2, "003C", age_days=1))
    [outcome] = plan_batch([contact("003C", "a@x.org")], index, settings(ANY))
    assert (outcome.matched_by, outcome.target.id) == (BY_SF_ID, 2)


def test_same_sf_id_twice_in_one_page_creates_then_merges():
    index = people_index()
    outcomes = plan_batch([contact("003C", "a@x.org", **{f.FIRST: "Ann"}),
                           contact("003C", "a@x.org", **{f.FIRST: "Anna"})], index, settings())
    assert [o.label for o in outcomes] == ["created", "merged:sf_id"]
    assert outcomes[0].target.fields[f.FIRST] == "Anna"


# --- rules 10 and 48 ----------------------------------------------------------------------

def test_previous_key_empty_never_gives_one_person_two_ids_of_the_same_source():
    index = people_index(person(1, "003A", email="a@x.org", phone=P1))
    outcomes = plan_batch([contact("003B", "a@x.org", P1), contact("003C", phone=P1)], index,
                          settings())
    assert [o.label for o in outcomes] == ["created", "created"]
    assert all(len(held_ids(index, o.target)) == 1 for o in outcomes)
    assert held_ids(index, index.links["003A"].target) == {"003A"}


def test_previous_key_empty_merges_a_person_holding_only_another_sources_id():
    index = people_index(person(1, "003X", email="a@x.org", source=OTHER_SOURCE))
    [outcome] = plan_batch([contact("003A", "a@x.org")], index, settings())
    assert (outcome.label, outcome.target.id) == ("merged:email", 1)
    assert outcome.target.sf_sources == {OTHER_SOURCE, 1}


def test_any_key_resolves_one_person_across_two_connected_orgs():
    index = people_index(person(1, "003X", email="a@x.org", source=OTHER_SOURCE))
    [outcome] = plan_batch([contact("003A", "a@x.org")], index, settings(ANY))
    assert (outcome.label, outcome.target.id) == ("merged:email", 1)


# --- rule 12: lead conversion -------------------------------------------------------------

def lead(sf_id: str, email: str | None = None, converted: str | None = None):
    return contact(sf_id, email, sf_object="Lead", converted_contact_id=converted)


def test_converted_contact_joins_the_leads_person_when_enabled():
    lead_person, links = person(1, "00QL", email="l@x.org")
    index = people_index((lead_person, links), converted={"003C": lead_person})
    [outcome] = plan_batch([contact("003C", "l@x.org")], index,
                           settings(merge_converted_leads=True))
    assert (outcome.matched_by, outcome.target) == (BY_CONVERTED_LEAD, lead_person)
    assert held_ids(index, lead_person) == {"00QL", "003C"}


def test_converted_contact_is_a_new_person_when_disabled():
    lead_person, links = person(1, "00QL", email="l@x.org")
    index = people_index((lead_person, links), converted={"003C": lead_person})
    [outcome] = plan_batch([contact("003C", "l@x.org")], index, settings())
    assert outcome.label == CREATED


def test_lead_then_its_converted_contact_in_one_page_make_one_person():
    index = people_index()
    outcomes = plan_batch([lead("00QL", "l@x.org", converted="003C"), contact("003C", "c@x.org")],
                          index, settings(merge_converted_leads=True))
    assert [o.label for o in outcomes] == ["created", "merged:converted_lead"]
    assert outcomes[0].target is outcomes[1].target


def test_lead_conversion_applies_only_to_contacts():
    lead_person, links = person(1, "00QL")
    index = people_index((lead_person, links), converted={"00QZ": lead_person})
    [outcome] = plan_batch([lead("00QZ")], index, settings(merge_converted_leads=True))
    assert outcome.label == CREATED


# --- outcome labels -----------------------------------------------------------------------

def test_outcome_labels_name_the_action_key_or_reason():
    index = people_index(person(1, "003A"), person(2, email="e@x.org"), person(3, phone=P2))
    outcomes = plan_batch([contact("003N"), contact("003A"), contact("003E", "e@x.org"),
                           contact("003P", phone=P2)], index, settings())
    assert [o.label for o in outcomes] == ["created", "merged:sf_id", "merged:email",
                                           "merged:phone"]
    assert [o.action for o in outcomes] == [CREATED, MERGED, MERGED, MERGED]
    assert outcomes[3].matched_by == BY_PHONE
