"""Custom objects with Set identifiers (rule 53): configuration, streams, CDP records."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from syncer.cdp import CDP, models
from syncer.cdp import fields as f
from syncer.cdp.custom_objects import CustomRecord
from syncer.config import ConfigurationError, from_dict
from syncer.salesforce import SalesforceClient, make_session
from syncer.sync import custom
from syncer.sync.streams import Role

from configs import connected, credentials

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
MEMBERSHIP = {"fields": ["Level__c"], "identify": "relationship", "field": "Member__c"}
SUBSCRIPTION = {"fields": ["Plan__c"], "identify": "unique", "field": "Email__c", "match": "email"}


def configured(**objects) -> dict:
    return from_dict({"custom_objects": objects}).custom_objects


# --- configuration --------------------------------------------------------------------------

def test_a_relationship_finds_people_by_hidden_id_and_never_creates_them():
    obj = configured(Membership__c=MEMBERSHIP)["Membership__c"]
    assert (obj.sync_as, obj.mapping) == ("object", {"Level__c": "Level__c"})
    assert (obj.identifier.identify_by, obj.identifier.create_people) == ("sf_id", False)


def test_a_unique_identifier_creates_people_unless_switched_off():
    on = configured(Subscription__c=SUBSCRIPTION)["Subscription__c"]
    off = configured(Subscription__c={**SUBSCRIPTION, "create_people": False})["Subscription__c"]
    assert (on.identifier.identify_by, on.identifier.create_people) == ("email", True)
    assert off.identifier.create_people is False


def test_an_object_synced_as_organization_maps_to_organization_fields():
    obj = configured(Company__c={"sync_as": "organization",
                                 "fields": ["Name", "Region__c"]})["Company__c"]
    assert obj.mapping == {"Name": f.ORG_NAME, "Region__c": "str:oc:region"}
    assert obj.identifier is None


def test_each_custom_object_is_described_in_one_line():
    objects = configured(Subscription__c=SUBSCRIPTION, Company__c={
        "sync_as": "organization", "fields": {"Name": f.ORG_NAME}})
    assert [o.describe() for o in objects.values()] == [
        "identified by unique Email__c (email), creates people; fields Plan__c",
        "synced as organization; fields Name→str:o:name"]


def test_settings_show_custom_objects():
    settings = from_dict({"custom_objects": {"Membership__c": MEMBERSHIP}})
    assert settings.to_json()["custom_objects"]["Membership__c"]["field"] == "Member__c"


@pytest.mark.parametrize("table,message", [
    ({"identify": "parent", "field": "Member__c"}, 'needs identify = "relationship" or "unique"'),
    ({"identify": "relationship"}, "needs the field that identifies the person"),
    ({"identify": "relationship", "field": "Member__c", "match": "email"},
     "a reference field finds its person by the hidden Salesforce id"),
    ({"identify": "relationship", "field": "Member__r.Email__c"}, 'match must be "email" or "phone"'),
    ({"identify": "unique", "field": "Member__r.Email__c", "match": "email"},
     "is not a field of the object"),
    ({"identify": "relationship", "field": "Member__c", "create_people": True},
     "only a unique identifier can create people"),
    ({"identify": "unique", "field": "Email__c", "match": "fax"}, 'match must be "email" or "phone"'),
    ({"identify": "unique", "field": "Email; DELETE", "match": "email"}, "is not a field of the object"),
    ({"sync_as": "contact"}, "sync_as 'contact' is not one of object, organization, person"),
    ({"sync_as": "person", "identify": "unique"}, "each record is itself a person; remove identify"),
    ({"sync_as": "person", "fields": {"Name": "str:o:name"}}, "which is not a person field"),
    ({"sync_as": "organization", "fields": {"Region__c": "region"}}, "which is not a CDP field id"),
    ({**MEMBERSHIP, "fields": {"Level__c": "str:cm:level"}}, "fields must be a list of field names"),
    ({**MEMBERSHIP, "colour": "red"}, "unknown setting(s) colour"),
])
def test_invalid_custom_objects_are_refused_with_the_table_name(table, message):
    with pytest.raises(ConfigurationError) as error:
        configured(Membership__c=table)
    assert message in str(error.value) and "[custom_objects.Membership__c]" in str(error.value)


def test_default_objects_are_not_custom_objects():
    with pytest.raises(ConfigurationError, match="Contact is a default object"):
        configured(Contact=MEMBERSHIP)


@pytest.mark.parametrize("sync_as,standard,cap", [("person", "Contact", 100), ("organization", "Account", 50)])
def test_custom_fields_of_people_and_organizations_count_towards_the_caps(sync_as, standard, cap):
    half = cap // 2
    document = {"objects": {standard: {"custom_fields": [f"F{n}__c" for n in range(half)]}},
                "custom_objects": {"Thing__c": {"sync_as": sync_as,
                                                "fields": [f"G{n}__c" for n in range(cap - half)]}}}
    from_dict(document)  # exactly at the cap
    document["custom_objects"]["Thing__c"]["fields"].append("One_more__c")
    with pytest.raises(ConfigurationError, match=f"{cap + 1} custom"):
        from_dict(document)


def test_fields_of_custom_object_records_do_not_count_towards_the_caps():
    from_dict({"custom_objects": {"Membership__c": {**MEMBERSHIP,
                                                    "fields": [f"F{n}__c" for n in range(150)]}}})


# --- streams (against the mock org) ---------------------------------------------------------

@pytest.fixture
def org(salesforce_org):
    def add(name, *fields, **document):
        salesforce_org.control("POST", "orgs/org1/objects", json={"name": name, "fields": list(fields),
                                                                  **document}).raise_for_status()
    add("Attendee__c", {"name": "Email__c", "type": "email"})
    add("Membership__c", {"name": "Level__c", "type": "string"},
        {"name": "Member__c", "type": "reference", "referenceTo": ["Contact"], "relationshipName": "Member__r"},
        {"name": "Attendee__c", "type": "reference", "referenceTo": ["Attendee__c"],
         "relationshipName": "Attendee__r"},
        {"name": "Owner_Account__c", "type": "reference", "referenceTo": ["Account"],
         "relationshipName": "Owner_Account__r"},
        {"name": "Email__c", "type": "email"})
    add("Hidden__c", {"name": "Email__c", "type": "email"}, queryable=False)
    return salesforce_org


@pytest.fixture
def client(org):
    return SalesforceClient(credentials(org), session=make_session(verify=str(org.ca_path)))


def plan(client, **objects):
    return custom.plan(configured(**objects), client.describe_global, client.describe)


def test_configured_objects_the_org_serves_become_streams(client):
    settings = from_dict({"custom_objects": {"Membership__c": MEMBERSHIP, "Attendee__c": {
        "sync_as": "person", "fields": {"Email__c": f.EMAIL}}}})
    streams, skipped = custom.plan(settings.custom_objects, client.describe_global, client.describe)
    assert skipped == []
    membership, attendee = streams
    assert (membership.name, membership.role, membership.custom) == ("Membership__c", Role.CUSTOM_OBJECT, True)
    assert membership.select_fields(settings.mapping("Membership__c")) == [
        "Id", "IsDeleted", "SystemModstamp", "Level__c", "Member__c"]
    assert (attendee.role, settings.mapping("Attendee__c")) == (Role.PERSON, {"Email__c": f.EMAIL})


@pytest.mark.parametrize("name,table,reason", [
    ("Missing__c", MEMBERSHIP, "not in the org"),
    ("Hidden__c", SUBSCRIPTION, "not queryable"),
    ("Membership__c", {**MEMBERSHIP, "field": "Nobody__c"}, "identifier field Nobody__c not in the org"),
    ("Membership__c", {**MEMBERSHIP, "field": "Owner_Account__c"},
     "identifier field Owner_Account__c does not reference Contact or Lead"),
    ("Membership__c", {**MEMBERSHIP, "field": "Club__r.Email__c", "match": "email"},
     "no relationship Club__r on Membership__c"),
    ("Membership__c", {**MEMBERSHIP, "field": "Attendee__r.Phone__c", "match": "phone"},
     "identifier field Phone__c not on Attendee__c"),
])
def test_objects_the_org_cannot_serve_are_skipped_with_a_reason(client, name, table, reason):
    streams, skipped = plan(client, **{name: table})
    assert (streams, skipped) == ([], [custom.Skipped(name, reason)])


GOLD = {"match": "all", "conditions": [{"field": "Level__c", "operator": "=", "value": "Gold"}]}


def test_a_configured_custom_object_may_have_a_selective_sync_filter():
    settings = from_dict({"custom_objects": {"Membership__c": MEMBERSHIP},
                          "filters": {"Membership__c": GOLD}})
    assert settings.to_json()["filters"] == {"Membership__c": "(Level__c = 'Gold')"}
    with pytest.raises(ConfigurationError, match=r"\[filters\]: unknown setting\(s\) Invoice__c"):
        from_dict({"custom_objects": {"Membership__c": MEMBERSHIP}, "filters": {"Invoice__c": GOLD}})


def test_a_filter_on_a_field_the_object_lacks_skips_the_object(client):
    group = from_dict({"custom_objects": {"Membership__c": MEMBERSHIP},
                       "filters": {"Membership__c": {"conditions": [
                           {"field": "Tier__c", "operator": "=", "value": "A"}]}}}).filters
    streams, skipped = custom.plan(configured(Membership__c=MEMBERSHIP), client.describe_global,
                                   client.describe, group)
    assert (streams, skipped) == ([], [custom.Skipped("Membership__c", "filter field Tier__c not in the org")])


def test_a_path_through_a_parent_object_is_read_and_normalised(client, org):
    sf = org.client()
    attendee = sf.Attendee__c.create({"Email__c": "Ann@X.org"})["id"]
    sf.Membership__c.create({"Level__c": "Gold", "Attendee__c": attendee})
    obj = configured(Membership__c={**MEMBERSHIP, "field": "Attendee__r.Email__c", "match": "email"})
    (stream,), _ = custom.plan(obj, client.describe_global, client.describe)
    mapping = obj["Membership__c"].mapping
    fields = ", ".join(stream.select_fields(mapping))
    (record,) = next(client.query_pages(f"SELECT {fields} FROM Membership__c"))
    mapped = custom.to_custom_record(obj["Membership__c"], record, mapping)
    assert (mapped.fields, mapped.identify_by, mapped.identifier, mapped.deleted) == (
        {"Level__c": "Gold"}, "email", "ann@x.org", False)


@pytest.fixture
def syncer(org, tmp_path):
    service = connected(org, tmp_path, custom_objects={"Membership__c": MEMBERSHIP,
                                                       "Missing__c": SUBSCRIPTION})
    yield service
    service.close()


def test_a_poll_reads_custom_objects_after_people_and_reports_what_it_skipped(syncer, org):
    sf = org.client()
    contact = sf.Contact.create({"LastName": "A", "Email": "a@x.org"})["id"]
    sf.Membership__c.create({"Level__c": "Gold", "Member__c": contact})
    summary = syncer.sync()
    assert list(summary.streams) == ["Missing__c", "Contact", "Membership__c"]
    assert (summary.streams["Membership__c"].counts, summary.streams["Missing__c"].skipped) == (
        {"inserted": 1}, "not in the org")
    assert summary.note == "Missing__c skipped: not in the org"
    assert syncer.source().status_note == summary.note
    (record,) = syncer.cdp.custom_records()
    assert record.person_id == next(syncer.cdp.people()).id


@pytest.mark.parametrize("auto_archive", [False, True])
def test_a_filter_chooses_the_custom_records_a_poll_reads(org, tmp_path, auto_archive):
    # Custom-object records have no archived state: with auto-archive or without, the filter
    # is asked of Salesforce, and a record that stops matching keeps its last values.
    service = connected(org, tmp_path, sync={"auto_archive": auto_archive},
                        custom_objects={"Membership__c": MEMBERSHIP}, filters={"Membership__c": GOLD})
    sf = org.client()
    gold, _ = (sf.Membership__c.create({"Level__c": level})["id"] for level in ("Gold", "Silver"))
    service.sync()
    assert [(r.sf_id, r.fields) for r in service.cdp.custom_records()] == [(gold, {"Level__c": "Gold"})]
    sf.Membership__c.update(gold, {"Level__c": "Bronze"})
    org.control("POST", "clock", json={"advance": 900})
    summary = service.sync()
    assert summary.streams["Membership__c"].read == 0
    assert [(r.sf_id, r.fields) for r in service.cdp.custom_records()] == [(gold, {"Level__c": "Gold"})]
    sf.Membership__c.create({"Level__c": "Gold"})
    org.control("POST", "clock", json={"advance": 60})
    assert service.backfill().streams["Membership__c"].read == 1  # a backfill applies it too
    assert len(list(service.cdp.custom_records())) == 2
    service.close()


def test_a_backfill_reads_custom_objects_too(syncer, org):
    sf = org.client()
    sf.Membership__c.create({"Level__c": "Gold"})
    sf.Membership__c.create({"Level__c": "Silver"})
    org.control("POST", "clock", json={"advance": 60})  # the backfill reads up to its start second
    summary = syncer.backfill()
    assert summary.outcome == "ok" and summary.streams["Membership__c"].read == 2
    assert sorted(r.fields["Level__c"] for r in syncer.cdp.custom_records()) == ["Gold", "Silver"]


@pytest.mark.parametrize("bulk_api", [True, False])
def test_a_path_identifier_links_the_same_records_through_bulk_and_rest(org, tmp_path, bulk_api):
    # Rule 43: above bulk_threshold rows the first poll reads the custom object through a Bulk job,
    # whose CSV gives the parent path as a column (Attendee__r.Email__c); REST gives a nested record.
    sf = org.client()
    contact = sf.Contact.create({"LastName": "A", "Email": "ann@x.org"})["id"]
    attendee = sf.Attendee__c.create({"Email__c": "Ann@X.org"})["id"]
    stranger = sf.Attendee__c.create({"Email__c": "zed@x.org"})["id"]
    for level, who in (("Gold", attendee), ("Silver", attendee), ("Bronze", stranger), ("None", None)):
        sf.Membership__c.create({"Level__c": level, **({"Attendee__c": who} if who else {})})
    service = connected(org, tmp_path, sync={"bulk_api": bulk_api, "bulk_threshold": 2},
                        custom_objects={"Membership__c": {**MEMBERSHIP, "field": "Attendee__r.Email__c",
                                                          "match": "email", "create_people": False}})
    summary = service.sync()
    assert summary.streams["Membership__c"].api == ("Bulk API 2.0" if bulk_api else "REST")
    person = next(service.cdp.people())
    linked = {r.fields["Level__c"]: r.person_id for r in service.cdp.custom_records()}
    assert linked == {"Gold": person.id, "Silver": person.id, "Bronze": None, "None": None}
    assert person.email == "ann@x.org" and contact
    service.close()


# --- CDP records ------------------------------------------------------------------------------

def member(sf_id, contact=None, level="Gold", at=T0, deleted=False) -> CustomRecord:
    return CustomRecord(sf_id, {"Level__c": level}, "sf_id", contact, at, deleted)


def subscriber(sf_id, email, at=T0) -> CustomRecord:
    return CustomRecord(sf_id, {"Plan__c": "Pro"}, "email", email, at)


def stored(cdp, sobject="Membership__c"):
    return {r.sf_id: r for r in cdp.custom_records(sobject=sobject)}


def test_records_link_to_the_person_holding_the_contact(cdp, source):
    cdp.merge_people_page(source, [{"sf_id": "003A", "sf_object": "Contact", f.EMAIL: "a@x.org"}])
    counts = cdp.write_custom_records(source, "Membership__c",
                                      [member("a01A", "003A"), member("a01B", "003Z"), member("a01C")])
    person = next(cdp.people(email="a@x.org"))
    records = stored(cdp)
    assert counts == {"inserted": 3, "unlinked:person_not_synced": 1, "unlinked:no_identifier": 1}
    assert [records[k].person_id for k in ("a01A", "a01B", "a01C")] == [person.id, None, None]
    assert records["a01A"].fields == {"Level__c": "Gold"}


def test_writing_a_page_again_updates_the_same_rows(cdp, source):
    cdp.write_custom_records(source, "Membership__c", [member("a01A", level="Gold")])
    counts = cdp.write_custom_records(source, "Membership__c",
                                      [member("a01A", level="Silver", at=T0 + timedelta(minutes=1))])
    assert counts["updated"] == 1 and "inserted" not in counts
    assert [(r.sf_id, r.fields["Level__c"]) for r in cdp.custom_records()] == [("a01A", "Silver")]


def test_an_older_delivery_does_not_overwrite_a_newer_one(cdp, source):
    cdp.write_custom_records(source, "Membership__c", [member("a01A", level="New", at=T0)])
    counts = cdp.write_custom_records(source, "Membership__c",
                                      [member("a01A", level="Old", at=T0 - timedelta(hours=1))])
    assert counts == {"skipped:stale": 1} and stored(cdp)["a01A"].fields["Level__c"] == "New"


def test_records_of_two_objects_or_sources_never_collide(cdp, source):
    other = cdp.create_data_source("Salesforce B", org_id="00DB")
    cdp.write_custom_records(source, "Membership__c", [member("a01A", level="A")])
    cdp.write_custom_records(other, "Membership__c", [member("a01A", level="B")])
    cdp.write_custom_records(source, "Badge__c", [member("a01A", level="C")])
    assert sorted(r.fields["Level__c"] for r in cdp.custom_records()) == ["A", "B", "C"]
    assert [r.fields["Level__c"] for r in cdp.custom_records(other)] == ["B"]


def test_a_unique_email_links_to_the_oldest_person_with_it(cdp, source):
    older = cdp.add_person({f.EMAIL: "a@x.org"}, created_at=T0 - timedelta(days=2))
    cdp.add_person({f.EMAIL: "a@x.org"}, created_at=T0 - timedelta(days=1))
    counts = cdp.write_custom_records(source, "Subscription__c", [subscriber("a02A", "a@x.org"),
                                                                  subscriber("a02B", "b@x.org")])
    records = stored(cdp, "Subscription__c")
    assert counts == {"inserted": 2, "unlinked:no_match": 1}
    assert (records["a02A"].person_id, records["a02B"].person_id) == (older, None)


def test_a_unique_identifier_creates_one_person_per_value(cdp, source):
    page = [subscriber("a02A", "new@x.org"), subscriber("a02B", "new@x.org")]
    counts = cdp.write_custom_records(source, "Subscription__c", page, create_people=True)
    again = cdp.write_custom_records(source, "Subscription__c", [subscriber("a02C", "new@x.org")],
                                     create_people=True)
    (person,) = cdp.people()
    assert (counts["people:created"], "people:created" in again) == (1, False)
    assert {r.person_id for r in cdp.custom_records()} == {person.id}
    assert (person.email, person.email_permission, person.sf_ids) == ("new@x.org", True, ())


def test_people_created_in_one_page_each_get_their_own_records(cdp, source):
    page = [subscriber(f"a02{n}", f"p{n}@x.org") for n in range(5)]
    page.append(CustomRecord("a03A", {}, "phone", f.normalize_phone("+61 400 000 001"), T0))
    cdp.write_custom_records(source, "Subscription__c", page, create_people=True)
    people = {p.id: p for p in cdp.people()}
    linked = {r.sf_id: people[r.person_id] for r in cdp.custom_records()}
    assert {sf_id: p.email for sf_id, p in linked.items() if sf_id.startswith("a02")} == {
        f"a02{n}": f"p{n}@x.org" for n in range(5)}
    assert (linked["a03A"].phone, linked["a03A"].email) == ("+61400000001", None)


def test_a_contact_arriving_later_merges_into_the_person_a_record_created(cdp, source):
    cdp.write_custom_records(source, "Subscription__c", [subscriber("a02A", "new@x.org")],
                             create_people=True)
    summary = cdp.merge_people_page(source, [{"sf_id": "003A", "sf_object": "Contact",
                                              f.EMAIL: "new@x.org"}])
    assert summary.counts == {"merged:email": 1} and len(list(cdp.people())) == 1


def test_a_deleted_record_is_kept_and_flagged(cdp, source):
    cdp.write_custom_records(source, "Membership__c", [member("a01A")])
    counts = cdp.write_custom_records(source, "Membership__c", [
        member("a01A", at=T0 + timedelta(minutes=1), deleted=True),
        member("a01Z", at=T0 + timedelta(minutes=1), deleted=True)])
    assert counts == {"deleted": 1, "skipped:deleted_not_synced": 1}
    assert [(r.sf_id, r.deleted) for r in cdp.custom_records()] == [("a01A", True)]


def test_unlinked_records_are_linked_once_their_person_exists(cdp, source):
    cdp.write_custom_records(source, "Membership__c", [member("a01A", "003A"), member("a01B", "003B")])
    assert cdp.relink_custom_records(source, "Membership__c") == 0
    cdp.merge_people_page(source, [{"sf_id": "003A", "sf_object": "Contact", f.EMAIL: "a@x.org"}])
    assert cdp.relink_custom_records(source, "Membership__c") == 1
    records = stored(cdp)
    assert records["a01A"].person_id == next(cdp.people()).id and records["a01B"].person_id is None


def test_a_version_1_database_gains_the_custom_records_table(db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        tables = [t for t in models.METADATA.sorted_tables if t is not models.custom_record_table]
        models.METADATA.create_all(conn, tables=tables)
        conn.execute(sa.insert(models.version_table).values(id=1, version=1))
    engine.dispose()
    cdp = CDP(db_url)
    try:
        with cdp.engine.connect() as conn:
            assert models.database_version(conn) == models.SCHEMA_VERSION
            assert sa.inspect(conn).has_table("cdp_custom_record")
        source = cdp.create_data_source("Salesforce A")
        assert cdp.write_custom_records(source, "Membership__c", [member("a01A")]) == {
            "inserted": 1, "unlinked:no_identifier": 1}
    finally:
        cdp.close()
