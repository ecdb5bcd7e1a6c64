"""Batched DML (Bulk ingest, collections, loads): each record answered as if written alone."""
import pytest

from mock_salesforce import errors
from mock_salesforce.backend import composite, dml, dml_batch, ids
from mock_salesforce.backend.bulk_ingest_rows import RowWriter
from mock_salesforce.backend.schema import FieldDef

CONTACT = "003"


@pytest.fixture
def code(org):
    """A unique, case-insensitive external-id text field ``Code__c`` on Contact."""
    contact = org.sobject("Contact")
    org.add_field(contact, FieldDef("Code__c", "string", length=20, unique=True, external_id=True))
    return contact


def write(org, operation, header, rows, key=None):
    """Rows through the writer Bulk API 2.0 and 1.0 ingest use: ``(id, created, error)`` each."""
    writer = RowWriter(org, org.sobject("Contact"), operation, org.first_user_id(), key)
    return [(r.id, r.created, r.error) for r in writer.apply(header, rows)]


def test_a_failed_row_takes_no_id_and_the_others_are_written(org):
    org.seed_ids(1000)
    results = write(org, "insert", ["FirstName", "LastName"],
                    [["A", "One"], ["B", "Two"], ["C", ""], ["D", "Four"], ["E", "Five"]])
    assert results[2] == ("", False, "REQUIRED_FIELD_MISSING:Required fields are missing: "
                                     "[LastName]:LastName --")
    written = [r[0] for r in results if r[2] is None]
    assert written == [ids.make_id(CONTACT, number) for number in (1001, 1002, 1003, 1004)]
    stored = org.store.get_many(org.sobject("Contact"), written)
    assert [stored[i]["Name"] for i in written] == ["A One", "B Two", "D Four", "E Five"]


def test_a_unique_value_taken_earlier_in_the_batch_is_a_duplicate(org, code):
    results = write(org, "insert", ["Code__c", "LastName"], [["k1", "A"], ["K1", "B"], ["k2", "C"]])
    assert results[1][2] == (f"DUPLICATE_VALUE:duplicate value found: Code__c duplicates value on "
                             f"record with id: {results[0][0]}:Code__c --")
    assert results[0][2] is None and results[2][2] is None


def test_a_unique_value_given_up_earlier_in_the_batch_is_free(org, code):
    user = org.first_user_id()
    first = dml.create(org, code, {"LastName": "X", "Code__c": "a"}, user)
    second = dml.create(org, code, {"LastName": "Y", "Code__c": "b"}, user)
    results = write(org, "update", ["Id", "Code__c"], [[first, "c"], [second, "a"]])
    assert [r[2] for r in results] == [None, None]
    stored = org.store.get_many(code, [first, second])
    assert (stored[first]["Code__c"], stored[second]["Code__c"]) == ("c", "a")


def test_an_upsert_finds_the_record_an_earlier_row_created(org, code):
    results = write(org, "upsert", ["Code__c", "LastName", "Title"],
                    [["u1", "New", ""], ["U1", "", "CEO"]], key="Code__c")
    assert results[0][1] is True and results[1] == (results[0][0], False, None)
    row = org.store.get(code, results[0][0])
    assert (row["LastName"], row["Title"], org.store.count(code)) == ("New", "CEO", 1)


def test_later_rows_see_earlier_updates_and_deletes(org):
    contact_id = dml.create(org, org.sobject("Contact"), {"LastName": "Old"}, org.first_user_id())
    updates = write(org, "update", ["Id", "FirstName", "LastName"],
                    [[contact_id, "Ada", ""], [contact_id, "", "Lovelace"]])
    assert [r[2] for r in updates] == [None, None]
    assert org.store.get(org.sobject("Contact"), contact_id)["Name"] == "Ada Lovelace"
    deletes = write(org, "delete", ["Id"], [[contact_id], [contact_id]])
    assert deletes[0][2] is None and deletes[1][2].startswith("ENTITY_IS_DELETED:")


def test_a_reference_to_a_record_made_earlier_in_the_batch_holds(org):
    org.seed_ids(1000)
    boss = ids.make_id(CONTACT, 1001)
    results = write(org, "insert", ["LastName", "ReportsToId"], [["Boss", ""], ["Report", boss],
                                                                  ["Nobody", ids.make_id(CONTACT, 999)]])
    assert results[0][0] == boss and results[1][2] is None
    assert results[2][2].startswith("INVALID_CROSS_REFERENCE_KEY:")


def test_collections_all_or_none_writes_nothing_and_takes_ids_only_for_valid_records(org):
    org.seed_ids(1000)
    contact = {"attributes": {"type": "Contact"}}
    results = composite.create_many(org, [{**contact, "LastName": "A"}, {**contact},
                                          {**contact, "LastName": "C"}], True, org.first_user_id())
    assert [r.errors[0].error_code for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert org.store.count(org.sobject("Contact")) == 0
    results = composite.create_many(org, [{**contact, "LastName": "A"}, {**contact},
                                          {**contact, "LastName": "C"}], False, org.first_user_id())
    assert [ids.record_number(r.id) for r in results if r.success] == [1003, 1004]


def test_a_reference_to_a_record_of_the_wrong_object_is_a_field_integrity_exception(org):
    # As Salesforce answers an AccountId holding a contact's id, row by row and in a load.
    other = dml.create(org, org.sobject("Contact"), {"LastName": "Other"}, org.first_user_id())
    results = write(org, "insert", ["LastName", "AccountId"], [["Smith", other]])
    assert results[0][2] == (f"FIELD_INTEGRITY_EXCEPTION:field integrity exception: unknown "
                             f"(Account ID: id value of incorrect type: {other}):AccountId --")
    with pytest.raises(errors.SalesforceError) as raised:
        dml_batch.bulk_create(org, org.sobject("Contact"), [{"LastName": "S", "AccountId": other}],
                              org.first_user_id())
    assert raised.value.error_code == "FIELD_INTEGRITY_EXCEPTION"
