"""Steps about sending CDP activity to Salesforce."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when


@given(parsers.parse('the CDP records "{kind}" for the person with email "{email}"'))
@when(parsers.parse('the CDP records "{kind}" for the person with email "{email}"'))
def cdp_event(world, kind, email):
    """An activity that happens in the CDP (not in Salesforce)."""
    world.adapter.record_event(email, kind)


@when("the chosen activities are sent to Salesforce", target_fixture="outbound_result")
def send_outbound(world):
    """Run the outbound sync (separate from the inbound polls)."""
    return world.adapter.outbound()


@then(parsers.parse('contact "{label}" has {count:d} completed tasks "{subject}" in Salesforce'))
@then(parsers.parse('contact "{label}" has {count:d} completed task "{subject}" in Salesforce'))
def completed_tasks(world, label, count, subject):
    """Completed Tasks on a contact, read back through the Salesforce API."""
    rows = world.sf.query(f"SELECT Id FROM Task WHERE WhoId = '{world.sf_id(label)}' "
                          f"AND Subject = '{subject}' AND Status = 'Completed'")
    assert len(rows) == count, rows
