"""``/query``, ``/queryAll`` and locators through Flask's test client."""
import re

import pytest

V = "/services/data/v59.0"


@pytest.fixture
def load(client, control):
    """Insert Contacts through the control plane and return their ids."""
    def insert(bodies):
        response = client.post("/_mock/orgs/org1/records/Contact", headers=control,
                               json={"records": bodies})
        assert response.status_code == 201, response.json
        return response.json["ids"]
    return insert


def get(client, auth, path, **headers):
    return client.get(path, headers={**auth, **headers})


def error_code(response):
    return response.json[0]["errorCode"]


def test_query_returns_salesforce_page_shape(client, auth, load):
    ids = load([{"LastName": "Smith"}])
    response = get(client, auth, f"{V}/query?q=SELECT Id, LastName FROM Contact")
    assert response.status_code == 200
    assert response.json == {"totalSize": 1, "done": True, "records": [{
        "attributes": {"type": "Contact", "url": f"{V}/sobjects/Contact/{ids[0]}"},
        "Id": ids[0], "LastName": "Smith"}]}


def test_query_content_type_is_json_utf8(client, auth, load):
    load([{"LastName": "Émile"}])
    response = get(client, auth, f"{V}/query?q=SELECT LastName FROM Contact")
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.json["records"][0]["LastName"] == "Émile"


def test_trailing_slash_is_accepted(client, auth, load):
    load([{"LastName": "Smith"}])
    assert get(client, auth, f"{V}/query/?q=SELECT Id FROM Contact").json["totalSize"] == 1
    assert get(client, auth, f"{V}/queryAll/?q=SELECT Id FROM Contact").json["totalSize"] == 1


def test_query_needs_a_token(client):
    response = client.get(f"{V}/query?q=SELECT Id FROM Contact")
    assert response.status_code == 401 and error_code(response) == "INVALID_SESSION_ID"


def test_missing_q_is_malformed(client, auth):
    response = get(client, auth, f"{V}/query")
    assert response.status_code == 400 and error_code(response) == "MALFORMED_QUERY"


def test_syntax_error_envelope(client, auth):
    response = get(client, auth, f"{V}/query?q=SELECT Id FRM Contact")
    assert response.status_code == 400
    assert response.json == [{"message": "\nSELECT Id FRM Contact\n              ^\nERROR at "
                                         "Row:1:Column:15\nunexpected token: 'Contact'",
                              "errorCode": "MALFORMED_QUERY"}]


def test_unknown_field_is_invalid_field(client, auth):
    response = get(client, auth, f"{V}/query?q=SELECT Nope FROM Contact")
    assert response.status_code == 400 and error_code(response) == "INVALID_FIELD"


def test_unknown_object_is_invalid_type(client, auth):
    response = get(client, auth, f"{V}/query?q=SELECT Id FROM Nope")
    assert response.status_code == 400 and error_code(response) == "INVALID_TYPE"


def test_pages_follow_next_records_url(client, auth, load):
    load([{"LastName": f"L{n:04d}"} for n in range(2500)])
    first = get(client, auth, f"{V}/query?q=SELECT LastName FROM Contact ORDER BY LastName")
    assert (first.json["totalSize"], first.json["done"], len(first.json["records"])) == \
        (2500, False, 2000)
    second = get(client, auth, first.json["nextRecordsUrl"])
    assert second.json["done"] is True and "nextRecordsUrl" not in second.json
    assert [r["LastName"] for r in second.json["records"]][:2] == ["L2000", "L2001"]


def test_next_records_url_is_a_relative_locator_path(client, auth, load):
    load([{"LastName": f"L{n}"} for n in range(300)])
    page = get(client, auth, f"{V}/query?q=SELECT Id FROM Contact",
               **{"Sforce-Query-Options": "batchSize=200"}).json
    assert re.fullmatch(r"/services/data/v59\.0/query/01g[0-9A-Za-z]{15}-200",
                        page["nextRecordsUrl"])


@pytest.mark.parametrize("option, size", [("batchSize=250", 250), ("batchSize=50", 200),
                                          ("batchSize=5000", 2000), ("nonsense", 2000)])
def test_batch_size_header_is_honoured_within_200_to_2000(client, auth, load, option, size):
    load([{"LastName": f"L{n}"} for n in range(2100)])
    page = get(client, auth, f"{V}/query?q=SELECT Id FROM Contact",
               **{"Sforce-Query-Options": option}).json
    assert len(page["records"]) == size


def test_locator_call_ignores_a_repeated_q(client, auth, load):
    load([{"LastName": f"L{n}"} for n in range(300)])
    first = get(client, auth, f"{V}/queryAll?q=SELECT Id FROM Contact",
                **{"Sforce-Query-Options": "batchSize=200"}).json
    assert first["nextRecordsUrl"].startswith(f"{V}/queryAll/01g")
    second = get(client, auth, f"{first['nextRecordsUrl']}?q=SELECT Id FROM Contact")
    assert second.status_code == 200 and len(second.json["records"]) == 100


def test_query_locator_serves_a_query_all_cursor(client, auth, load):
    ids = load([{"LastName": f"L{n:03d}"} for n in range(300)])
    client.delete(f"{V}/sobjects/Contact/{ids[-1]}", headers=auth)
    first = get(client, auth, f"{V}/queryAll?q=SELECT LastName FROM Contact ORDER BY LastName",
                **{"Sforce-Query-Options": "batchSize=200"}).json
    locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
    rest = get(client, auth, f"{V}/query/{locator}").json
    assert rest["records"][-1]["LastName"] == "L299" and rest["done"] is True


def test_unknown_locator_is_invalid_query_locator(client, auth):
    response = get(client, auth, f"{V}/query/01g5g0000000001AAA-2000")
    assert response.status_code == 400 and error_code(response) == "INVALID_QUERY_LOCATOR"


def test_malformed_locator_is_invalid_query_locator(client, auth):
    response = get(client, auth, f"{V}/queryAll/garbage")
    assert response.status_code == 400 and error_code(response) == "INVALID_QUERY_LOCATOR"


def test_query_never_returns_deleted_rows(client, auth, load):
    ids = load([{"LastName": "Gone"}, {"LastName": "Here"}])
    client.delete(f"{V}/sobjects/Contact/{ids[0]}", headers=auth)
    records = get(client, auth, f"{V}/query?q=SELECT LastName FROM Contact WHERE IsDeleted = true"
                  ).json["records"]
    assert records == []


def test_query_all_returns_deleted_rows_flagged(client, auth, load):
    ids = load([{"LastName": "Gone"}, {"LastName": "Here"}])
    client.delete(f"{V}/sobjects/Contact/{ids[0]}", headers=auth)
    records = get(client, auth, f"{V}/queryAll?q=SELECT LastName, IsDeleted FROM Contact "
                                "ORDER BY LastName").json["records"]
    assert [(r["LastName"], r["IsDeleted"]) for r in records] == [("Gone", True), ("Here", False)]


def test_count_query_answers_total_size_only(client, auth, load):
    load([{"LastName": "A"}, {"LastName": "B"}])
    assert get(client, auth, f"{V}/query?q=SELECT COUNT() FROM Contact").json == \
        {"totalSize": 2, "done": True, "records": []}


def test_aggregate_rows_are_aggregate_results(client, auth, load):
    load([{"LastName": "A", "LeadSource": "Web"}, {"LastName": "B", "LeadSource": "Web"}])
    records = get(client, auth, f"{V}/query?q=SELECT LeadSource, COUNT(Id) FROM Contact "
                                "GROUP BY LeadSource").json["records"]
    assert records == [{"attributes": {"type": "AggregateResult"}, "LeadSource": "Web",
                        "expr0": 2}]


def test_query_counts_against_the_api_limit(client, auth):
    response = get(client, auth, f"{V}/query?q=SELECT Id FROM Contact")
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_page_keys_come_in_salesforce_order(client, auth, load):
    load([{"LastName": f"L{n}"} for n in range(300)])
    first = get(client, auth, f"{V}/query?q=SELECT Id FROM Contact",
                **{"Sforce-Query-Options": "batchSize=200"})
    assert re.match(rb'\{"totalSize":300,"done":false,"nextRecordsUrl":"[^"]+","records":\[',
                    first.data)
    second = get(client, auth, first.json["nextRecordsUrl"])
    assert second.data.startswith(b'{"totalSize":300,"done":true,"records":[')


def test_the_sf_cli_organization_query_answers(client, auth):
    # @salesforce/core runs exactly this after every login to tell scratch orgs and sandboxes.
    soql = ("SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, "
            "OrganizationType FROM Organization")
    [org] = get(client, auth, f"{V}/query?q={soql}").json["records"]
    assert org["IsSandbox"] is False and org["TrialExpirationDate"] is None
    assert org["OrganizationType"] == "Developer Edition" and org["Name"]
