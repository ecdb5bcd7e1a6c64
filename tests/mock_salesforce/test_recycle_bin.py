"""Cascade delete: a record goes to the recycle bin with the records its cascadeDelete child
relationships tie to it, comes back with them on undelete and takes them along when purged."""
from datetime import datetime, timezone

import pytest

from mock_salesforce.backend import dml, recycle_bin
from mock_salesforce.backend.soql import engine

V = "/services/data/v59.0"


def make(org, sobject, **values):
    return dml.create(org, org.sobject(sobject), values, org.first_user_id())


def state(org, sobject, record_id):
    """``True`` live, ``False`` in the bin, ``None`` purged (as queryAll sees it)."""
    rows = engine.query(org, f"SELECT IsDeleted FROM {sobject} WHERE Id = '{record_id}'", True,
                        engine.PageRequest("v59.0")).records
    return None if not rows else not rows[0]["IsDeleted"]


@pytest.fixture
def account_tree(org):
    """An account with a contact (and the contact's task and campaign membership), an
    opportunity with a contact role, and an unrelated contact."""
    account = make(org, "Account", Name="Acme")
    contact = make(org, "Contact", LastName="Smith", AccountId=account)
    opportunity = make(org, "Opportunity", Name="Deal", StageName="Prospecting",
                       CloseDate="2030-01-01", AccountId=account)
    campaign = make(org, "Campaign", Name="Fair")
    return {"Account": account, "Contact": contact, "Opportunity": opportunity,
            "Task": make(org, "Task", Subject="Call", WhoId=contact),
            "CampaignMember": make(org, "CampaignMember", CampaignId=campaign, ContactId=contact),
            "OpportunityContactRole": make(org, "OpportunityContactRole",
                                           OpportunityId=opportunity, ContactId=contact),
            "other": make(org, "Contact", LastName="Jones"), "Campaign": campaign}


def states(org, tree):
    return {name: state(org, "Contact" if name == "other" else name, record_id)
            for name, record_id in tree.items()}


def test_deleting_an_account_takes_its_contacts_opportunities_and_their_children(org, account_tree):
    dml.delete(org, org.sobject("Account"), account_tree["Account"])
    assert states(org, account_tree) == {
        "Account": False, "Contact": False, "Opportunity": False, "Task": False,
        "CampaignMember": False, "OpportunityContactRole": False, "other": True,
        "Campaign": True}


def test_undelete_brings_back_what_went_with_the_record_only(org, account_tree):
    tree = account_tree
    dml.delete(org, org.sobject("Task"), tree["Task"])  # deleted on its own, before
    dml.delete(org, org.sobject("Account"), tree["Account"])
    [result] = recycle_bin.undelete(org, [tree["Account"]])
    assert result["success"] is True
    assert states(org, tree) == {
        "Account": True, "Contact": True, "Opportunity": True, "Task": False,
        "CampaignMember": True, "OpportunityContactRole": True, "other": True, "Campaign": True}


def test_purging_a_live_account_purges_what_its_delete_takes(org, account_tree):
    [result] = recycle_bin.purge(org, [account_tree["Account"]])
    assert result["success"] is True
    assert states(org, account_tree) == {
        "Account": None, "Contact": None, "Opportunity": None, "Task": None,
        "CampaignMember": None, "OpportunityContactRole": None, "other": True, "Campaign": True}


def test_purging_from_the_bin_purges_what_went_with_it(org, account_tree):
    dml.delete(org, org.sobject("Contact"), account_tree["Contact"])
    recycle_bin.purge(org, [account_tree["Contact"]])
    assert states(org, account_tree) == {
        "Account": True, "Contact": None, "Opportunity": True, "Task": None,
        "CampaignMember": None, "OpportunityContactRole": None, "other": True, "Campaign": True}


def test_a_lookup_without_cascade_keeps_its_children(org):
    parent = make(org, "Account", Name="Parent")
    child = make(org, "Account", Name="Child", ParentId=parent)
    dml.delete(org, org.sobject("Account"), parent)
    assert (state(org, "Account", parent), state(org, "Account", child)) == (False, True)


@pytest.fixture
def clock(app):
    backend = app.extensions["mock_salesforce"]
    backend.clock.set(datetime(2024, 5, 15, 12, 0, 30, tzinfo=timezone.utc), frozen=True)
    return backend.clock


def new(client, auth, sobject, **values):
    response = client.post(f"{V}/sobjects/{sobject}", headers=auth, json=values)
    assert response.status_code == 201, response.json
    return response.json["id"]


def deleted_contacts(client, auth, clock):
    clock.advance(120)  # /deleted covers whole minutes up to now
    response = client.get(f"{V}/sobjects/Contact/deleted/?start=2024-05-15T11:00:00Z"
                          f"&end=2024-05-15T13:00:00Z", headers=auth)
    return [entry["id"] for entry in response.json["deletedRecords"]]


def query_all(client, auth, soql):
    return client.get(f"{V}/queryAll", headers=auth, query_string={"q": soql}).json["records"]


def test_rest_delete_cascades_and_get_deleted_lists_the_contacts(client, auth, clock):
    account = new(client, auth, "Account", Name="Acme")
    contact = new(client, auth, "Contact", LastName="Smith", AccountId=account)
    assert client.delete(f"{V}/sobjects/Account/{account}", headers=auth).status_code == 204
    assert deleted_contacts(client, auth, clock) == [contact]
    [row] = query_all(client, auth, f"SELECT IsDeleted FROM Contact WHERE Id = '{contact}'")
    assert row["IsDeleted"] is True


def test_collections_delete_cascades(client, auth, clock):
    account = new(client, auth, "Account", Name="Acme")
    contact = new(client, auth, "Contact", LastName="Smith", AccountId=account)
    response = client.delete(f"{V}/composite/sobjects", headers=auth,
                             query_string={"ids": account})
    assert response.json[0]["success"] is True
    assert deleted_contacts(client, auth, clock) == [contact]


def test_bulk_delete_cascades(client, auth, clock, app):
    account = new(client, auth, "Account", Name="Acme")
    contact = new(client, auth, "Contact", LastName="Smith", AccountId=account)
    jobs = f"{V}/jobs/ingest"
    job = client.post(jobs, headers=auth, json={"object": "Account", "operation": "delete"}).json
    client.put(f"{jobs}/{job['id']}/batches", headers={**auth, "Content-Type": "text/csv"},
               data=f"Id\n{account}\n")
    client.patch(f"{jobs}/{job['id']}", headers=auth, json={"state": "UploadComplete"})
    app.extensions["mock_salesforce"].default_org.ingest_jobs.wait(job["id"])
    assert client.get(f"{jobs}/{job['id']}", headers=auth).json["numberRecordsProcessed"] == 1
    assert deleted_contacts(client, auth, clock) == [contact]


def test_a_rolled_back_composite_delete_brings_the_cascade_back(client, auth, clock):
    account = new(client, auth, "Account", Name="Acme")
    contact = new(client, auth, "Contact", LastName="Smith", AccountId=account)
    response = client.post(f"{V}/composite", headers=auth, json={"allOrNone": True,
        "compositeRequest": [
            {"method": "DELETE", "url": f"{V}/sobjects/Account/{account}", "referenceId": "gone"},
            {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "bad",
             "body": {"FirstName": "No last name"}}]})
    assert response.status_code == 200
    [row] = query_all(client, auth, f"SELECT IsDeleted FROM Contact WHERE Id = '{contact}'")
    assert row["IsDeleted"] is False


def test_one_collections_call_deleting_an_account_then_its_contact(client, auth, clock, app):
    # The account's delete already took the contact: the contact's own delete fails as in a
    # row-by-row write, and undeleting the account brings the contact back with it.
    account = new(client, auth, "Account", Name="Acme")
    contact = new(client, auth, "Contact", LastName="Smith", AccountId=account)
    response = client.delete(f"{V}/composite/sobjects", headers=auth,
                             query_string={"ids": f"{account},{contact}"})
    assert [r["success"] for r in response.json] == [True, False]
    assert response.json[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert deleted_contacts(client, auth, clock) == [contact]
    org = app.extensions["mock_salesforce"].default_org
    assert recycle_bin.undelete(org, [account])[0] == {"id": account, "success": True, "errors": []}
    [row] = query_all(client, auth, f"SELECT IsDeleted FROM Contact WHERE Id = '{contact}'")
    assert row["IsDeleted"] is False
