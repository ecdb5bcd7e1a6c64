"""sObject Collections create a column at a time: records of one type with the same keys are
answered and stored exactly as the per-record way (``dml.create`` for each record) answers and
stores them. The twin org receives the same records with the type named in another case on every
other one, which sends them the per-record way."""
import pytest

from mock_salesforce.backend import composite, ids

from twins import FIELDS, arrange


def records(*values: list) -> list[dict]:
    """Contact records with every field of ``FIELDS``, in that order."""
    return [{"attributes": {"type": "Contact"}, **dict(zip(FIELDS, row))} for row in values]


def per_record(bodies: list[dict]) -> list[dict]:
    """The same records, the type named ``contact`` on every other one."""
    return [{**body, "attributes": {"type": "contact"}} if n % 2 else body
            for n, body in enumerate(bodies)]


def stored(org, results):
    written = [r.id for r in results if r.success]
    rows = org.store.get_many(org.sobject("Contact"), written)
    return [rows.get(record_id) for record_id in written]


def same_both_ways(org, twin, bodies, all_or_none=False):
    """Create the records column-wise in ``org`` and per record in ``twin``; the results and the
    stored records must be the same. Returns the results as dictionaries."""
    assert composite._shared_fields(bodies) is not None
    assert composite._shared_fields(per_record(bodies)) is None
    fast = composite.create_many(org, bodies, all_or_none, org.first_user_id())
    slow = composite.create_many(twin, per_record(bodies), all_or_none, twin.first_user_id())
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in slow]
    assert stored(org, fast) == stored(twin, slow)
    return [r.to_dict() for r in fast]


def codes(results):
    return [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]


def test_a_mixed_collection_is_answered_and_stored_as_record_by_record(org, twin):
    account = arrange(org)
    assert arrange(twin) == account
    first = ids.make_id("003", 1002)  # the first Contact the call creates; 1005 is the last
    missing = ids.make_id("001", 999_999)
    bodies = records(
        ["Ann", "Good", "ann@example.com", "1990-01-02", account, None, True, "Zip", "CEO"],
        [None, "L" * 81, None, None, None, None, None, None, None],
        [None, "BadDate", None, "1990-13-40", None, None, None, None, None],
        ["Only", None, None, None, None, None, None, None, None],
        ["", "", "", None, None, None, False, None, ""],
        [None, "NoAccount", None, None, missing, None, None, None, None],
        [None, "WrongType", None, None, first, None, None, None, None],
        [None, "Malformed", None, None, "001xyz", None, None, None, None],
        [None, "BadEmail", "not-an-email", None, None, None, None, None, None],
        [None, "BadBool", None, None, None, None, "maybe", None, None],
        [None, "NumberBool", None, None, None, None, 1, None, None],
        [None, "BadPick", None, None, None, None, None, "Nowhere", None],
        ["X" * 41, "Several", "bad", "tomorrow", missing, None, "no", None, "T" * 129],
        [None, "ReportsToFirst", None, None, None, first, "TRUE", None, 12345],
        [None, "ReportsToLater", None, None, None, ids.make_id("003", 1005), None, None, None],
        [None, "ObjectTitle", None, None, None, None, None, None, {"a": 1}],
        [None, "NumberDate", None, 19900102, None, None, None, None, None],
        ["Bob", "Good", None, None, account[:15], None, False, None, True],
        [None, "LongEmail", "a" * 80 + "@x.org", None, None, None, None, None, None],
        [None, "ShortEmail", "a@x.org", None, None, None, None, None, None],
        [None, "SpaceEmail", "a b@x.org", None, None, None, None, None, None],
    )
    results = same_both_ways(org, twin, bodies)
    assert codes(results) == [
        None, "STRING_TOO_LONG", "JSON_PARSER_ERROR", "REQUIRED_FIELD_MISSING", None,
        "INVALID_CROSS_REFERENCE_KEY", "FIELD_INTEGRITY_EXCEPTION", "MALFORMED_ID",
        "INVALID_EMAIL_ADDRESS", "JSON_PARSER_ERROR", "JSON_PARSER_ERROR",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "STRING_TOO_LONG", None,
        "INVALID_CROSS_REFERENCE_KEY", "JSON_PARSER_ERROR", "JSON_PARSER_ERROR", None,
        "STRING_TOO_LONG", None, "INVALID_EMAIL_ADDRESS"]
    assert results[0]["id"] == first


@pytest.mark.parametrize("all_or_none", [False, True])
def test_one_bad_record_between_good_ones_keeps_the_ids_of_record_by_record(org, twin, all_or_none):
    arrange(org)
    arrange(twin)
    good = ["Al", "Fine", None, None, None, None, None, None, None]
    bad = [None, None, None, None, None, None, None, None, None]
    results = same_both_ways(org, twin, records(good, bad, good, good), all_or_none)
    if all_or_none:
        assert codes(results) == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING",
                                  "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                  "ALL_OR_NONE_OPERATION_ROLLED_BACK"]
        assert org.store.count(org.sobject("Contact")) == 0
    else:
        assert [r["id"] for r in results if r["success"]] == \
            [ids.make_id("003", number) for number in (1002, 1003, 1004)]


@pytest.mark.parametrize("extra", [{"Id": ids.make_id("003", 5)}, {"CreatedDate": "2020-01-01"},
                                   {"NoSuchField__c": "x"}])
def test_ids_read_only_and_unknown_fields_are_answered_record_by_record(org, twin, extra):
    arrange(org)
    arrange(twin)
    bodies = [{**body, **extra} for body in records(["A", "One"] + [None] * 7,
                                                    ["B", "Two"] + [None] * 7)]
    results = same_both_ways(org, twin, bodies)
    assert codes(results) == [codes(results)[0]] * 2 and codes(results)[0] is not None
