"""Steps about the CDP: people and organisations that exist before a sync, and what a sync leaves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_bdd import given, parsers, then, when

from .world import assert_fields, cdp_fields, rows


@given(parsers.parse("the CDP already has these people:"))
def cdp_people(world, datatable):
    """People created outside Salesforce (CSV, API), oldest first."""
    start = datetime.now(timezone.utc) - timedelta(days=30)
    for number, row in enumerate(rows(datatable)):
        world.adapter.add_person(cdp_fields(row), created_at=start + timedelta(minutes=number))


@given(parsers.parse("the CDP already has these organizations:"))
def cdp_organizations(world, datatable):
    """Organisations created outside Salesforce."""
    for row in rows(datatable):
        world.adapter.add_organization(cdp_fields(row))


@given(parsers.parse('the person with email "{email}" unsubscribes from {channel} in the CDP'))
@when(parsers.parse('the person with email "{email}" unsubscribes from {channel} in the CDP'))
def unsubscribes(world, email, channel):
    """A CDP-side unsubscribe (link, admin, journey)."""
    world.adapter.unsubscribe(world.person_with(email=email)["id"], "sms" if channel == "SMS" else "email")


@then(parsers.parse("the CDP has {count:d} people"))
@then(parsers.parse("the CDP has {count:d} person"))
def people_count(world, count):
    """How many people the CDP holds."""
    people = world.adapter.people()
    assert len(people) == count, people


@then(parsers.parse('the CDP has {count:d} organizations named "{name}"'))
@then(parsers.parse('the CDP has {count:d} organization named "{name}"'))
def organizations_named(world, count, name):
    """How many organisations carry a name."""
    found = [o for o in world.adapter.organizations() if o.get("name") == name]
    assert len(found) == count, world.adapter.organizations()


@then(parsers.parse('the person holding contact "{label}" has:'))
@then(parsers.parse('the person holding lead "{label}" has:'))
def person_has(world, label, datatable):
    """Field values of the person holding a labelled contact or lead (``field | value``; fields
    by the names a user sees in the CDP)."""
    assert_fields(world.person_holding(label), datatable)


@then(parsers.parse('the person with email "{email}" has:'))
def person_with_email_has(world, email, datatable):
    """Field values of the one person with an email."""
    assert_fields(world.person_with(email=email), datatable)


@then(parsers.parse('contacts "{first}" and "{second}" are the same person'))
@then(parsers.parse('records "{first}" and "{second}" are the same person'))
def same_person(world, first, second):
    """Both hidden ids belong to one person."""
    assert world.person_holding(first)["id"] == world.person_holding(second)["id"]


@then(parsers.parse('contacts "{first}" and "{second}" are different people'))
def different_people(world, first, second):
    """The hidden ids belong to two people."""
    assert world.person_holding(first)["id"] != world.person_holding(second)["id"]


@then(parsers.parse('no person holds contact "{label}"'))
def nobody_holds(world, label):
    """No person carries this contact's hidden id."""
    sf_id = world.sf_id(label)
    assert not [p for p in world.adapter.people() if sf_id in p["sf_ids"]]


@then(parsers.parse('the person holding contact "{label}" belongs to organization "{name}"'))
def belongs_to(world, label, name):
    """A person's organisation link."""
    assert world.person_holding(label)["organization"] == name


@then(parsers.parse('account "{label}" is organization "{name}"'))
def account_is_organization(world, label, name):
    """The organisation holding an account's hidden id has this name."""
    assert world.organization_holding(label)["name"] == name


@then(parsers.parse('accounts "{first}" and "{second}" are different organizations'))
def different_organizations(world, first, second):
    """Two accounts' hidden ids are held by two organisations."""
    holders = []
    for label in (first, second):
        sf_id = world.sf_id(label)
        holders.append([o["id"] for o in world.adapter.organizations() if sf_id in o["sf_ids"]])
    assert len(holders[0]) == len(holders[1]) == 1 and holders[0] != holders[1], holders


@then(parsers.parse('the person with email "{email}" is archived'))
def person_archived(world, email):
    """The person is archived (kept, hidden from audiences)."""
    assert world.person_with(email=email)["archived"] is True


@then(parsers.parse('the person with email "{email}" is not archived'))
def person_not_archived(world, email):
    """The person is active."""
    assert world.person_with(email=email)["archived"] is False


@then(parsers.parse("every person is there exactly once: {count:d} people with {count2:d} distinct emails"))
def no_duplicates(world, count, count2):
    """No person lost, none duplicated."""
    people = world.adapter.people()
    assert len(people) == count and len({p.get("email") for p in people}) == count2


@then(parsers.parse('the person with email "{email}" holds contact "{first}" for data source {one:w} '
                    'and contact "{second}" for data source {other:w}'))
def holds_one_id_per_source(world, email, first, one, second, other):
    """The person carries both hidden ids, each under the data source it came from (rule 48)."""
    person = world.person_with(email=email)
    expected = {one: [world.sf_id(first)], other: [world.sf_id(second)]}
    assert person["sf_ids_by_source"] == expected, person


@then(parsers.parse('the person with email "{email}" holds only contact "{label}" for data source {name:w}'))
def holds_only(world, email, label, name):
    """The person carries just this hidden id (another data source's ids are gone)."""
    person = world.person_with(email=email)
    assert person["sf_ids_by_source"] == {name: [world.sf_id(label)]}, person
