"""Regressions for the requests that once answered 500 (issue 13): each exact request, its answer.

Where Salesforce's wording is not recorded, the test pins the errorCode and the family's shape.
"""
from __future__ import annotations

import pytest

from mock_salesforce.app import create_app
from mock_salesforce.backend.ids import make_id
from mock_salesforce.config import MockConfig

V = "/services/data/v59.0"
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
DEEP_ARRAY = "[" * 1000 + "]" * 1000


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One org for the whole module: every test here sends one bad request and reads its answer
    (a fresh org per test would cost CI a second each)."""
    data_dir = tmp_path_factory.mktemp("robustness")
    app = create_app(MockConfig(db_url=str(data_dir / "org.db"), data_dir=data_dir, password="pw",
                                client_secret="secret", control_secret="control"))
    return app.test_client()


@pytest.fixture(scope="module")
def token(client) -> str:
    """An access token of the module's org."""
    config = client.application.config["MOCK_CONFIG"]
    return client.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": config.client_id, "client_secret": "secret",
        "username": config.username, "password": "pw"}).json["access_token"]


@pytest.fixture(scope="module")
def auth(token) -> dict:
    """Bearer headers of the module's org."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def control() -> dict:
    """Control-plane headers of the module's org."""
    return {"X-Mock-Secret": "control"}


def _json(headers: dict) -> dict:
    return {**headers, "Content-Type": "application/json"}


def _query(client, auth, soql: str):
    return client.get(f"{V}/query", query_string={"q": soql}, headers=auth)


@pytest.mark.parametrize("method,path,body", [
    ("post", f"{V}/sobjects/Contact", DEEP_OBJECT),
    ("patch", f"{V}/sobjects/Contact/Id/003000000000000AAA", DEEP_OBJECT),
    ("post", f"{V}/jobs/ingest", DEEP_OBJECT),
    ("post", f"{V}/jobs/query", DEEP_ARRAY),
    ("post", f"{V}/composite/sobjects", DEEP_OBJECT),
])
def test_json_nested_1000_deep_is_json_parser_error(client, auth, method, path, body):
    response = getattr(client, method)(path, data=body, headers=_json(auth))
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_bulk1_job_nested_1000_deep_is_client_input_error(client, token):
    response = client.post("/services/async/59.0/job", data=DEEP_OBJECT,
                           headers={"X-SFDC-Session": token, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["exceptionCode"] == "ClientInputError"


def test_control_plane_nested_json_is_a_control_error(client, control):
    response = client.post("/_mock/orgs/default/records/Contact", data=DEEP_OBJECT,
                           headers=_json(control))
    assert response.status_code == 400 and "error" in response.json


def test_lone_surrogate_is_json_parser_error_and_pairs_still_work(client, auth):
    lone = client.post(f"{V}/sobjects/Contact", data='{"LastName": "\\ud800"}', headers=_json(auth))
    assert lone.status_code == 400 and lone.json[0]["errorCode"] == "JSON_PARSER_ERROR"
    pair = client.post(f"{V}/sobjects/Contact", data='{"LastName": "\\ud83d\\ude00"}',
                       headers=_json(auth))
    assert pair.status_code == 201
    assert client.get(f"{V}/sobjects/Contact/{pair.json['id']}", headers=auth).json["LastName"] == "😀"


@pytest.mark.parametrize("soql", [
    "SELECT Id FROM Contact LIMIT 99999999999999999999999999",
    "SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:99999999999999",
    "SELECT Id FROM Contact WHERE CreatedDate = LAST_N_MONTHS:2147483648",
])
def test_soql_integers_past_a_java_int_are_malformed(client, auth, soql):
    response = _query(client, auth, soql)
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: '" in response.json[0]["message"]


@pytest.mark.parametrize("condition,matches", [
    ("= LAST_N_DAYS:2147483647", True), ("> LAST_N_MONTHS:2147483647", True),
    ("= NEXT_N_YEARS:2147483647", False), ("< NEXT_N_QUARTERS:2147483647", True),
    ("= N_WEEKS_AGO:2147483647", False), ("< N_DAYS_AGO:2147483647", False)])
def test_huge_date_literals_cover_the_whole_calendar_on_their_side(client, auth, condition, matches):
    created = client.post(f"{V}/sobjects/Contact", json={"LastName": "Dated"}, headers=auth).json["id"]
    response = _query(client, auth, f"SELECT Id FROM Contact WHERE CreatedDate {condition}")
    assert response.status_code == 200
    assert (created in {r["Id"] for r in response.json["records"]}) is matches


def test_in_list_of_1000_ids_is_answered(client, auth):
    created = [client.post(f"{V}/sobjects/Contact", json={"LastName": f"In{i}"}, headers=auth).json["id"]
               for i in range(3)]
    wanted = created + [make_id("003", 900_000_000 + i) for i in range(997)]
    quoted = ",".join(f"'{i}'" for i in wanted)
    response = _query(client, auth, f"SELECT Id FROM Contact WHERE Id IN ({quoted})")
    assert response.status_code == 200
    assert sorted(r["Id"] for r in response.json["records"]) == sorted(created)


def test_2000_and_terms_and_2000_or_terms_are_answered(client, auth):
    client.post(f"{V}/sobjects/Contact", json={"LastName": "x7"}, headers=auth)
    ands = " AND ".join(f"LastName != 'y{i}'" for i in range(2000))
    ors = " OR ".join(f"LastName = 'x{i}'" for i in range(2000))
    both = _query(client, auth, f"SELECT LastName FROM Contact WHERE ({ands}) AND ({ors})")
    assert both.status_code == 200
    assert [r["LastName"] for r in both.json["records"]] == ["x7"]
    negated = _query(client, auth, f"SELECT LastName FROM Contact WHERE LastName = 'x7' AND NOT ({ors})")
    assert negated.status_code == 200 and negated.json["totalSize"] == 0


def test_query_past_100000_characters_is_salesforces_error(client, auth):
    soql = "SELECT Id FROM Contact WHERE " + " OR ".join(["LastName = 'abcdefghij'"] * 5000)
    response = _query(client, auth, soql)
    assert response.status_code == 400
    assert response.json == [{"message": "SOQL statements can not be longer than 100000 characters",
                              "errorCode": "MALFORMED_QUERY"}]


def test_nesting_too_deep_for_the_parser_is_query_too_complicated(client, auth):
    response = _query(client, auth, "SELECT Id FROM Contact WHERE " + "NOT " * 3000 + "LastName = 'x'")
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "QUERY_TOO_COMPLICATED"


def test_composite_retrieve_with_wrong_types_is_json_parser_error(client, auth):
    response = client.post(f"{V}/composite/sobjects/Contact", json={"ids": "x", "fields": 1},
                           headers=auth)
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "JSON_PARSER_ERROR"


@pytest.mark.parametrize("kind,code", [([1], "JSON_PARSER_ERROR"), (5, "INVALID_TYPE"),
                                       (True, "INVALID_TYPE")])
def test_collection_record_whose_type_is_not_text_fails_that_record(client, auth, kind, code):
    response = client.post(f"{V}/composite/sobjects", headers=auth,
                           json={"records": [{"attributes": {"type": kind}, "LastName": "x"}]})
    assert response.status_code == 200
    assert response.json[0]["success"] is False
    assert response.json[0]["errors"][0]["statusCode"] == code


def test_ingest_job_with_a_numeric_external_id_field_is_invalidjob(client, auth):
    response = client.post(f"{V}/jobs/ingest", headers=auth, json={
        "object": "Contact", "operation": "upsert", "externalIdFieldName": 5})
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "INVALIDJOB"
    assert "Field name provided, 5 does not match" in response.json[0]["message"]


def test_ingest_job_with_a_list_as_delimiter_is_invalidjob(client, auth):
    response = client.post(f"{V}/jobs/ingest", headers=auth, json={
        "object": "Contact", "operation": "insert", "columnDelimiter": ["COMMA"]})
    assert response.status_code == 400 and response.json[0]["errorCode"] == "INVALIDJOB"


@pytest.mark.parametrize("body", [{"start": None}, {"start": "7"}, {"start": -1},
                                  {"start": 62 ** 9}, {"start": True}])
def test_id_seed_refuses_what_is_not_a_usable_number(client, control, body):
    response = client.post("/_mock/orgs/default/ids", json=body, headers=control)
    assert response.status_code == 400 and "error" in response.json


def test_reseeding_ids_to_a_used_start_never_collides(client, control, auth):
    client.post("/_mock/orgs/default/ids", json={"start": 0}, headers=control)
    first = client.post(f"{V}/sobjects/Contact", json={"LastName": "a"}, headers=auth)
    client.post("/_mock/orgs/default/ids", json={"start": 0}, headers=control)
    second = client.post(f"{V}/sobjects/Contact", json={"LastName": "b"}, headers=auth)
    third = client.post(f"{V}/sobjects/Account", json={"Name": "c"}, headers=auth)
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert len({first.json["id"], second.json["id"], third.json["id"]}) == 3


def test_a_seed_is_still_deterministic_for_objects_without_records(client, control, auth):
    client.post("/_mock/orgs/default/ids", json={"start": 0}, headers=control)
    client.post(f"{V}/sobjects/Contact", json={"LastName": "a"}, headers=auth)
    client.post("/_mock/orgs/default/ids", json={"start": 10}, headers=control)
    custom = client.post("/_mock/orgs/default/objects", headers=control, json={
        "name": "Widget__c", "label": "Widget", "fields": [{"name": "Name", "type": "string"}]})
    assert custom.status_code == 201
    prefix = custom.json["keyPrefix"]
    widget = client.post(f"{V}/sobjects/Widget__c", json={"Name": "w"}, headers=auth)
    assert widget.json["id"] == make_id(prefix, 11)


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_non_post_on_the_token_endpoint_answers_in_oauth_shape(client, method):
    response = getattr(client, method)("/services/oauth2/token")
    assert response.status_code == 400
    assert response.json == {"error": "invalid_request", "error_description": "must use HTTP POST"}


@pytest.mark.parametrize("path,body", [
    ("/_mock/clock", {"advance": [1]}), ("/_mock/clock", {"set": 5}),
    ("/_mock/clock", {"advance": 1e20}), ("/_mock/orgs/default/apps", {"name": [1]}),
    ("/_mock/orgs/default/objects", {"name": 5}), ("/_mock/orgs/default/objects", {"name": None}),
    ("/_mock/orgs/default/objects", {"name": "X__c", "fields": [5]}),
    ("/_mock/orgs/default/usage", {"used": [1]}), ("/_mock/orgs/default/usage", {"limit": "x"}),
    ("/_mock/orgs/default/users", {"username": [1], "password": 5}),
    ("/_mock/orgs/default/fields/Contact", {"name": "A__c", "type": 5}),
])
def test_control_plane_bodies_of_the_wrong_types_are_control_errors(client, control, path, body):
    """Found by the fuzzing (``test_any_json_body_on_every_json_operation``): each was a 500."""
    response = client.post(path, json=body, headers=control)
    assert response.status_code == 400 and isinstance(response.json["error"], str)


@pytest.mark.parametrize("body", [{"advance": 1e11}, {"advance": -1e11}, {"set": "9999-12-31T00:00:00Z"},
                                  {"set": "0001-01-02T00:00:00Z"}])
def test_the_clock_cannot_be_moved_off_the_calendar(client, control, auth, body):
    """A clock moved past year 9999 made every later request a 500 (found by fuzzing)."""
    response = client.post("/_mock/clock", json=body, headers=control)
    assert response.status_code == 400 and "error" in response.json
    assert client.get(f"{V}/limits", headers=auth).status_code == 200


def test_console_clock_past_the_calendar_is_refused(client, control):
    response = client.post("/_mock/console/clock", data={"advance": "1e400"}, headers=control)
    assert response.status_code == 302
    assert "Clock not moved" in client.get(response.headers["Location"], headers=control).get_data(as_text=True)


@pytest.mark.parametrize("delay", [float("inf"), 1e9])
def test_a_delay_fault_is_bounded(client, control, delay):
    response = client.post("/_mock/faults", json={"kind": "delay", "delay": delay}, headers=control)
    assert response.status_code == 400 and "error" in response.json


def test_a_field_added_after_a_query_is_queryable(client, control, auth):
    """Compiled table aliases are reused between queries; a field added since must still resolve."""
    assert _query(client, auth, "SELECT Id FROM Contact").status_code == 200
    added = client.post("/_mock/orgs/default/fields/Contact", headers=control,
                        json={"name": "Late__c", "type": "string", "label": "Late"})
    assert added.status_code == 201
    response = _query(client, auth, "SELECT Id, Late__c FROM Contact")
    assert response.status_code == 200
