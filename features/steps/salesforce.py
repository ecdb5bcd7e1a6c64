"""Steps about the Salesforce org: records created and changed through its real API."""
from __future__ import annotations

from datetime import date, timedelta

from pytest_bdd import given, parsers, then, when

from .world import rows


SOBJECTS = {"contacts": "Contact", "leads": "Lead", "accounts": "Account",
            "opportunities": "Opportunity", "tasks": "Task"}
FORMULA = "TEXT(Account.Tier__c)"  # what the formula field of the specs reads (never evaluated)


def _create(world, sobject: str, datatable, org=None) -> None:
    org = org or world.sf
    for row in rows(datatable):
        label = row.get("ref") or row.get("label")
        created = org.create(sobject, world.salesforce_fields(row))
        if label:
            world.labels[label] = created


@given(parsers.parse("Salesforce has these {kind}:"))
def salesforce_has(world, kind, datatable):
    """Create records in the org: ``contacts``, ``leads``, ``accounts``, ``opportunities``.

    Columns are human names (first name, email, phone, account …) or API names; ``ref`` labels
    a record so later steps can name it; ``account`` refers to an account's label.
    """
    _create(world, SOBJECTS[kind], datatable)


@given(parsers.parse("a second Salesforce org {name:w}"))
def second_org(world, name):
    """Another production org on the same mock, with its own admin and connected app (control plane).

    The scenario's own org is org ``A``; each org is connected as the data source of its name.
    """
    world.add_org(name, sandbox=False)


@given(parsers.parse("Salesforce org {name:w} is a {kind}"))
def org_of_kind(world, name, kind):
    """Another org that is a ``sandbox`` (its usernames end in ``.<name>``) or a ``production org``."""
    if kind not in ("sandbox", "production org"):
        raise ValueError(f"an org is a sandbox or a production org, not {kind!r}")
    world.add_org(name, sandbox=kind == "sandbox")


@given(parsers.parse("Salesforce org {name:w} has these {kind}:"))
@when(parsers.parse("Salesforce org {name:w} has these {kind}:"))
def named_org_has(world, name, kind, datatable):
    """Create records in org ``name`` through its admin's API session (same columns as above)."""
    _create(world, SOBJECTS[kind], datatable, world.org(name))


@given(parsers.parse('the Salesforce contact formula field "{name}" exists'))
def formula_field(world, name):
    """A text formula field on Contact: read-only, calculated by Salesforce."""
    world.sf.add_field("Contact", name, formula=FORMULA)


@given(parsers.parse('Salesforce recalculates the formula field "{name}" of contact "{label}" to "{value}"'))
@when(parsers.parse('Salesforce recalculates the formula field "{name}" of contact "{label}" to "{value}"'))
def formula_recalculated(world, name, label, value):
    """What the formula now evaluates to (its inputs changed elsewhere); the contact's stamps stay."""
    world.sf.recalculate("Contact", world.sf_id(label), {name: value})


@when(parsers.parse('contact "{label}" changes in Salesforce:'))
@given(parsers.parse('contact "{label}" changes in Salesforce:'))
def contact_changes(world, label, datatable):
    """Update a labelled contact with the field/value pairs of the table (one row)."""
    for row in rows(datatable):
        world.sf.update("Contact", world.sf_id(label), world.salesforce_fields(row))


@given(parsers.parse('the Salesforce contact field "{name}" exists'))
@when(parsers.parse('the Salesforce contact field "{name}" exists'))
def custom_contact_field(world, name):
    """Create a custom text field on Contact in the org."""
    world.sf.add_field("Contact", name)


@when(parsers.parse('lead "{lead}" is converted into contact "{contact}"'))
def lead_converted(world, lead, contact):
    """Convert a labelled lead (as Salesforce's Convert button does) and label the new contact."""
    world.labels[contact] = world.sf.convert_lead(world.sf_id(lead))


def _triple(text: str) -> tuple[str | None, str | None, str | None]:
    label, email, phone = (part.strip() for part in text.split(","))
    empty = {"—", "-", ""}
    return (None if label in empty else label, None if email in empty else email,
            None if phone in empty else phone)


@given(parsers.parse("the CDP holds the person {existing}"))
def cdp_holds(world, existing):
    """``none``; or ``SF-label, email, phone`` — a label means the person came from that contact."""
    world.had_existing = existing.strip() != "none"
    if not world.had_existing:
        return
    label, email, phone = _triple(existing)
    if label is None:
        world.adapter.add_person({k: v for k, v in (("email", email), ("phone", phone),
                                                     ("last name", "Existing")) if v is not None})
        return
    world.labels[label] = world.sf.create("Contact", {"LastName": "Existing", "Email": email, "Phone": phone})
    world.ensure_connected()
    world.adapter.sync()


@when(parsers.parse("Salesforce contact {incoming} syncs"))
def incoming_contact(world, incoming):
    """Create (or, for a known label, change) a contact, then run one poll."""
    label, email, phone = _triple(incoming)
    if label in world.labels:
        world.sf.update("Contact", world.labels[label], {"Email": email, "Phone": phone})
    else:
        world.labels[label] = world.sf.create("Contact", {"LastName": "Incoming", "Email": email,
                                                         "Phone": phone})
    world.incoming_label = label
    world.ensure_connected()
    world.last_sync = world.adapter.sync()


@then(parsers.parse("the contact gives {result}"))
def contact_gives(world, result):
    """``a new person`` or ``a merge by <key>`` (Salesforce id, email, phone), as the sync reports it."""
    counts = world.last_sync["counts"]["Contact"]
    people = world.adapter.people()
    holder = world.person_holding(world.incoming_label)
    if result == "a new person":
        assert counts.get("created") == 1, counts
        assert len(people) == (2 if world.had_existing else 1), people
        assert holder["sf_ids"] == [world.sf_id(world.incoming_label)], holder
    else:
        key = result.removeprefix("a merge by ")
        assert counts.get(f"merged by {key}") == 1, counts
        assert len(people) == 1, people


@given(parsers.parse("Salesforce has {count:d} contacts"))
def many_contacts(world, count):
    """Load many contacts at once (through the org's control plane, in one transaction)."""
    world.sf.load("Contact", [{"LastName": f"Bulk {n}", "Email": f"bulk{n}@example.org"}
                              for n in range(count)])


@when(parsers.parse('contact "{label}" is deleted in Salesforce'))
def contact_deleted(world, label):
    """Delete a contact (it goes to the recycle bin)."""
    world.sf.delete("Contact", world.sf_id(label))


@when(parsers.parse("Salesforce has these {kind}:"))
def salesforce_has_later(world, kind, datatable):
    """Create more records in the org (same columns as the Given step)."""
    salesforce_has(world, kind, datatable)


@given(parsers.parse("Salesforce has {count:d} more contacts"))
@when(parsers.parse("Salesforce has {count:d} more contacts"))
def more_contacts(world, count):
    """Load more contacts at once, numbered on from those the org has (emails stay distinct)."""
    start = world.sf.count("SELECT COUNT() FROM Contact")
    world.sf.load("Contact", [{"LastName": f"Bulk {n}", "Email": f"bulk{n}@example.org"}
                              for n in range(start, start + count)])


@when(parsers.parse('{count:d} contacts change their first name to "{name}" in Salesforce'))
def contacts_renamed(world, count, name):
    """Update ``count`` contacts through the org's REST API (sObject Collections, 200 a call)."""
    found = world.sf.query(f"SELECT Id FROM Contact ORDER BY Id LIMIT {count}")
    if len(found) < count:
        raise ValueError(f"the org has only {len(found)} contacts, not {count}")
    world.sf.update_many("Contact", [{"Id": r["Id"], "FirstName": name} for r in found])


@given(parsers.parse('account "{account}" has {count:d} opportunities, {primary:d} of them with '
                     'contact "{contact}" as primary contact'))
def many_opportunities(world, account, count, primary, contact):
    """Load open opportunities of an account at once; the first ``primary`` get a primary contact role."""
    close = (date.today() + timedelta(days=90)).isoformat()
    ids = world.sf.load("Opportunity", [{"Name": f"Deal {n}", "StageName": "Prospecting",
                                         "CloseDate": close, "AccountId": world.sf_id(account)}
                                        for n in range(count)])
    roles = [{"OpportunityId": opportunity, "ContactId": world.sf_id(contact), "IsPrimary": True}
             for opportunity in ids[:primary]]
    if roles:
        world.sf.load("OpportunityContactRole", roles)
