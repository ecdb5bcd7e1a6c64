"""The org store on SQLite and PostgreSQL: tables, DML rules, persistence, case-insensitive lookups."""
import pytest

from mock_salesforce import errors
from mock_salesforce.backend import dml, dml_batch, ids
from mock_salesforce.backend.registry import Registry
from mock_salesforce.backend.schema import FieldDef
from mock_salesforce.config import MockConfig


def test_new_org_has_its_admin_user_and_organization_row(org):
    assert org.store.count(org.sobject("User")) == 1
    assert org.store.get(org.sobject("Organization"), org.id)["IsSandbox"] is False


def test_create_and_read_back(org):
    contact = org.sobject("Contact")
    new_id = dml.create(org, contact, {"FirstName": "Ada", "LastName": "Lovelace",
                                       "Birthdate": "1815-12-10"}, org.first_user_id())
    row = org.store.get(contact, new_id)
    assert (row["Name"], row["Birthdate"], row["IsDeleted"]) == ("Ada Lovelace", "1815-12-10", False)


def test_text_lookups_ignore_case(org):
    contact = org.sobject("Contact")
    new_id = dml.create(org, contact, {"LastName": "X", "Email": "Ada@Example.com"}, org.first_user_id())
    assert org.store.find(contact, contact.field("Email"), "ada@EXAMPLE.com") == [new_id]


def test_bulk_create_checks_references_in_one_pass(org):
    with pytest.raises(errors.INVALID_CROSS_REFERENCE_KEY):
        dml_batch.bulk_create(org, org.sobject("Contact"), [
            {"LastName": "A", "AccountId": "001D000000IqhSLIAZ"}], org.first_user_id())
    assert org.store.count(org.sobject("Contact")) == 0


def test_bulk_create_many_rows_with_different_fields(org):
    account = dml.create(org, org.sobject("Account"), {"Name": "Acme"}, org.first_user_id())
    created = dml_batch.bulk_create(org, org.sobject("Contact"), [
        {"LastName": "A", "AccountId": account}, {"LastName": "B", "Email": "b@x.org"}], org.first_user_id())
    assert len(created) == 2 and org.store.count(org.sobject("Contact")) == 2


def test_deleted_records_stay_in_the_table_flagged(org):
    account = org.sobject("Account")
    new_id = dml.create(org, account, {"Name": "Acme"}, org.first_user_id())
    dml.delete(org, account, new_id)
    assert org.store.get(account, new_id) is None
    row = org.store.get(account, new_id, include_deleted=True)
    assert row["IsDeleted"] is True and row["_deleted_at"] == row["SystemModstamp"]


def test_many_rows_store_booleans_as_a_bound_bool_stores_them(org):
    """insert_many and update_many bind SQLite's booleans as its 1 and 0; the table holds
    exactly what binding the bools themselves (one row written by SQLAlchemy) leaves."""
    contact, store = org.sobject("Contact"), org.store
    table = store.table(contact)
    made = [ids.make_id("003", n) for n in range(1, 7)]
    flags = [True, False, None]
    with store.engine.begin() as conn:
        store.insert_many(contact, [{"Id": i, "LastName": "A", "IsDeleted": False, "DoNotCall": f}
                                    for i, f in zip(made[:3], flags)], conn)
        for record_id, flag in zip(made[3:], flags):
            conn.execute(table.insert().values(Id=record_id, LastName="A", IsDeleted=False,
                                               DoNotCall=flag))
        store.update_many(contact, {made[0]: {"DoNotCall": False, "Title": "T"},
                                    made[3]: {"DoNotCall": False, "Title": "T"},
                                    made[1]: {"HasOptedOutOfFax": True},
                                    made[4]: {"HasOptedOutOfFax": True}}, conn)
        if store.engine.dialect.name == "sqlite":
            stored = conn.exec_driver_sql(
                f'SELECT typeof("DoNotCall"), "DoNotCall", typeof("HasOptedOutOfFax"), '
                f'"HasOptedOutOfFax", typeof("IsDeleted") FROM "{table.name}" '
                f'WHERE "Id" IN ({", ".join("?" * 6)}) ORDER BY "Id"', tuple(made)).all()
            assert stored[:3] == stored[3:]
    rows = store.get_many(contact, made)
    assert [(rows[i]["DoNotCall"], rows[i]["HasOptedOutOfFax"]) for i in made] == \
        [(False, None), (False, True), (None, None)] * 2


@pytest.mark.parametrize("count, same_keys", [(49, True), (50, True), (260, True), (301, True),
                                              (260, False)])
def test_many_rows_are_stored_as_rows_written_one_by_one(org, count, same_keys):
    """insert_many writes runs of rows in multi-row INSERTs on SQLite, from rows read a row
    at a time when they have the same keys, else a column at a time: the table ends up as
    writing each row alone leaves it, down to the order of the rows."""
    contact = org.sobject("Contact")
    name = org.store.table(contact).name
    order = "rowid" if org.store.engine.dialect.name == "sqlite" else '"Id"'
    rows = [{"Id": ids.make_id("003", n), "LastName": f"L{n}", "IsDeleted": False,
             "DoNotCall": n % 3 == 0 if n % 5 else None, "Email": f"e{n}@x.org" if n % 2 else None,
             "CreatedDate": 1_700_000_000_000 + n} for n in range(count, 0, -1)]
    if not same_keys:
        rows = [{k: v for k, v in row.items() if k != "Email" or n % 7} if n % 11 else
                {**{"DoNotCall": True}, **row} for n, row in enumerate(rows)]

    def written(groups):
        with org.store.engine.begin() as conn:
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        for group in groups:
            with org.store.engine.begin() as conn:
                org.store.insert_many(contact, group, conn)
        with org.store.engine.connect() as conn:
            return conn.exec_driver_sql(f'SELECT * FROM "{name}" ORDER BY {order}').all()
    together = written([rows])
    assert together == written([[row] for row in rows]) and len(together) == count


def test_unique_field_refuses_duplicates(org):
    org.add_field(org.sobject("Account"), FieldDef("Code__c", "string", custom=True, unique=True))
    dml.create(org, org.sobject("Account"), {"Name": "A", "Code__c": "K1"}, org.first_user_id())
    with pytest.raises(errors.DUPLICATE_VALUE):
        dml.create(org, org.sobject("Account"), {"Name": "B", "Code__c": "k1"}, org.first_user_id())


def test_runtime_custom_field_gets_a_column(org):
    contact = org.sobject("Contact")
    before = dml.create(org, contact, {"LastName": "W"}, org.first_user_id())
    assert "Score__c" not in org.store.get(contact, before)  # the read before the new column
    org.add_field(contact, FieldDef("Score__c", "double", custom=True))
    new_id = dml.create(org, contact, {"LastName": "X", "Score__c": 4.5}, org.first_user_id())
    assert org.store.get(contact, new_id)["Score__c"] == 4.5
    assert org.store.get_many(contact, [before], include_deleted=True)[before]["Score__c"] is None


def test_data_survives_a_restart(db_url, tmp_path):
    config = MockConfig(db_url=db_url, data_dir=tmp_path, password="p", client_secret="s")
    first = Registry(config)
    account = first.default_org.sobject("Account")
    new_id = dml.create(first.default_org, account, {"Name": "Kept"}, first.default_org.first_user_id())
    first.engine.dispose()
    second = Registry(config)
    assert second.default_org.store.get(second.default_org.sobject("Account"), new_id)["Name"] == "Kept"
    later = dml.create(second.default_org, account, {"Name": "Next"}, second.default_org.first_user_id())
    assert later > new_id
    second.engine.dispose()


def test_seeded_demo_org_links_its_records(db_url, tmp_path):
    backend = Registry(MockConfig(db_url=db_url, data_dir=tmp_path, seed=5, password="p",
                                  client_secret="s"))
    org = backend.default_org
    counts = {name: org.store.count(org.sobject(name)) for name in
              ("Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign",
               "CampaignMember", "Task")}
    assert counts["Account"] == 5 and counts["Contact"] >= 5 and counts["Lead"] == 5
    assert counts["OpportunityContactRole"] == counts["Opportunity"] == 5
    assert counts["Campaign"] >= 1 and counts["CampaignMember"] == 5 and counts["Task"] == 5
    backend.engine.dispose()


def test_reset_rebuilds_an_empty_org(registry):
    org = registry.default_org
    dml.create(org, org.sobject("Account"), {"Name": "Gone"}, org.first_user_id())
    registry.reset()
    fresh = registry.default_org
    assert fresh.store.count(fresh.sobject("Account")) == 0 and fresh.store.count(fresh.sobject("User")) == 1


def test_the_first_user_is_the_admin(org):
    user = org.sobject("User")
    assert org.store.find(user, user.field("Username"), "admin@mock-salesforce.example.com") == [
        org.first_user_id()]
