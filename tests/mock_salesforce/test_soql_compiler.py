"""SOQL compiled to SQL and run on SQLite and PostgreSQL: what each construct returns."""
from datetime import datetime, timedelta, timezone

import pytest

from mock_salesforce import errors
from mock_salesforce.backend import dml, dml_batch
from mock_salesforce.backend.registry import Registry
from mock_salesforce.backend.schema import FieldDef
from mock_salesforce.backend.soql import engine
from mock_salesforce.config import MockConfig

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def registry(registry):
    registry.clock.set(NOW, frozen=True)
    return registry


@pytest.fixture
def org(registry):
    org = registry.default_org
    contact = org.sobject("Contact")
    org.add_field(contact, FieldDef("Hobbies__c", "multipicklist", custom=True,
                                    picklist_values=["Golf", "Chess", "Go"]))
    org.add_field(contact, FieldDef("Mentor__c", "reference", custom=True,
                                    reference_to=["Contact"], relationship_name="Mentor__r"))
    return org


def make(org, sobject, **fields):
    return dml.create(org, org.sobject(sobject), fields, org.first_user_id(), audit=True)


@pytest.fixture
def people(org):
    """Two accounts, four contacts (one without account), an opportunity, a task."""
    acme = make(org, "Account", Name="Acme", BillingCity="Paris", NumberOfEmployees=10)
    beta = make(org, "Account", Name="Beta", ParentId=acme, NumberOfEmployees=5)
    ann = make(org, "Contact", FirstName="Ann", LastName="Smith", Email="Ann@Example.com",
               AccountId=acme, Hobbies__c="Golf;Chess", Birthdate="1990-05-01",
               CreatedDate="2024-05-15T08:00:00Z")
    bob = make(org, "Contact", LastName="jones", AccountId=acme, Mentor__c=ann,
               Hobbies__c="Go", CreatedDate="2024-05-14T23:59:59Z")
    cid = make(org, "Contact", LastName="Nobody", CreatedDate="2024-04-01T00:00:00Z")
    dee = make(org, "Contact", LastName="50% off_sale", AccountId=beta, Email="dee@example.com",
               DoNotCall=True, CreatedDate="2024-05-10T10:00:00Z")
    opp = make(org, "Opportunity", Name="Big", StageName="Prospecting", CloseDate="2024-06-01",
               AccountId=acme, Amount=100)
    make(org, "Opportunity", Name="Small", StageName="Prospecting", CloseDate="2024-06-01",
         AccountId=acme, Amount=50)
    make(org, "Opportunity", Name="Other", StageName="Closed Won", CloseDate="2024-06-01",
         AccountId=beta, Amount=30)
    make(org, "OpportunityContactRole", OpportunityId=opp, ContactId=ann, IsPrimary=True)
    make(org, "OpportunityContactRole", OpportunityId=opp, ContactId=bob, IsPrimary=False)
    task = make(org, "Task", WhoId=ann, WhatId=opp, Subject="Call")
    return {"acme": acme, "beta": beta, "ann": ann, "bob": bob, "cid": cid, "dee": dee,
            "opp": opp, "task": task}


def run(org, soql, include_deleted=False, batch=None):
    page = engine.query(org, soql, include_deleted, engine.PageRequest("v59.0", "query", batch))
    return page.as_dict()


def more(org, page, batch=None, endpoint="query"):
    locator = page["nextRecordsUrl"].rsplit("/", 1)[1]
    return engine.query_more(org, locator, engine.PageRequest("v59.0", endpoint, batch)).as_dict()


def names(org, soql):
    return [r["LastName"] for r in run(org, soql)["records"]]


# -- SELECT and shapes ----------------------------------------------------------------------------
def test_fields_come_in_select_order_after_attributes(org, people):
    soql = f"SELECT LastName, Id FROM Contact WHERE Id = '{people['ann']}'"
    record = run(org, soql)["records"][0]
    assert list(record) == ["attributes", "LastName", "Id"]
    assert record["attributes"] == {"type": "Contact",
                                    "url": f"/services/data/v59.0/sobjects/Contact/{people['ann']}"}


def test_parent_path_is_a_nested_object_or_null(org, people):
    records = run(org, "SELECT LastName, Account.Name, Account.Owner.Name FROM Contact "
                       "ORDER BY LastName")["records"]
    by_name = {r["LastName"]: r for r in records}
    assert by_name["Smith"]["Account"]["Name"] == "Acme"
    assert by_name["Smith"]["Account"]["attributes"]["type"] == "Account"
    assert by_name["Smith"]["Account"]["Owner"]["Name"] == "Admin User"
    assert by_name["Nobody"]["Account"] is None


def test_custom_relationship_path(org, people):
    records = run(org, f"SELECT Mentor__r.LastName FROM Contact WHERE Id = '{people['bob']}'")
    assert records["records"][0]["Mentor__r"]["LastName"] == "Smith"


def test_self_relationship_through_parent_account(org, people):
    record = run(org, "SELECT Name, Parent.Name FROM Account WHERE Name = 'Beta'")["records"][0]
    assert record["Parent"]["Name"] == "Acme"


def test_polymorphic_who_and_what_resolve_by_id_prefix(org, people):
    record = run(org, "SELECT Subject, Who.Name, Who.Type, What.Name FROM Task")["records"][0]
    assert record["Who"]["attributes"]["type"] == "Contact" and record["Who"]["Name"] == "Ann Smith"
    assert record["Who"]["Type"] == "Contact"
    assert (record["What"]["attributes"]["type"], record["What"]["Name"]) == ("Opportunity", "Big")


def test_compound_address(org, people):
    record = run(org, "SELECT BillingAddress FROM Account WHERE Name = 'Acme'")["records"][0]
    assert record["BillingAddress"]["city"] == "Paris"


def test_child_subquery_with_where_order_and_limit(org, people):
    records = run(org, "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'x' "
                       "ORDER BY LastName DESC LIMIT 1) FROM Account ORDER BY Name")["records"]
    assert records[0]["Contacts"] == {"totalSize": 1, "done": True, "records": [
        {"attributes": {"type": "Contact",
                        "url": f"/services/data/v59.0/sobjects/Contact/{people['ann']}"},
         "LastName": "Smith"}]}


def test_empty_child_subquery_is_null(org, people):
    records = run(org, "SELECT Name, (SELECT Name FROM Opportunities WHERE Amount > 1000) "
                       "FROM Account")["records"]
    assert all(r["Opportunities"] is None for r in records)


def test_fields_all_lists_every_field(org, people):
    record = run(org, "SELECT FIELDS(ALL) FROM Contact LIMIT 1")["records"][0]
    assert list(record)[1:] == list(org.sobject("Contact").fields)


def test_fields_custom_lists_custom_fields(org, people):
    record = run(org, "SELECT FIELDS(CUSTOM) FROM Contact LIMIT 1")["records"][0]
    assert list(record)[1:] == ["Hobbies__c", "Mentor__c"]


def test_values_are_typed_as_salesforce_serialises_them(org, people):
    record = run(org, "SELECT NumberOfEmployees, CreatedDate, IsDeleted FROM Account "
                      "WHERE Name = 'Acme'")["records"][0]
    assert record["NumberOfEmployees"] == 10 and record["IsDeleted"] is False
    assert record["CreatedDate"] == "2024-05-15T12:00:00.000+0000"


def test_text_is_escaped_as_json(org, people):
    tricky = 'Quote " back \\ slash\nnew line \t tab é ✓ \u2028'
    make(org, "Contact", LastName=tricky)
    soql = "SELECT LastName FROM Contact WHERE LastName LIKE 'Quote%'"
    assert run(org, soql)["records"][0]["LastName"] == tricky


def test_numbers_keep_their_json_types(org, people):
    soql = ("SELECT Amount, Probability, TotalOpportunityQuantity, FiscalYear FROM Opportunity "
            "WHERE Name = 'Big'")
    record = run(org, soql)["records"][0]
    assert record["Amount"] == 100.0 and isinstance(record["Amount"], float)
    # Prospecting's default probability, as a real org's sales process sets it.
    assert record["Probability"] == 10.0 and isinstance(record["Probability"], float)
    assert record["TotalOpportunityQuantity"] is None
    assert record["FiscalYear"] == 2024 and isinstance(record["FiscalYear"], int)


# -- aggregates ---------------------------------------------------------------------------------
def test_count_star_is_total_size(org, people):
    assert run(org, "SELECT COUNT() FROM Contact") == {"totalSize": 4, "done": True, "records": []}


def test_count_star_with_limit(org, people):
    assert run(org, "SELECT COUNT() FROM Contact LIMIT 2")["totalSize"] == 2


def test_count_field_and_count_distinct(org, people):
    record = run(org, "SELECT COUNT(Email), COUNT_DISTINCT(AccountId) FROM Contact")["records"][0]
    assert record == {"attributes": {"type": "AggregateResult"}, "expr0": 2, "expr1": 2}


def test_group_by_having_and_aliases(org, people):
    records = run(org, "SELECT Account.Name, SUM(Amount) total, AVG(Amount), MIN(Name), MAX(Name) "
                       "FROM Opportunity GROUP BY Account.Name HAVING SUM(Amount) > 100 "
                       "ORDER BY Account.Name")["records"]
    assert records == [{"attributes": {"type": "AggregateResult"}, "Name": "Acme", "total": 150.0,
                        "expr0": 75.0, "expr1": "Big", "expr2": "Small"}]


def test_group_by_without_aggregates(org, people):
    records = run(org, "SELECT StageName FROM Opportunity GROUP BY StageName ORDER BY StageName")
    assert [r["StageName"] for r in records["records"]] == ["Closed Won", "Prospecting"]


def test_order_by_aggregate(org, people):
    records = run(org, "SELECT AccountId, COUNT(Id) n FROM Opportunity GROUP BY AccountId "
                       "ORDER BY COUNT(Id) DESC")["records"]
    assert [r["n"] for r in records] == [2, 1]


# -- WHERE --------------------------------------------------------------------------------------
def test_text_equality_ignores_case(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE Email = 'ann@EXAMPLE.com'") == ["Smith"]


def test_like_is_case_insensitive_with_both_wildcards(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE LastName LIKE 'J_N%'") == ["jones"]


def test_like_escaped_wildcards_are_literal(org, people):
    assert names(org, r"SELECT LastName FROM Contact WHERE LastName LIKE '50\% off\_%'") == \
        ["50% off_sale"]
    assert names(org, r"SELECT LastName FROM Contact WHERE LastName LIKE '5\_%'") == []


def test_in_and_not_in(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE LastName IN ('SMITH','Jones')")) \
        == ["Smith", "jones"]
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Email NOT IN "
                             "('ann@example.com')")) == ["50% off_sale", "Nobody", "jones"]


def test_not_equal_matches_null_like_salesforce(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Email != 'ann@example.com'")) == \
        ["50% off_sale", "Nobody", "jones"]


def test_not_keeps_null_rows(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE NOT Email LIKE 'ann%'")) == \
        ["50% off_sale", "Nobody", "jones"]


def test_equals_null_and_not_null(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Email = null")) == \
        ["Nobody", "jones"]
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Email != null")) == \
        ["50% off_sale", "Smith"]


def test_and_or_parentheses(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE (LastName = 'Smith' OR "
                             "LastName = 'Nobody') AND AccountId != null")) == ["Smith"]


def test_boolean_and_number_comparisons(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE DoNotCall = true") == ["50% off_sale"]
    assert [r["Name"] for r in run(org, "SELECT Name FROM Account WHERE NumberOfEmployees >= 6 "
                                        "AND NumberOfEmployees < 10.5")["records"]] == ["Acme"]


def test_date_field_comparison(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE Birthdate > 1990-04-30") == ["Smith"]


def test_datetime_literals_in_every_client_form_are_equal(org, people):
    forms = ["2024-05-10T10:00:00Z", "2024-05-10T10:00:00.000000Z", "2024-05-10T10:00:00+00:00",
             "2024-05-10T12:00:00.000+0200", "2024-05-10T08:00:00-02:00"]
    for form in forms:
        assert names(org, f"SELECT LastName FROM Contact WHERE CreatedDate = {form}") == \
            ["50% off_sale"], form


def test_today_on_a_datetime_field_is_the_whole_day(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate = TODAY") == ["Smith"]


def test_yesterday_and_last_n_days(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate = YESTERDAY") == ["jones"]
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:7")) \
        == ["50% off_sale", "Smith", "jones"]


def test_relative_date_ranges_with_ordering_operators(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate < THIS_MONTH") == ["Nobody"]
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate = LAST_MONTH") == ["Nobody"]


def test_date_literal_on_a_date_field(org, people):
    make(org, "Contact", LastName="Today", Birthdate="2024-05-15")
    assert names(org, "SELECT LastName FROM Contact WHERE Birthdate = THIS_WEEK") == ["Today"]


def test_plain_date_on_a_datetime_field_is_that_day(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate = 2024-05-14") == ["jones"]


def test_date_literals_follow_the_org_clock(org, people, registry):
    registry.clock.set(NOW + timedelta(days=1), frozen=True)
    assert names(org, "SELECT LastName FROM Contact WHERE CreatedDate = YESTERDAY") == ["Smith"]


def test_filter_on_parent_field(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Account.Name = 'ACME'")) == \
        ["Smith", "jones"]


def test_semi_join(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE Id IN (SELECT ContactId FROM "
                      "OpportunityContactRole WHERE IsPrimary = true)") == ["Smith"]


def test_anti_join(org, people):
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Id NOT IN (SELECT ContactId "
                             "FROM OpportunityContactRole)")) == ["50% off_sale", "Nobody"]


def test_semi_join_on_the_same_object(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE Id IN (SELECT Mentor__c FROM Contact)") \
        == ["Smith"]


def test_includes_and_excludes(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE Hobbies__c INCLUDES ('chess;golf')") == \
        ["Smith"]
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Hobbies__c INCLUDES "
                             "('Go', 'Golf')")) == ["Smith", "jones"]
    assert sorted(names(org, "SELECT LastName FROM Contact WHERE Hobbies__c EXCLUDES ('Go')")) \
        == ["50% off_sale", "Nobody", "Smith"]


def test_fifteen_character_id_literal(org, people):
    assert names(org, f"SELECT LastName FROM Contact WHERE Id = '{people['ann'][:15]}'") == \
        ["Smith"]


# -- ORDER BY, LIMIT, OFFSET ----------------------------------------------------------------------
def test_order_by_defaults_nulls_first_ascending_and_last_descending(org, people):
    ascending = names(org, "SELECT LastName FROM Contact ORDER BY Email, LastName")
    descending = names(org, "SELECT LastName FROM Contact ORDER BY Email DESC, LastName")
    assert ascending == ["jones", "Nobody", "Smith", "50% off_sale"]
    assert descending == ["50% off_sale", "Smith", "jones", "Nobody"]


def test_order_by_explicit_nulls(org, people):
    assert names(org, "SELECT LastName FROM Contact ORDER BY Email ASC NULLS LAST, LastName")[-2:] \
        == ["jones", "Nobody"]


def test_order_by_text_ignores_case(org, people):
    assert names(org, "SELECT LastName FROM Contact ORDER BY LastName") == \
        ["50% off_sale", "jones", "Nobody", "Smith"]


def test_order_by_parent_field(org, people):
    assert names(org, "SELECT LastName FROM Contact WHERE AccountId != null "
                      "ORDER BY Account.Name DESC, LastName") == ["50% off_sale", "jones", "Smith"]


def test_limit_and_offset(org, people):
    page = run(org, "SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1")
    assert page["totalSize"] == 2 and [r["LastName"] for r in page["records"]] == \
        ["jones", "Nobody"]


# -- recycle bin ----------------------------------------------------------------------------------
def test_query_hides_deleted_rows_and_query_all_shows_them(org, people):
    dml.delete(org, org.sobject("Contact"), people["cid"])
    assert "Nobody" not in names(org, "SELECT LastName FROM Contact")
    everything = run(org, "SELECT LastName, IsDeleted FROM Contact WHERE LastName = 'Nobody'",
                     include_deleted=True)["records"]
    assert everything[0]["IsDeleted"] is True


# -- paging and cursors ---------------------------------------------------------------------------
@pytest.fixture
def many(org):
    bodies = [{"LastName": f"P{n:04d}"} for n in range(450)]
    return dml_batch.bulk_create(org, org.sobject("Contact"), bodies, org.first_user_id())


def test_pages_follow_the_batch_size(org, many):
    page = run(org, "SELECT LastName FROM Contact ORDER BY LastName", batch=200)
    assert (page["totalSize"], page["done"], len(page["records"])) == (450, False, 200)
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert page["nextRecordsUrl"].endswith("-200")


def test_paging_is_a_snapshot_under_inserts_and_updates(org, many):
    page = run(org, "SELECT LastName FROM Contact ORDER BY SystemModstamp", batch=200)
    seen = [r["LastName"] for r in page["records"]]
    dml_batch.bulk_create(org, org.sobject("Contact"), [{"LastName": "Late"}] * 30, org.first_user_id())
    dml.update(org, org.sobject("Contact"), many[0], {"FirstName": "Touched"}, org.first_user_id())
    while not page["done"]:
        page = more(org, page)
        seen += [r["LastName"] for r in page["records"]]
    assert sorted(seen) == [f"P{n:04d}" for n in range(450)]


def test_locator_pages_can_be_fetched_again(org, many):
    page = run(org, "SELECT LastName FROM Contact ORDER BY LastName", batch=200)
    first, again = more(org, page), more(org, page)
    assert first["records"] == again["records"] and first["records"][0]["LastName"] == "P0200"


def test_cursor_expires_after_15_minutes_of_clock_inactivity(org, many, registry):
    page = run(org, "SELECT LastName FROM Contact", batch=200)
    registry.clock.set(NOW + timedelta(minutes=16), frozen=True)
    with pytest.raises(errors.INVALID_QUERY_LOCATOR):
        more(org, page)


def test_unknown_locator_is_invalid(org):
    with pytest.raises(errors.INVALID_QUERY_LOCATOR):
        engine.query_more(org, "01g5g0000000001AAA-2000", engine.PageRequest("v59.0"))


def test_query_all_cursor_keeps_deleted_rows(org, many):
    dml.delete(org, org.sobject("Contact"), many[-1])
    page = run(org, "SELECT LastName FROM Contact ORDER BY LastName", include_deleted=True,
               batch=200)
    last = more(org, page, batch=400, endpoint="queryAll")
    assert last["records"][-1]["LastName"] == "P0449" and last["done"] is True


# -- query plans (SQLite: the indexes keep selective queries flat as the table grows) ------------
@pytest.fixture
def sqlite_org(tmp_path):
    backend = Registry(MockConfig(db_url=f"sqlite:///{tmp_path / 'plan.db'}", data_dir=tmp_path,
                                  password="p", client_secret="s"))
    yield backend.default_org
    backend.engine.dispose()


def plan_of(org, statement, params=None):
    compiled = statement.compile(org.store.engine)
    values = {**compiled.params, **(params or {})}
    with org.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                    tuple(values[name] for name in compiled.positiontup)).all()
    return " | ".join(row[-1] for row in rows)


def test_email_lookup_uses_its_index(sqlite_org):
    plan = engine.compile_soql(sqlite_org, "SELECT Id FROM Contact WHERE Email = 'a@b.c'", False)
    assert "USING INDEX ix_org1_Contact_Email (Email=?)" in plan_of(sqlite_org, plan.ids)


def test_modstamp_window_uses_the_stamp_index_for_filter_and_order(sqlite_org):
    soql = "SELECT Id FROM Contact WHERE SystemModstamp > 2024-01-01T00:00:00Z " \
           "ORDER BY SystemModstamp LIMIT 2000"
    plan = engine.compile_soql(sqlite_org, soql, False)
    text = plan_of(sqlite_org, plan.ids)
    assert "USING INDEX ix_org1_Contact_stamp (SystemModstamp>?)" in text
    assert "TEMP B-TREE" not in text


def test_page_rows_are_read_by_id(sqlite_org):
    plan = engine.compile_soql(sqlite_org, "SELECT Id, Account.Name FROM Contact", False)
    text = plan_of(sqlite_org, plan.rows, {"ids": '["003000000000001AAA"]'})
    assert "SEARCH t0 USING INDEX sqlite_autoindex_org1_Contact_1 (Id=?)" in text
