"""Steps about activities: opportunities, contact roles, tasks, and the activity feed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_bdd import given, parsers, then, when

from .world import rows


@given(parsers.parse('opportunity "{label}" for account "{account}"'))
def opportunity(world, label, account):
    """An open opportunity of an account."""
    world.labels[label] = world.sf.create("Opportunity", {
        "Name": f"Deal {label}", "StageName": "Prospecting", "CloseDate": "2027-01-31",
        "AccountId": world.sf_id(account)})


@given(parsers.parse('contact "{contact}" is the primary contact of opportunity "{opportunity}"'))
@when(parsers.parse('contact "{contact}" is made the primary contact of opportunity "{opportunity}"'))
def primary_role(world, contact, opportunity):
    """Add a primary Opportunity Contact Role."""
    world.sf.create("OpportunityContactRole", {"OpportunityId": world.sf_id(opportunity),
                                               "ContactId": world.sf_id(contact), "IsPrimary": True})


@given(parsers.parse('contact "{contact}" has a task "{subject}" created {days:d} days ago'))
def old_task(world, contact, subject, days):
    """A task with a back-dated creation, as an org with history has (control plane)."""
    when_ = datetime.now(timezone.utc) - timedelta(days=days)
    stamp = when_.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    world.sf.load("Task", [{"WhoId": world.sf_id(contact), "Subject": subject, "Status": "Completed",
                            "CreatedDate": stamp, "LastModifiedDate": now, "SystemModstamp": now}])


@given(parsers.parse('contact "{contact}" logs a task "{subject}" in Salesforce'))
@when(parsers.parse('contact "{contact}" logs a task "{subject}" in Salesforce'))
def task_logged(world, contact, subject):
    """A completed task created now (by the org's clock)."""
    world.sf.create("Task", {"WhoId": world.sf_id(contact), "Subject": subject, "Status": "Completed"})


@then(parsers.parse('the person with email "{email}" has {count:d} {kind} activities'))
@then(parsers.parse('the person with email "{email}" has {count:d} {kind} activity'))
def activities_by_email(world, email, count, kind):
    """How many activities of a type the person with this email has."""
    person = world.person_with(email=email)
    found = [a for a in world.adapter.activities() if a["person_id"] == person["id"] and a["type"] == kind]
    assert len(found) == count, world.adapter.activities()


@then(parsers.parse('the person holding contact "{label}" has {count:d} {kind} activities'))
@then(parsers.parse('the person holding contact "{label}" has {count:d} {kind} activity'))
def activities_of(world, label, count, kind):
    """How many activities of a type a person has."""
    person = world.person_holding(label)
    found = [a for a in world.adapter.activities() if a["person_id"] == person["id"] and a["type"] == kind]
    assert len(found) == count, world.adapter.activities()


@then(parsers.parse('the person holding contact "{label}" has a {kind} activity "{subject}"'))
def activity_named(world, label, kind, subject):
    """A person's activity whose Subject or Name is ``subject``."""
    person = world.person_holding(label)
    found = [a for a in world.adapter.activities() if a["person_id"] == person["id"]
             and a["type"] == kind and subject in (a["attributes"].get("Subject"), a["attributes"].get("Name"))]
    assert found, world.adapter.activities()


@when(parsers.parse('the template is rendered for "{email}":'), target_fixture="message")
def template_rendered(world, email, docstring):
    """Render a Liquid template for a person."""
    return world.adapter.render(docstring, email)


@then(parsers.parse('the message reads "{text}"'))
def message_reads(message, text):
    """The rendered message."""
    assert message.strip() == text
