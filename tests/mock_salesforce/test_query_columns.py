"""``/query?q=…&columns=true``: the column metadata ``sf data query`` lays its table out with."""
from __future__ import annotations

V = "/services/data/v59.0"


def columns(client, auth, soql: str, endpoint: str = "query"):
    return client.get(f"{V}/{endpoint}", query_string={"q": soql, "columns": "true"}, headers=auth)


def names(entries: list[dict]) -> list:
    return [(c["columnName"], names(c["joinColumns"])) if c["joinColumns"] else c["columnName"]
            for c in entries]


def test_plain_fields_give_one_column_each_and_the_entity(client, auth):
    response = columns(client, auth, "SELECT Id, Name, NumberOfEmployees FROM Account")
    assert response.status_code == 200
    body = response.json
    assert list(body) == ["columnMetadata", "entityName", "groupBy", "idSelected", "keyPrefix"]
    assert (body["entityName"], body["groupBy"], body["idSelected"], body["keyPrefix"]) == (
        "Account", False, True, "001")
    id_column, name, employees = body["columnMetadata"]
    assert id_column == {"aggregate": False, "apexType": "Id", "booleanType": False,
                         "columnName": "Id", "custom": False, "displayName": "Id",
                         "foreignKeyName": None, "insertable": False, "joinColumns": [],
                         "numberType": False, "textType": False, "updatable": False}
    assert (name["apexType"], name["textType"], name["insertable"]) == ("String", True, True)
    assert (employees["apexType"], employees["numberType"]) == ("Integer", True)


def test_parent_paths_nest_under_one_relationship_column(client, auth):
    body = columns(client, auth, "SELECT LastName, Account.Name, Account.Owner.Name, "
                                 "Account.Phone FROM Contact").json
    assert names(body["columnMetadata"]) == [
        "LastName", ("Account", ["Name", ("Owner", ["Name"]), "Phone"])]
    account = body["columnMetadata"][1]
    assert (account["foreignKeyName"], account["apexType"], account["aggregate"]) == (
        "AccountId", None, False)
    assert body["idSelected"] is False


def test_a_child_subquery_is_an_aggregate_column_of_the_child_fields(client, auth):
    body = columns(client, auth, "SELECT Name, (SELECT LastName, Email FROM Contacts) "
                                 "FROM Account").json
    assert names(body["columnMetadata"]) == ["Name", ("Contacts", ["LastName", "Email"])]
    contacts = body["columnMetadata"][1]
    assert contacts["aggregate"] is True and contacts["foreignKeyName"] is None


def test_aggregates_are_named_by_alias_or_expr_n_and_displayed_as_written(client, auth):
    body = columns(client, auth, "SELECT Industry, COUNT(Id), MAX(Name) last, "
                                 "AVG(NumberOfEmployees) FROM Account GROUP BY Industry").json
    assert body["groupBy"] is True
    industry, count, last, average = body["columnMetadata"]
    assert (industry["columnName"], industry["aggregate"]) == ("Industry", False)
    assert (count["columnName"], count["displayName"], count["aggregate"], count["numberType"]) == (
        "expr0", "count(Id)", True, True)
    assert (last["columnName"], last["displayName"], last["textType"]) == ("last", "max(Name)", True)
    assert (average["columnName"], average["displayName"]) == ("expr1", "avg(NumberOfEmployees)")


def test_a_renamed_grouped_field_is_keyed_by_its_alias(client, auth):
    body = columns(client, auth, "SELECT Name n, COUNT(Id) FROM Account GROUP BY Name").json
    assert [c["columnName"] for c in body["columnMetadata"]] == ["n", "expr0"]


def test_count_only_has_no_columns(client, auth):
    assert columns(client, auth, "SELECT COUNT() FROM Account").json["columnMetadata"] == []


def test_query_all_answers_columns_too(client, auth):
    body = columns(client, auth, "SELECT Id FROM Contact", endpoint="queryAll").json
    assert names(body["columnMetadata"]) == ["Id"] and body["keyPrefix"] == "003"


def test_an_invalid_query_fails_as_the_query_would(client, auth):
    response = columns(client, auth, "SELECT Nope FROM Account")
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Account'" in response.json[0]["message"]


def test_columns_false_still_runs_the_query(client, auth):
    response = client.get(f"{V}/query", query_string={"q": "SELECT Id FROM Account",
                                                      "columns": "false"}, headers=auth)
    assert response.json == {"totalSize": 0, "done": True, "records": []}


def test_a_grouped_parent_field_is_a_flat_column_as_its_rows_are(client, auth):
    body = columns(client, auth, "SELECT Account.Name, COUNT(Id) FROM Contact "
                                 "GROUP BY Account.Name").json
    name, count = body["columnMetadata"]
    assert (name["columnName"], name["displayName"], name["joinColumns"]) == (
        "Name", "Account.Name", [])
    assert count["columnName"] == "expr0"
