"""Steps about the Salesforce data source: its syncs, what they report, and the scheduler."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from interface import DEFAULT_SOURCE


@given("the data source has synced")
@when("the data source syncs")
def data_source_syncs(world):
    """Connect if needed, then run one poll."""
    world.ensure_connected()
    world.last_sync = world.adapter.sync()


@then(parsers.parse("the sync reports for {stream}:"))
def sync_reports(world, stream, datatable):
    """The last poll's outcome counts for one stream (``outcome | count`` rows)."""
    counts = world.last_sync["counts"].get(stream, {})
    for outcome, number in datatable[1:]:
        assert counts.get(outcome.strip(), 0) == int(number), f"{stream}: {counts}"


@given(parsers.parse("the sync reported {stream} fields missing in Salesforce: {names}"))
@then(parsers.parse("the sync reported {stream} fields missing in Salesforce: {names}"))
def fields_missing(world, stream, names):
    """The last poll skipped mapped fields the org does not have (and said so)."""
    assert world.last_sync.get("skipped_fields", {}).get(stream) == [n.strip() for n in names.split(",")], \
        world.last_sync


@when("the data source backfills")
@given("the data source has backfilled")
def data_source_backfills(world):
    """Run a backfill to its end."""
    world.ensure_connected()
    world.last_sync = world.adapter.backfill()


# -- several data sources, named after their orgs --------------------------------------------
@given(parsers.parse("data source {name:w} has synced"))
@when(parsers.parse("data source {name:w} syncs"))
def named_source_syncs(world, name):
    """Connect data source ``name`` to org ``name`` if needed, then run one poll of it."""
    world.use_source(name)
    world.last_sync = world.adapter.sync()


@given(parsers.parse("data source {name:w} is connected"))
def named_source_connected(world, name):
    """Log in to org ``name``, click Allow, and register data source ``name``."""
    world.use_source(name)


# -- the scheduler (``syncer run``) -----------------------------------------------------------
@given("the scheduler has run")
@when("the scheduler runs")
def scheduler_runs(world):
    """The scheduler wakes up at the org clock's time and polls the data sources that are due."""
    world.last_schedule = world.adapter.run_due(world.sf.now())


@then("the scheduler polled the data source")
def scheduler_polled_default(world):
    """The scenario's one data source was polled by the scheduler's last run."""
    assert set(world.last_schedule) == {DEFAULT_SOURCE}, world.last_schedule


@then("the scheduler polled no data source")
def scheduler_polled_nothing(world):
    """Nothing was due at the scheduler's last run."""
    assert world.last_schedule == {}, world.last_schedule


@then(parsers.parse("the scheduler polled only data source {name:w}"))
def scheduler_polled_only(world, name):
    """Exactly one named data source was polled by the scheduler's last run."""
    assert set(world.last_schedule) == {name}, world.last_schedule


@then(parsers.parse("the scheduler polled data sources {first:w} and {second:w}"))
def scheduler_polled_both(world, first, second):
    """Both named data sources were polled by the scheduler's last run."""
    assert set(world.last_schedule) == {first, second}, world.last_schedule
