"""Bulk ingest's column-wise inserts: every row answered and stored exactly as the per-row way
(``dml.create`` for each row) answers and stores it."""
import gc

import pytest

from mock_salesforce.backend import dml, ids
from mock_salesforce.backend.bulk_ingest_fast import OMIT, InsertColumns
from mock_salesforce.backend.bulk_ingest_rows import RowWriter, body_of
from mock_salesforce.backend.dml_batch import Batch
from mock_salesforce.backend.jobs import gc_paused
from mock_salesforce.backend.schema import FieldDef

from twins import FIELDS as HEADER, arrange


def column_wise(org, header, rows):
    """The rows through Bulk ingest's writer: ``(id, created, error)`` each."""
    writer = RowWriter(org, org.sobject("Contact"), "insert", org.first_user_id())
    return [(r.id, r.created, r.error) for r in writer.apply(header, rows)]


def row_by_row(org, header, rows):
    """The same rows as record bodies, each through ``dml.create`` in a batch."""
    writer = RowWriter(org, org.sobject("Contact"), "insert", org.first_user_id())
    names = [name.strip() for name in header]
    results = writer.apply_bodies([body_of(names, row) for row in rows], rows)
    return [(r.id, r.created, r.error) for r in results]


def stored(org, results):
    """The stored rows of the records written."""
    written = [result[0] for result in results if result[2] is None]
    rows = org.store.get_many(org.sobject("Contact"), written)
    return [rows[record_id] for record_id in written]


def same_both_ways(org, twin, header, rows):
    """Write the rows column-wise into ``org`` and row by row into ``twin``; the results and the
    stored records must be the same. Returns the results."""
    fast = column_wise(org, header, rows)
    slow = row_by_row(twin, header, rows)
    assert fast == slow
    assert stored(org, fast) == stored(twin, slow)
    return fast


def test_a_mixed_chunk_is_answered_and_stored_as_row_by_row(org, twin):
    account = arrange(org)
    assert arrange(twin) == account
    first = ids.make_id("003", 1002)  # the first Contact the chunk creates
    missing = ids.make_id("001", 999_999)
    rows = [
        ["Ann", "Good", "ann@example.com", "1990-01-02", account, "", "true", "Zip", "CEO"],
        ["", "L" * 81, "", "", "", "", "", "", ""],  # STRING_TOO_LONG
        ["", "BadDate", "", "1990-13-40", "", "", "", "", ""],
        ["Only", "", "", "", "", "", "", "", ""],  # REQUIRED_FIELD_MISSING
        ["", "#N/A", "", "", "", "", "", "", ""],  # null in a required field
        ["", "NoAccount", "", "", missing, "", "", "", ""],
        ["", "WrongType", "", "", first, "", "", "", ""],  # a Contact's id in AccountId
        ["", "Malformed", "", "", "001xyz", "", "", "", ""],
        ["", "BadEmail", "not-an-email", "", "", "", "", "", ""],
        ["", "BadBool", "", "", "", "", "maybe", "", ""],
        ["", "BadPick", "", "", "", "", "", "Nowhere", ""],
        ["X" * 41, "Several", "bad", "tomorrow", missing, "", "no", "", "T" * 129],
        ["", "ReportsToFirst", "", "", "", first, "", "", "#N/A"],
        ["", "ReportsToLater", "", "", "", ids.make_id("003", 1004), "", "", ""],
        ["Bob", "Good", "", "", account[:15], "", "FALSE", "", ""],
    ]
    results = same_both_ways(org, twin, HEADER, rows)
    codes = [error.split(":")[0] if error else None for _, _, error in results]
    assert codes == [None, "STRING_TOO_LONG", "JSON_PARSER_ERROR", "REQUIRED_FIELD_MISSING",
                     "REQUIRED_FIELD_MISSING", "INVALID_CROSS_REFERENCE_KEY",
                     "FIELD_INTEGRITY_EXCEPTION", "MALFORMED_ID", "INVALID_EMAIL_ADDRESS",
                     "JSON_PARSER_ERROR", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                     "STRING_TOO_LONG", None, "INVALID_CROSS_REFERENCE_KEY", None]
    assert results[0][0] == first


@pytest.mark.parametrize("cells, code", [
    (["", "L" * 81, "", "", "", "", "", "", ""], "STRING_TOO_LONG"),
    (["", "Late", "", "2024-02-30", "", "", "", "", ""], "JSON_PARSER_ERROR"),
    (["Nobody", "", "", "", "", "", "", "", ""], "REQUIRED_FIELD_MISSING"),
    (["", "Orphan", "", "", ids.make_id("001", 424_242), "", "", "", ""],
     "INVALID_CROSS_REFERENCE_KEY"),
])
def test_one_bad_row_between_good_ones_keeps_the_ids_of_row_by_row(org, twin, cells, code):
    arrange(org)
    arrange(twin)
    good = ["Al", "Fine", "", "", "", "", "", "", ""]
    results = same_both_ways(org, twin, HEADER, [good, cells, good, good])
    assert results[1][2].startswith(f"{code}:")
    assert [r[0] for r in results if r[2] is None] == \
        [ids.make_id("003", number) for number in (1002, 1003, 1004)]


def test_rows_that_pass_their_own_checks_take_the_column_wise_way(org):
    arrange(org)
    rows = [["A", "One", "", "", "", "", "", "", ""], ["", "L" * 81, "", "", "", "", "", "", ""],
            ["", "#N/A", "", "", "", "", "", "", ""], ["", "Two", "x@y.z", "", "", "", "", "", ""]]
    with Batch(org) as batch:
        plan = InsertColumns.of(batch, org.sobject("Contact"), HEADER, org.first_user_id())
        values = plan.values(rows)
    assert [value is not None for value in values] == [True, False, False, True]
    assert [value for value in values[3] if value is not OMIT] == ["Two", "x@y.z"]


@pytest.mark.parametrize("header", [["Id", "LastName"], ["Code__c", "LastName"],
                                    ["LastName", "CreatedDate"]])
def test_ids_unique_values_and_read_only_columns_go_row_by_row(org, header):
    org.add_field(org.sobject("Contact"), FieldDef("Code__c", "string", length=20, unique=True,
                                                   external_id=True))
    with Batch(org) as batch:
        assert InsertColumns.of(batch, org.sobject("Contact"), header, org.first_user_id()) is None


def test_ids_taken_at_once_are_those_taken_one_by_one_past_a_reseed(org, twin):
    for backend in (org, twin):
        backend.seed_ids(5000)
        dml.create(backend, backend.sobject("Contact"), {"LastName": "X"}, backend.first_user_id())
        backend.seed_ids(10)  # Contacts continue after 5001, other objects from 11
    contact, account = org.sobject("Contact"), org.sobject("Account")
    at_once = org.new_ids(contact, 3) + org.new_ids(account, 2)
    one_by_one = [twin.new_id(contact) for _ in range(3)] + \
        [twin.new_id(account) for _ in range(2)]
    assert at_once == one_by_one
    assert ids.record_number(at_once[0]) == 5002


def test_the_collector_pause_is_shared_and_leaves_a_disabled_collector_disabled():
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer job still works
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
