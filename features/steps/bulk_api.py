"""Steps about the Bulk API (rule 43): when the data source reads through it, and what the org counted.

Which API a sync used is observed in Salesforce, not in the syncer: the org's request journal
says how many Bulk API 2.0 query jobs the scenario's syncs created (a syncer deletes its finished
jobs, so the job list cannot). A job creation Salesforce refuses (a child subquery, a compound
field) is not counted.
"""
from __future__ import annotations

from pytest_bdd import given, parsers, then

from interface import BULK_ABOVE


@given(parsers.parse("the data source reads through the Bulk API above {count:d} rows"))
def bulk_threshold(world, count):
    """Lower the number of rows (default 2,000) above which a first load or backfill uses Bulk."""
    world.adapter.configure({BULK_ABOVE: count})


@given("the org's API limit runs out just after the first page of Bulk API results")
def limit_after_first_results_page(world):
    """The first request for a Bulk job's results is answered; the next one is refused with
    403 REQUEST_LIMIT_EXCEEDED, as Salesforce answers once the daily API limit is used up.

    Two faults on the results path, taken in order: a zero-second delay (answered normally), then
    the refusal. Both are used up then, so the next poll meets no fault.
    """
    world.sf.add_fault(kind="delay", delay=0, count=1, path="/results")
    world.sf.add_fault(kind="403", count=1, path="/results")


@then(parsers.parse("Salesforce counted {count:d} Bulk API query jobs"))
@then(parsers.parse("Salesforce counted {count:d} Bulk API query job"))
def bulk_jobs_counted(world, count):
    """How many Bulk API 2.0 query jobs the org created in this scenario (its daily count)."""
    assert world.sf.bulk_query_jobs() == count


@then("Salesforce counted no Bulk API query job")
def no_bulk_job(world):
    """No Bulk API 2.0 query job was created in this scenario: everything was read through REST."""
    assert world.sf.bulk_query_jobs() == 0


@then(parsers.parse('{count:d} people have the first name "{name}"'))
def people_named(world, count, name):
    """How many people in the CDP carry a first name."""
    found = [p for p in world.adapter.people() if p.get("first name") == name]
    assert len(found) == count, f"{len(found)} people named {name!r}"

