"""sObject Collections update and upsert by Id a column at a time: records of one type with the
same keys are answered and stored exactly as the per-record way (``dml.update`` for each
record) answers and stores them. The twin org receives the same records sent the per-record
way: for an update the type named in another case on every other one, for an upsert every
other one a dict of another class."""
from datetime import timedelta

import pytest

from mock_salesforce.backend import composite, dml, ids
from mock_salesforce.backend.dml_batch import Batch
from mock_salesforce.backend.schema import FieldDef

from twins import WHEN, arrange


class Body(dict):
    """A record body the column-wise way does not take (it wants plain dicts)."""


@pytest.fixture
def per_record(monkeypatch) -> list:
    """The ids of the records updated the per-record way (``dml.update``), in order."""
    seen = []
    update = dml.update

    def spy(org, sobject, record_id, *args, **kwargs):
        seen.append(record_id)
        return update(org, sobject, record_id, *args, **kwargs)
    monkeypatch.setattr(dml, "update", spy)
    return seen


def contacts(org) -> list[str]:
    """Fifteen contacts, the fifth deleted, and the Account the others may point to (last);
    then an hour passes, and Contact gets a required text field ``Region__c``."""
    account = arrange(org)
    made = [dml.create(org, org.sobject("Contact"), {"FirstName": f"F{n}", "LastName": f"L{n}",
                                                     "Email": f"c{n}@example.com"},
                       org.first_user_id()) for n in range(15)]
    dml.delete(org, org.sobject("Contact"), made[4])
    org.clock.set(WHEN + timedelta(hours=1), frozen=True)
    org.add_field(org.sobject("Contact"), FieldDef("Region__c", "string", length=10,
                                                   nillable=False, custom=True))
    return made + [account]


def bodies(made: list[str], key: str) -> list[dict]:
    """Update bodies of every kind that fails and some that pass, all with the same keys, each
    naming another record."""
    account = made[-1]
    rows = [
        (made[0], "Good", "good@example.com", account, True, "CEO"),
        (ids.make_id("003", 999_999), "Unknown", None, None, None, None),
        ("003xyz", "Malformed", None, None, None, None),
        (None, "NoId", None, None, None, None),
        (made[4], "Deleted", None, None, None, None),
        (made[5], "L" * 81, None, None, None, None),
        (made[6], "BadEmail", "nope", None, None, None),
        (made[7], None, None, None, None, None),
        (made[8], "BadBool", None, None, "maybe", None),
        (made[9], "NoAccount", None, ids.make_id("001", 999_999), None, None),
        (made[10], "WrongType", None, made[0], None, None),
        (made[11], "ObjectTitle", None, None, None, {"a": 1}),
        (made[12][:15], "Short", None, None, False, None),
        (made[13], "Third", "", account, None, "T" * 128),
        (made[14], "Plain", None, None, None, None),
    ]
    return [{"attributes": {"type": "Contact"}, key: record_id, "LastName": last, "Email": email,
             "AccountId": account_id, "DoNotCall": flag, "Title": title}
            for record_id, last, email, account_id, flag, title in rows]


FAILED = ["INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID", "MISSING_ARGUMENT", "ENTITY_IS_DELETED",
          "STRING_TOO_LONG", "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING",
          "JSON_PARSER_ERROR", "INVALID_CROSS_REFERENCE_KEY", "FIELD_INTEGRITY_EXCEPTION",
          "JSON_PARSER_ERROR"]


def stored(org, made):
    rows = org.store.get_many(org.sobject("Contact"), made, include_deleted=True)
    return [rows.get(record_id) for record_id in made]


def codes(results):
    return [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]


def same_both_ways(org, twin, fast_bodies, slow_bodies, call):
    made = contacts(org)
    assert contacts(twin) == made
    fast = call(org, fast_bodies(made))
    slow = call(twin, slow_bodies(made))
    assert [r.to_dict(with_created=True) for r in fast] == \
        [r.to_dict(with_created=True) for r in slow]
    assert stored(org, made) == stored(twin, made)
    return [r.to_dict(with_created=True) for r in fast], made


@pytest.mark.parametrize("all_or_none", [False, True])
def test_an_update_of_every_kind_is_answered_and_stored_as_record_by_record(
        org, twin, all_or_none, per_record):
    def update(target, records):
        return composite.update_many(target, records, all_or_none, target.first_user_id())

    def one_by_one(made):
        return [{**body, "attributes": {"type": "contact"}} if n % 2 else body
                for n, body in enumerate(bodies(made, "id"))]
    results, made = same_both_ways(org, twin, lambda made: bodies(made, "id"), one_by_one, update)
    # The lastname changes: every record's Name derives from the stored FirstName, so the
    # passing ones went the per-record way too; the failing ones fail in their own place.
    named = [body["id"] for body in bodies(made, "id") if body["id"] is not None]
    assert per_record == named * 2
    passed = None if not all_or_none else "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert codes(results) == [passed, *FAILED, passed, passed, passed]
    if not all_or_none:
        assert stored(org, made)[12]["Name"] == "F12 Short"


@pytest.mark.parametrize("all_or_none", [False, True])
def test_an_update_of_fields_no_rule_derives_from_is_judged_a_column_at_a_time(
        org, twin, all_or_none, per_record):
    def update(target, records):
        return composite.update_many(target, records, all_or_none, target.first_user_id())

    def without_names(made, key="id"):
        return [{**{k: v for k, v in body.items() if k != "LastName"},
                 "Region__c": None if n == 14 else "EU"}
                for n, body in enumerate(bodies(made, key))]

    def one_by_one(made):
        return [{**body, "attributes": {"type": "contact"}} if n % 2 else body
                for n, body in enumerate(without_names(made))]
    results, made = same_both_ways(org, twin, without_names, one_by_one, update)
    passed = None if not all_or_none else "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert codes(results) == [
        passed, "INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID", "MISSING_ARGUMENT",
        "ENTITY_IS_DELETED", passed, "INVALID_EMAIL_ADDRESS", passed, "JSON_PARSER_ERROR",
        "INVALID_CROSS_REFERENCE_KEY", "FIELD_INTEGRITY_EXCEPTION", "JSON_PARSER_ERROR",
        passed, passed, "REQUIRED_FIELD_MISSING"]
    # Only the failing records (with an id) went the per-record way, then all of the twin's.
    named = [body["id"] for body in bodies(made, "id") if body["id"] is not None]
    failing = [named[n] for n in (1, 2, 3, 5, 7, 8, 9, 10, 13)]
    assert per_record == failing + named
    if not all_or_none:
        row = stored(org, made)[0]
        assert (row["Title"], row["DoNotCall"], row["AccountId"]) == ("CEO", True, made[-1])


@pytest.mark.parametrize("all_or_none", [False, True])
def test_an_upsert_by_id_of_every_kind_is_answered_and_stored_as_record_by_record(
        org, twin, all_or_none, per_record):
    def upsert(target, records):
        return composite.upsert_many(target, target.sobject("Contact"), "Id", records,
                                     all_or_none, target.first_user_id())

    def without_names(made):
        return [{**{k: v for k, v in body.items() if k != "LastName"}, "Region__c": "EU"}
                for body in bodies(made, "Id")]

    def one_by_one(made):
        return [Body(body) if n % 2 else body for n, body in enumerate(without_names(made))]
    results, _ = same_both_ways(org, twin, without_names, one_by_one, upsert)
    # Per record: the failing ones that name a live record, then all of the twin's that do.
    assert len(per_record) == 5 + 11
    assert codes(results)[1] == "NOT_FOUND" and len(set(codes(results))) > 5
    if not all_or_none:
        assert [(r["created"], r["success"]) for r in results][:2] == \
            [(False, True), (False, False)]


def test_a_call_naming_a_record_twice_goes_record_by_record(org, twin):
    def update(target, made):
        return composite.update_many(target, [
            {"attributes": {"type": "Contact"}, "id": made[0], "FirstName": "Ann"},
            {"attributes": {"type": "Contact"}, "id": made[0][:15], "FirstName": "Bea"}],
            False, target.first_user_id())
    made = contacts(org)
    assert contacts(twin) == made
    assert [r.to_dict() for r in update(org, made)] == [r.to_dict() for r in update(twin, made)]
    assert stored(org, made)[0]["Name"] == "Bea L0" and stored(org, made) == stored(twin, made)


def test_bodies_with_nothing_but_the_id_stamp_the_records_as_record_by_record(org, twin):
    def update(target, made, slow=False):
        return composite.update_many(target, [
            {"attributes": {"type": "contact" if slow and n % 2 else "Contact"}, "id": record_id}
            for n, record_id in enumerate(made[:4])], False, target.first_user_id())
    made = contacts(org)
    assert contacts(twin) == made
    fast, slow = update(org, made), update(twin, made, slow=True)
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in slow]
    assert stored(org, made) == stored(twin, made)
    assert stored(org, made)[0]["SystemModstamp"] == stored(org, made)[0]["CreatedDate"] + 3_600_000


def test_a_record_read_after_update_all_carries_its_new_values(org):
    made = contacts(org)
    contact = org.sobject("Contact")
    with Batch(org) as batch:
        batch.update_all(contact, [(made[0], {"Title": "CEO"})])
        assert batch.record(contact, made[0])["Title"] == "CEO"
        batch.read_records(contact, [made[0], made[1]])
        assert batch.record(contact, made[0])["Title"] == "CEO"
        assert batch.record(contact, made[1])["Title"] is None
    assert org.store.get(contact, made[0])["Title"] is None  # never written
