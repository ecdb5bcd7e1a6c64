"""The SOQL parser (text → AST) and the compile-time checks against an org's schema.

One test per construct, one per rejection with Salesforce's exact errorCode. Compile-time
checks run on one SQLite org (they never touch rows, so the database does not matter).
"""
from datetime import date, datetime, timezone

import pytest

from mock_salesforce import errors
from mock_salesforce.backend.registry import Registry
from mock_salesforce.backend.schema import FieldDef
from mock_salesforce.backend.soql import ast
from mock_salesforce.backend.soql.engine import compile_soql
from mock_salesforce.backend.soql.parser import parse
from mock_salesforce.config import MockConfig


def where(text):
    return parse(f"SELECT Id FROM Contact WHERE {text}").where


def value(text):
    return where(f"X = {text}").value


def code(text):
    with pytest.raises(errors.SalesforceError) as caught:
        parse(text)
    return caught.value.error_code


# -- constructs ---------------------------------------------------------------------------------
def test_select_fields_and_object():
    query = parse("SELECT Id, Name FROM Contact")
    assert [item.expr.parts for item in query.select] == [("Id",), ("Name",)]
    assert query.sobject == "Contact"


def test_keywords_are_case_insensitive():
    query = parse("select Id from Contact where Name = 'a' order by Name desc limit 1")
    assert (query.sobject, query.limit, query.order_by[0].descending) == ("Contact", 1, True)


def test_commas_without_spaces_double_and_trailing_spaces():
    query = parse("SELECT Id,Name FROM Account WHERE SystemModstamp >= 2020-01-01T00:00:00Z  "
                  "ORDER BY SystemModstamp ASC ")
    assert len(query.select) == 2 and query.order_by[0].expr.parts == ("SystemModstamp",)


def test_parent_path():
    assert parse("SELECT Account.Owner.Name FROM Contact").select[0].expr.parts == \
        ("Account", "Owner", "Name")


def test_child_subquery_with_where_order_and_limit():
    sub = parse("SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null "
                "ORDER BY LastName LIMIT 5) FROM Account").select[1]
    assert isinstance(sub, ast.SubQuery)
    assert (sub.query.sobject, sub.query.limit, sub.query.where.op) == ("Contacts", 5, "!=")


def test_child_subquery_may_name_its_relationship_through_the_parent():
    # Recorded from a real org (forcedotcom/sf-fx-runtime-nodejs): FROM Account.Contacts.
    query = parse("SELECT Account.Name, (SELECT Contact.LastName FROM Account.Contacts) FROM Account")
    assert query.select[1].query.sobject == "Contacts"


def test_child_subquery_through_another_object_is_malformed():
    with pytest.raises(errors.MALFORMED_QUERY, match="Didn't understand relationship 'Lead.Contacts'"):
        parse("SELECT Name, (SELECT LastName FROM Lead.Contacts) FROM Account")


def test_count_star():
    item = parse("SELECT COUNT() FROM Contact").select[0]
    assert item.expr == ast.Aggregate("COUNT", None, item.expr.pos)


def test_aggregates_with_alias_group_by_and_having():
    query = parse("SELECT LeadSource, COUNT(Id) total, COUNT_DISTINCT(Email), SUM(Amount), "
                  "AVG(Amount), MIN(Name), MAX(Name) FROM Opportunity GROUP BY LeadSource "
                  "HAVING COUNT(Id) > 1")
    functions = [item.expr.function for item in query.select[1:]]
    assert functions == ["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"]
    assert query.select[1].alias == "total" and query.group_by[0].parts == ("LeadSource",)
    assert isinstance(query.having.operand, ast.Aggregate)


@pytest.mark.parametrize("kind", ["ALL", "STANDARD", "CUSTOM"])
def test_fields_function(kind):
    assert parse(f"SELECT FIELDS({kind}) FROM Contact LIMIT 200").select[0].kind == kind


def test_and_or_not_with_parentheses():
    condition = where("(Name = 'a' OR Name = 'b') AND NOT Email = null")
    assert isinstance(condition, ast.And)
    assert isinstance(condition.items[0], ast.Or) and isinstance(condition.items[1], ast.Not)


@pytest.mark.parametrize("op, expected", [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"),
                                          ("<=", "<="), (">", ">"), (">=", ">=")])
def test_comparison_operators(op, expected):
    assert where(f"NumberOfEmployees {op} 5").op == expected


def test_like():
    condition = where("Name LIKE 'Ac%'")
    assert (condition.op, condition.value.value) == ("LIKE", "Ac%")


def test_in_and_not_in_lists():
    assert [v.value for v in where("Name IN ('a','b')").value] == ["a", "b"]
    assert where("Name NOT IN ('a', 'b')").op == "NOT_IN"


def test_semi_join_and_anti_join():
    semi = where("Id IN (SELECT ContactId FROM OpportunityContactRole WHERE IsPrimary = true)")
    anti = where("Id NOT IN (SELECT ContactId FROM OpportunityContactRole)")
    assert isinstance(semi.value, ast.SubQuery) and semi.op == "IN"
    assert isinstance(anti.value, ast.SubQuery) and anti.op == "NOT_IN"


def test_includes_and_excludes():
    assert where("Hobbies__c INCLUDES ('a;b', 'c')").op == "INCLUDES"
    assert where("Hobbies__c EXCLUDES ('a')").op == "EXCLUDES"


def test_null_true_false():
    assert value("null") == ast.NullValue()
    assert (value("TRUE"), value("false")) == (ast.BoolValue(True), ast.BoolValue(False))


@pytest.mark.parametrize("text, number", [("5", 5), ("-5", -5), ("1.25", 1.25), ("+3", 3)])
def test_numbers(text, number):
    assert value(text).value == number


def test_date_literal():
    assert value("2024-01-31") == ast.DateValue(date(2024, 1, 31))


@pytest.mark.parametrize("text", [
    "2024-03-02T03:04:05Z", "2024-03-02T03:04:05.000Z", "2024-03-02T03:04:05.000000Z",
    "2024-03-02T03:04:05.0Z", "2024-03-02T03:04:05+00:00", "2024-03-02T03:04:05.000+0000",
    "2024-03-02T05:04:05+02:00", "2024-03-02T01:04:05-0200"])
def test_datetime_literal_forms(text):
    assert value(text).value == datetime(2024, 3, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, literal", [
    ("TODAY", ast.DateLiteral("TODAY")), ("last_week", ast.DateLiteral("LAST_WEEK")),
    ("THIS_QUARTER", ast.DateLiteral("THIS_QUARTER")),
    ("LAST_N_DAYS:30", ast.DateLiteral("LAST_N_DAYS", 30)),
    ("N_DAYS_AGO:3", ast.DateLiteral("N_DAYS_AGO", 3)),
    ("NEXT_N_WEEKS:2", ast.DateLiteral("NEXT_N_WEEKS", 2))])
def test_relative_date_literals(text, literal):
    assert value(text) == literal


@pytest.mark.parametrize("escaped, plain", [
    (r"\'", "'"), (r'\"', '"'), (r"\\", "\\"), (r"\n", "\n"), (r"\r", "\r"), (r"\t", "\t"),
    (r"\b", "\b"), (r"\f", "\f")])
def test_string_escapes(escaped, plain):
    assert value(f"'a{escaped}b'").value == f"a{plain}b"


def test_like_escapes_keep_percent_and_underscore_literal():
    literal = where(r"Name LIKE '50\%\_off%'").value
    assert literal.like_pattern == r"50\%\_off%"


def test_order_by_several_fields_with_nulls():
    items = parse("SELECT Id FROM Contact ORDER BY LastName DESC NULLS FIRST, FirstName, "
                  "Email ASC NULLS LAST").order_by
    assert [(i.descending, i.nulls_last) for i in items] == [(True, False), (False, None),
                                                              (False, True)]


def test_limit_and_offset():
    query = parse("SELECT Id FROM Contact LIMIT 5 OFFSET 10")
    assert (query.limit, query.offset) == (5, 10)


def test_positions_point_at_the_token():
    assert parse("SELECT Id,\n  Name FROM Contact").select[1].expr.pos == ast.Pos(2, 3)


# -- syntax rejections --------------------------------------------------------------------------
def test_unexpected_token_is_named():
    with pytest.raises(errors.MALFORMED_QUERY) as caught:
        parse("SELECT Id FRM Contact")
    assert "unexpected token: 'Contact'" in caught.value.message
    assert "ERROR at Row:1:Column:15" in caught.value.message


def test_unknown_clause_is_rejected_not_ignored():
    assert code("SELECT Id FROM Contact FOR UPDATE") == "MALFORMED_QUERY"


def test_trailing_garbage_is_rejected():
    assert code("SELECT Id FROM Contact LIMIT 5 FOO") == "MALFORMED_QUERY"


def test_incomplete_query_reports_eof():
    with pytest.raises(errors.MALFORMED_QUERY) as caught:
        parse("SELECT Id FROM")
    assert "unexpected token: <EOF>" in caught.value.message


def test_mixing_and_or_without_parentheses_is_rejected():
    assert code("SELECT Id FROM Contact WHERE A = 1 AND B = 2 OR C = 3") == "MALFORMED_QUERY"


def test_double_quoted_string_is_rejected():
    assert code('SELECT Id FROM Contact WHERE Name = "x"') == "MALFORMED_QUERY"


def test_illegal_escape_is_rejected():
    with pytest.raises(errors.MALFORMED_QUERY) as caught:
        parse(r"SELECT Id FROM Contact WHERE Name = 'a\q'")
    assert r"Illegal character sequence '\q'" in caught.value.message


def test_unknown_date_literal_is_rejected():
    assert code("SELECT Id FROM Contact WHERE CreatedDate = SOMEDAY") == "MALFORMED_QUERY"


def test_n_date_literal_needs_its_number():
    assert code("SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS") == "MALFORMED_QUERY"


def test_fixed_date_literal_takes_no_number():
    assert code("SELECT Id FROM Contact WHERE CreatedDate = TODAY:3") == "MALFORMED_QUERY"


def test_invalid_calendar_date_is_rejected():
    assert code("SELECT Id FROM Contact WHERE Birthdate = 2024-02-30") == "MALFORMED_QUERY"


def test_missing_from_is_rejected():
    assert code("SELECT Id WHERE Name = 'a'") == "MALFORMED_QUERY"


# -- compile-time rejections --------------------------------------------------------------------
@pytest.fixture(scope="module")
def org(tmp_path_factory):
    path = tmp_path_factory.mktemp("soql-parser")
    registry = Registry(MockConfig(db_url=str(path / "org.db"), data_dir=path, password="p",
                                   client_secret="s"))
    org = registry.default_org
    org.add_field(org.sobject("Contact"), FieldDef("Hobbies__c", "multipicklist", custom=True,
                                                    picklist_values=["Golf", "Chess"]))
    yield org
    registry.engine.dispose()


def compile_code(org, text):
    with pytest.raises(errors.SalesforceError) as caught:
        compile_soql(org, text, include_deleted=False)
    return caught.value


def test_unknown_field_is_invalid_field(org):
    error = compile_code(org, "SELECT Id, Foo FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert "No such column 'Foo' on entity 'Contact'. If you are attempting to use a custom " \
           "field, be sure to append the '__c' after the custom field name." in error.message


def test_unknown_object_is_invalid_type(org):
    error = compile_code(org, "SELECT Id FROM Foo__c")
    assert error.error_code == "INVALID_TYPE"
    assert "sObject type 'Foo__c' is not supported." in error.message


def test_unknown_relationship_is_invalid_field(org):
    error = compile_code(org, "SELECT Boss.Name FROM Contact")
    assert error.error_code == "INVALID_FIELD" and "Didn't understand relationship 'Boss'" in \
        error.message


def test_unknown_child_relationship_is_invalid_type(org):
    assert compile_code(org, "SELECT (SELECT Id FROM Pets) FROM Account").error_code == \
        "INVALID_TYPE"


def test_nested_child_subquery_is_malformed(org):
    assert compile_code(org, "SELECT (SELECT (SELECT Id FROM Contacts) FROM Contacts) "
                             "FROM Account").error_code == "MALFORMED_QUERY"


def test_duplicate_field_is_invalid_field(org):
    error = compile_code(org, "SELECT Id, FIELDS(ALL) FROM Contact LIMIT 200")
    assert (error.error_code, error.message) == ("INVALID_FIELD", "\nSELECT Id, FIELDS(ALL) FROM "
                                                 "Contact LIMIT 200\n           ^\nERROR at "
                                                 "Row:1:Column:12\nduplicate field selected: Id")


@pytest.mark.parametrize("text", ["SELECT FIELDS(ALL) FROM Contact",
                                  "SELECT FIELDS(CUSTOM) FROM Contact LIMIT 201"])
def test_fields_all_and_custom_need_limit_200(org, text):
    error = compile_code(org, text)
    assert error.error_code == "MALFORMED_QUERY"
    assert "The SOQL FIELDS function must have a LIMIT of at most 200" in error.message


def test_fields_standard_needs_no_limit(org):
    assert compile_soql(org, "SELECT FIELDS(STANDARD) FROM Contact", False) is not None


def test_offset_over_2000_is_out_of_range(org):
    error = compile_code(org, "SELECT Id FROM Contact LIMIT 10 OFFSET 2001")
    assert (error.error_code, error.message) == ("NUMBER_OUTSIDE_VALID_RANGE",
                                                 "Maximum SOQL offset allowed is 2000")


def test_like_on_boolean_is_invalid_operator(org):
    assert compile_code(org, "SELECT Id FROM Contact WHERE DoNotCall LIKE 'x'").error_code == \
        "INVALID_QUERY_FILTER_OPERATOR"


def test_includes_on_plain_picklist_is_invalid_operator(org):
    error = compile_code(org, "SELECT Id FROM Contact WHERE LeadSource INCLUDES ('Web')")
    assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert "includes or excludes operator only valid on multipicklist field" in error.message


def test_ordering_operator_on_multipicklist_is_invalid_operator(org):
    assert compile_code(org, "SELECT Id FROM Contact WHERE Hobbies__c > 'a'").error_code == \
        "INVALID_QUERY_FILTER_OPERATOR"


def test_malformed_id_literal_is_invalid_operator(org):
    error = compile_code(org, "SELECT Id FROM Contact WHERE Id = 'nope'")
    assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR" and "invalid ID field: nope" in \
        error.message


@pytest.mark.parametrize("condition", ["CreatedDate = '2024-01-01'", "LastName = 5",
                                       "DoNotCall = 'true'", "Birthdate = 2024-01-01T00:00:00Z"])
def test_literal_of_the_wrong_type_is_invalid_field(org, condition):
    error = compile_code(org, f"SELECT Id FROM Contact WHERE {condition}")
    assert error.error_code == "INVALID_FIELD" and "value of filter criterion" in error.message


def test_filter_on_compound_field_is_invalid_field(org):
    assert compile_code(org, "SELECT Id FROM Contact WHERE MailingAddress = null").error_code == \
        "INVALID_FIELD"


def test_order_by_long_text_area_is_invalid_field(org):
    error = compile_code(org, "SELECT Id FROM Contact ORDER BY Description")
    assert error.error_code == "INVALID_FIELD" and "can not be sorted" in error.message


def test_ungrouped_field_in_aggregate_query_is_malformed(org):
    error = compile_code(org, "SELECT LastName, COUNT(Id) FROM Contact")
    assert error.error_code == "MALFORMED_QUERY"
    assert "Field must be grouped or aggregated: LastName" in error.message


def test_count_star_must_stand_alone(org):
    assert compile_code(org, "SELECT COUNT(), Id FROM Contact").error_code == "MALFORMED_QUERY"


def test_sum_of_text_is_malformed(org):
    assert compile_code(org, "SELECT SUM(LastName) FROM Contact").error_code == "MALFORMED_QUERY"


def test_alias_outside_aggregate_query_is_malformed(org):
    assert compile_code(org, "SELECT LastName ln FROM Contact").error_code == "MALFORMED_QUERY"


def test_semi_join_must_select_an_id(org):
    assert compile_code(org, "SELECT Id FROM Contact WHERE Id IN (SELECT Name FROM Account)") \
        .error_code == "MALFORMED_QUERY"


def test_aggregate_in_where_is_malformed(org):
    assert compile_code(org, "SELECT Id FROM Contact WHERE COUNT(Id) > 1").error_code == \
        "MALFORMED_QUERY"


def test_more_than_five_parent_levels_is_malformed(org):
    assert compile_code(org, "SELECT ReportsTo.ReportsTo.ReportsTo.ReportsTo.ReportsTo.ReportsTo"
                             ".Name FROM Contact").error_code == "MALFORMED_QUERY"


def test_grouping_by_datetime_is_invalid_field(org):
    assert compile_code(org, "SELECT CreatedDate FROM Contact GROUP BY CreatedDate").error_code == \
        "INVALID_FIELD"
