"""Selective-sync filters: parsing, SOQL, and evaluation agree."""
import pytest

from syncer.sync.filters import matches, parse, to_soql

FILTER = parse({"match": "all", "conditions": [
    {"field": "Email", "operator": "is not null"},
    {"match": "any", "conditions": [
        {"field": "LeadSource", "operator": "in", "value": ["Web", "Partner Referral"]},
        {"field": "Title", "operator": "contains", "value": "VP"}]}]}, "[filters.Contact]")


def test_filter_becomes_soql():
    assert to_soql(FILTER) == ("(Email != null AND (LeadSource IN ('Web', 'Partner Referral') "
                               "OR Title LIKE '%VP%'))")


@pytest.mark.parametrize("record,expected", [
    ({"Email": "a@x.org", "LeadSource": "web"}, True),
    ({"Email": "a@x.org", "Title": "vp sales"}, True),
    ({"Email": "a@x.org", "LeadSource": "Phone Inquiry", "Title": "CEO"}, False),
    ({"Email": None, "LeadSource": "Web"}, False),
])
def test_filter_evaluates_like_soql(record, expected):
    assert matches(FILTER, record) is expected


def test_quotes_and_wildcards_are_escaped():
    group = parse({"conditions": [{"field": "Name", "operator": "starts with", "value": "O'Brien_%"}]}, "f")
    assert to_soql(group) == "(Name LIKE 'O\\'Brien\\_\\%%')"


def test_ordering_operators_never_pass_null():
    group = parse({"conditions": [{"field": "NumberOfEmployees", "operator": ">", "value": 10}]}, "f")
    assert matches(group, {"NumberOfEmployees": None}) is False and matches(group, {"NumberOfEmployees": 11})
