"""SOQL TYPEOF on polymorphic relationships: the REST result shape, Bulk CSV columns, misuse."""
import pytest

from mock_salesforce import errors
from mock_salesforce.backend import dml
from mock_salesforce.backend.bulk_csv import CsvFormat
from mock_salesforce.backend.bulk_query import compile_bulk
from mock_salesforce.backend.soql import engine

TYPEOF_WHAT = ("SELECT Subject, TYPEOF What WHEN Account THEN Name, Phone, Owner.Name "
               "WHEN Opportunity THEN Amount, StageName ELSE Name, Type END FROM Task "
               "ORDER BY Subject")


def make(org, sobject, **fields):
    return dml.create(org, org.sobject(sobject), fields, org.first_user_id(), audit=True)


def run(org, soql):
    return engine.query(org, soql, False, engine.PageRequest("v59.0")).as_dict()


@pytest.fixture
def activities(org):
    """Tasks about an account, an opportunity, a campaign and nothing; an event about a lead."""
    acme = make(org, "Account", Name="Acme", Phone="555-0100")
    opp = make(org, "Opportunity", Name="Big", StageName="Prospecting", CloseDate="2024-06-01",
               Amount=100, AccountId=acme)
    fair = make(org, "Campaign", Name="Fair")
    ann = make(org, "Contact", LastName="Smith", Email="ann@example.com")
    lee = make(org, "Lead", LastName="Lee", Company="Lee Co", Email="lee@example.com")
    make(org, "Task", Subject="1 account", WhatId=acme, WhoId=ann)
    make(org, "Task", Subject="2 opportunity", WhatId=opp)
    make(org, "Task", Subject="3 campaign", WhatId=fair)
    make(org, "Task", Subject="4 nothing")
    make(org, "Event", Subject="lead meeting", WhoId=lee, DurationInMinutes=30,
         ActivityDateTime="2024-06-01T10:00:00Z")
    return {"acme": acme, "opp": opp, "fair": fair, "ann": ann, "lee": lee}


def test_each_record_gets_the_fields_of_its_type(org, activities):
    records = run(org, TYPEOF_WHAT)["records"]
    account, opportunity, campaign, nothing = (r["What"] for r in records)
    user = org.first_user_id()
    assert account == {
        "attributes": {"type": "Account",
                       "url": f"/services/data/v59.0/sobjects/Account/{activities['acme']}"},
        "Name": "Acme", "Phone": "555-0100",
        "Owner": {"attributes": {"type": "User",
                                 "url": f"/services/data/v59.0/sobjects/User/{user}"},
                  "Name": "Admin User"}}
    assert opportunity == {
        "attributes": {"type": "Opportunity",
                       "url": f"/services/data/v59.0/sobjects/Opportunity/{activities['opp']}"},
        "Amount": 100.0, "StageName": "Prospecting"}
    assert campaign["attributes"]["type"] == "Campaign"
    assert (campaign["Name"], campaign["Type"]) == ("Fair", "Campaign")
    assert set(campaign) == {"attributes", "Name", "Type"}
    assert nothing is None
    assert list(records[0]) == ["attributes", "Subject", "What"]


def test_without_else_an_unmatched_type_is_null(org, activities):
    soql = "SELECT Subject, TYPEOF What WHEN Account THEN Name END FROM Task ORDER BY Subject"
    values = [r["What"] for r in run(org, soql)["records"]]
    assert values[0]["Name"] == "Acme" and values[1:] == [None, None, None]


def test_who_on_event_and_keywords_in_any_case(org, activities):
    soql = ("select typeof Who when Contact then Email when Lead then Company, Email end "
            "from Event")
    who = run(org, soql)["records"][0]["Who"]
    assert who["attributes"]["type"] == "Lead"
    assert (who["Company"], who["Email"]) == ("Lee Co", "lee@example.com")


def test_typeof_owner_of_a_lead(org, activities):
    soql = "SELECT TYPEOF Owner WHEN User THEN Username WHEN Group THEN Name END FROM Lead"
    owner = run(org, soql)["records"][0]["Owner"]
    assert owner["attributes"]["type"] == "User" and "@" in owner["Username"]


def test_typeof_in_a_child_subquery(org, activities):
    soql = ("SELECT Name, (SELECT Subject, TYPEOF Who WHEN Contact THEN Email END FROM Tasks) "
            "FROM Account")
    tasks = run(org, soql)["records"][0]["Tasks"]["records"]
    assert tasks[0]["Who"]["Email"] == "ann@example.com"


@pytest.mark.parametrize("soql, code, message", [
    ("SELECT TYPEOF Account WHEN Account THEN Name END FROM Contact", "MALFORMED_QUERY",
     "polymorphic"),
    ("SELECT TYPEOF What WHEN Contact THEN Name END FROM Task", "MALFORMED_QUERY",
     "Invalid type"),
    ("SELECT TYPEOF What WHEN Account THEN Name WHEN account THEN Phone END FROM Task",
     "MALFORMED_QUERY", "duplicate WHEN"),
    ("SELECT What.Name, TYPEOF What WHEN Account THEN Name END FROM Task", "INVALID_FIELD",
     "duplicate field selected: What"),
    ("SELECT TYPEOF What WHEN Account THEN Name END, What.Name FROM Task", "INVALID_FIELD",
     "duplicate field selected: What"),
    ("SELECT TYPEOF What WHEN Account THEN Amount END FROM Task", "INVALID_FIELD",
     "No such column 'Amount' on entity 'Account'"),
    ("SELECT TYPEOF What WHEN Account THEN Name ELSE Bogus END FROM Task", "INVALID_FIELD",
     "No such column 'Bogus' on entity 'Name'"),
    ("SELECT TYPEOF Whom WHEN Account THEN Name END FROM Task", "INVALID_FIELD",
     "Didn't understand relationship 'Whom'"),
    ("SELECT TYPEOF What ELSE Name END FROM Task", "MALFORMED_QUERY",
     "unexpected token: 'ELSE'"),
    ("SELECT TYPEOF What WHEN Account THEN Name FROM Task", "MALFORMED_QUERY",
     "unexpected token: 'FROM'"),
    ("SELECT COUNT(Id), TYPEOF What WHEN Account THEN Name END FROM Task GROUP BY WhatId",
     "MALFORMED_QUERY", "TYPEOF cannot be used in an aggregate query"),
])
def test_misuse_is_refused(org, activities, soql, code, message):
    with pytest.raises(errors.SalesforceError) as raised:
        run(org, soql)
    assert raised.value.error_code == code
    assert message in raised.value.message


def test_bulk_1_csv_flattens_every_branch(org, activities):
    query = compile_bulk(org, TYPEOF_WHAT, False, typeof=True)
    csv = CsvFormat(query.columns)
    assert csv.header() == ('"Subject","What.Name","What.Phone","What.Owner.Name",'
                            '"What.Amount","What.StageName","What.Type"\n')
    plan = query.plan
    with org.store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(plan.ids)]
        rows = engine.read_rows(conn, plan, ids)
    lines = csv.lines(rows).splitlines()
    assert lines[0] == '"1 account","Acme","555-0100","Admin User","","",""'
    assert lines[1] == '"2 opportunity","","","","100.0","Prospecting",""'
    assert lines[2] == '"3 campaign","Fair","","","","","Campaign"'


def test_bulk_2_refuses_typeof(org, activities):
    with pytest.raises(errors.SalesforceError) as raised:
        compile_bulk(org, TYPEOF_WHAT, False)
    assert raised.value.error_code == "API_ERROR"


# -- through the HTTP APIs ------------------------------------------------------------------------
@pytest.fixture
def task_on_account(client, auth):
    def create(sobject, body):
        response = client.post(f"/services/data/v59.0/sobjects/{sobject}", json=body, headers=auth)
        assert response.status_code == 201, response.json
        return response.json["id"]
    account = create("Account", {"Name": "Acme", "Phone": "555-0100"})
    create("Task", {"Subject": "Call", "WhatId": account})
    return account


def test_rest_query_answers_typeof(client, auth, task_on_account):
    response = client.get("/services/data/v59.0/query", headers=auth, query_string={
        "q": "SELECT Subject, TYPEOF What WHEN Account THEN Phone END FROM Task"})
    assert response.status_code == 200
    what = response.json["records"][0]["What"]
    assert (what["attributes"]["type"], what["Phone"]) == ("Account", "555-0100")


def test_bulk_1_csv_job_answers_typeof(client, token, task_on_account):
    def call(method, path, body=None, content_type="application/json"):
        return client.open(f"/services/async/59.0/{path}", method=method, data=body,
                           headers={"X-SFDC-Session": token, "Content-Type": content_type})
    job_id = call("POST", "job", '{"operation": "query", "object": "Task", '
                               '"contentType": "CSV"}').json["id"]
    batch = call("POST", f"job/{job_id}/batch",
                 "SELECT Subject, TYPEOF What WHEN Account THEN Phone END FROM Task",
                 content_type="text/csv")
    batch_id = batch.data.split(b"<id>")[1].split(b"</id>")[0].decode()
    call("GET", f"job/{job_id}/batch/{batch_id}")
    listing = call("GET", f"job/{job_id}/batch/{batch_id}/result", content_type="text/csv")
    result_id = listing.data.split(b"<result>")[1].split(b"</result>")[0].decode()
    result = call("GET", f"job/{job_id}/batch/{batch_id}/result/{result_id}")
    assert result.data.decode().splitlines() == ['"Subject","What.Phone"', '"Call","555-0100"']


def test_bulk_2_job_with_typeof_is_refused(client, auth, task_on_account):
    response = client.post("/services/data/v59.0/jobs/query", headers=auth, json={
        "operation": "query",
        "query": "SELECT Subject, TYPEOF What WHEN Account THEN Phone END FROM Task"})
    assert response.status_code == 400
    assert response.json[0]["errorCode"] == "API_ERROR"


def test_column_metadata_of_a_typeof(org, activities):
    from mock_salesforce.backend.soql.columns import column_metadata
    columns = column_metadata(org, TYPEOF_WHAT)["columnMetadata"]
    what = columns[1]
    assert (what["columnName"], what["foreignKeyName"]) == ("What", "WhatId")
    assert [c["columnName"] for c in what["joinColumns"]] == ["Name", "Phone", "Amount",
                                                              "StageName", "Type"]
