"""Query records written by the generated shapers: every kind of value, null or not, escaped or
not, must read back exactly as the REST API serialises the same record."""
import json

import pytest
import sqlalchemy as sa

from mock_salesforce.backend import dml
from mock_salesforce.backend.records import serialise
from mock_salesforce.backend.soql import engine

TRICKY = 'quote " backslash \\ brace {x} }{ newline \n tab \t ctrl \x01 é 😀 \u2028 end'


def make(org, sobject, **fields):
    table = org.store.table(org.sobject("User"))
    with org.store.engine.connect() as conn:
        user = conn.execute(sa.select(table.c.Id)).scalar()
    return dml.create(org, org.sobject(sobject), fields, user, audit=True)


def rest_view(org, sobject: str, record_id: str) -> dict:
    """The record as ``GET /sobjects/<type>/<id>`` serialises it (the reference)."""
    definition = org.sobject(sobject)
    with org.store.engine.connect() as conn:
        row = org.store.get(definition, record_id, conn)
    return serialise(definition, row, "v59.0")


def page(org, soql: str) -> dict:
    """The first page, parsed from the exact bytes the API would send."""
    result = engine.query(org, soql, False, engine.PageRequest("v59.0"))
    return json.loads(result.to_json())


@pytest.fixture
def accounts(org):
    full = make(org, "Account", Name=TRICKY, AnnualRevenue=1234.5, NumberOfEmployees=7,
                BillingCity="Paris", BillingLatitude=48.8566, Description="line1\nline2",
                Phone="+33 1 23")
    empty = make(org, "Account", Name="Empty")
    return {"full": full, "empty": empty}


def test_every_standard_field_reads_back_as_rest_serialises_it(org, accounts):
    records = page(org, "SELECT FIELDS(STANDARD) FROM Account ORDER BY Name")["records"]
    assert len(records) == 2
    for record in records:
        expected = rest_view(org, "Account", record["Id"])
        assert record["attributes"] == expected["attributes"]
        assert {key: expected[key] for key in record if key != "attributes"} == \
            {key: value for key, value in record.items() if key != "attributes"}


def test_contact_values_of_each_kind(org, accounts):
    contact = make(org, "Contact", LastName=TRICKY, Email="a@b.example", DoNotCall=True,
                   Birthdate="1990-05-01", AccountId=accounts["full"], MailingCity="Köln")
    record = page(org, "SELECT Id, LastName, DoNotCall, HasOptedOutOfEmail, Birthdate, "
                       "SystemModstamp, MailingAddress, Account.Name, Account.AnnualRevenue, "
                       "Account.NumberOfEmployees FROM Contact")["records"][0]
    expected = rest_view(org, "Contact", contact)
    assert record["LastName"] == TRICKY
    assert record["DoNotCall"] is True and record["HasOptedOutOfEmail"] is False
    assert record["Birthdate"] == "1990-05-01"
    assert record["SystemModstamp"] == expected["SystemModstamp"]
    assert record["MailingAddress"] == expected["MailingAddress"]
    assert record["Account"]["Name"] == TRICKY
    assert record["Account"]["AnnualRevenue"] == 1234.5
    assert record["Account"]["NumberOfEmployees"] == 7


def test_null_parent_and_null_values(org):
    make(org, "Contact", LastName="Alone")
    record = page(org, "SELECT Email, Birthdate, MailingAddress, Account.Name, "
                       "Account.Owner.Name FROM Contact")["records"][0]
    assert record["Email"] is None and record["Birthdate"] is None
    assert record["MailingAddress"] is None
    assert record["Account"] is None


def test_deep_parent_path_nests_objects(org, accounts):
    make(org, "Contact", LastName="Deep", AccountId=accounts["full"])
    record = page(org, "SELECT Account.Owner.Name, Account.Name, LastName FROM Contact")[
        "records"][0]
    assert list(record) == ["attributes", "Account", "LastName"]
    assert list(record["Account"]) == ["attributes", "Owner", "Name"]
    assert record["Account"]["Owner"]["attributes"]["type"] == "User"
    assert record["Account"]["Name"] == TRICKY


def test_one_column_query(org, accounts):
    records = page(org, "SELECT Id FROM Account ORDER BY Name")["records"]
    assert [r["Id"] for r in records] == [accounts["empty"], accounts["full"]]
