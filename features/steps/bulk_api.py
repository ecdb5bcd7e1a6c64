"""Steps about the Bulk API (rule 43): when the data source reads through it, and what the org counted.

Which API a sync used is observed in Salesforce, not in the syncer: the org's request journal
says how many Bulk API 2.0 query jobs the scenario's syncs created (a syncer deletes its finished
jobs, so the job list cannot). A job creation Salesforce refuses (a child subquery, a compound
field) is not counted.
"""
from __future__ import annotations

from pytest_bdd import given, parsers, then


@given(parsers.parse("the data source reads through the Bulk API above {count:d} rows"))
def bulk_threshold(world, count):
    """Lower the number of rows (default 2,000) above which a first load or backfill uses Bulk."""
    world.adapter.configure({"sync": {"bulk_threshold": count}})


@given("the org's API limit runs out just after the first page of Bulk API results")
def limit_after_first_results_page(world):
    """The first request for a Bulk job's results is answered; the next one is refused with
    403 REQUEST_LIMIT_EXCEEDED, as Salesforce answers once the daily API limit is used up.

    Two faults on the results path, taken in order: a zero-second delay (answered normally), then
    the refusal. Both are used up then, so the next poll meets no fault.
    """
    world.server.control("POST", "faults", json={"kind": "delay", "delay": 0, "count": 1, "path": "/results"})
    world.server.control("POST", "faults", json={"kind": "403", "count": 1, "path": "/results"})


@then(parsers.parse("Salesforce counted {count:d} Bulk API query jobs"))
@then(parsers.parse("Salesforce counted {count:d} Bulk API query job"))
def bulk_jobs_counted(world, count):
    """How many Bulk API 2.0 query jobs the org created in this scenario (its daily count)."""
    assert _jobs_counted(world) == count


@then("Salesforce counted no Bulk API query job")
def no_bulk_job(world):
    """No Bulk API 2.0 query job was created in this scenario: everything was read through REST."""
    assert _jobs_counted(world) == 0


@then(parsers.parse('{count:d} people have the first name "{name}"'))
def people_named(world, count, name):
    """How many people in the CDP carry a first name."""
    found = [p for p in world.adapter.people() if p.get("str::first") == name]
    assert len(found) == count, f"{len(found)} people named {name!r}"


def _jobs_counted(world) -> int:
    """Bulk API 2.0 query jobs the org created in this scenario (its journal is fresh each scenario)."""
    return len(world.server.requests("POST", r"/services/data/v[\d.]+/jobs/query/?", status=200))
