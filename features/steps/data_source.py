"""Steps about the Salesforce data source: its settings, its syncs, its state."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from adapter import ConfigurationRefused

KEY_STRATEGIES = {"Merge with any key match": "any-key",
                  "Match only if previous merge key is empty": "previous-key-empty"}
STRATEGIES = {"Import and merge new records only": "merge-new-data",
              "Import and overwrite any records that exist": "overwrite",
              "Import new records only": "new-records-only"}


def _strategy(name: str) -> str:
    return STRATEGIES.get(name, name)


@given(parsers.parse('people are merged with "{strategy}" and "{key_strategy}"'))
def people_merge(world, strategy, key_strategy):
    """Choose the people merge strategy (UI or API name) and merge-key strategy (UI wording)."""
    world.adapter.configure({"merge": {"people": {"strategy": _strategy(strategy),
                                                  "key_strategy": KEY_STRATEGIES[key_strategy]}}})


@given(parsers.parse('organizations are merged with "{strategy}" and "{key_strategy}"'))
def organizations_merge(world, strategy, key_strategy):
    """Choose the organization merge strategy and merge-key strategy."""
    world.adapter.configure({"merge": {"organizations": {
        "strategy": _strategy(strategy), "key_strategy": KEY_STRATEGIES[key_strategy]}}})


@given(parsers.parse("the data source is configured with:"))
def configured_with(world, docstring):
    """Apply a TOML fragment of data-source settings."""
    import tomllib
    world.adapter.configure(tomllib.loads(docstring))


@given("the data source has synced")
@when("the data source syncs")
def data_source_syncs(world):
    """Connect if needed, then run one poll."""
    world.ensure_connected()
    world.last_sync = world.adapter.sync()


@when(parsers.parse("the data source is configured with:"), target_fixture="configuration_error")
def configure_attempt(world, docstring):
    """Try a configuration; keep the error it is refused with, if any."""
    import tomllib
    try:
        world.adapter.configure(tomllib.loads(docstring))
    except ConfigurationRefused as error:
        return str(error)
    return None


@then(parsers.parse('the configuration is refused with "{message}"'))
def configuration_refused(configuration_error, message):
    """The last configuration attempt was refused with a message containing ``message``."""
    assert configuration_error is not None, "the configuration was accepted"
    assert message in configuration_error


@then("the configuration is accepted")
def configuration_accepted(configuration_error):
    """The last configuration attempt was accepted."""
    assert configuration_error is None, configuration_error


@then(parsers.parse("the sync reports for {stream}:"))
def sync_reports(world, stream, datatable):
    """The last poll's outcome counts for one stream (``outcome | count`` rows)."""
    counts = world.last_sync["counts"].get(stream, {})
    for outcome, number in datatable[1:]:
        assert counts.get(outcome.strip(), 0) == int(number), f"{stream}: {counts}"


@when(parsers.parse("the data source is configured with {first:d} custom fields on {first_object} "
                    "and {second:d} on {second_object}"), target_fixture="configuration_error")
def configure_many_fields(world, first, first_object, second, second_object):
    """Select many distinct custom fields on two objects (for the caps of rule 26)."""
    objects = {first_object: {"custom_fields": [f"F{n}__c" for n in range(first)]},
               second_object: {"custom_fields": [f"G{n}__c" for n in range(second)]}}
    try:
        world.adapter.configure({"objects": objects})
    except ConfigurationRefused as error:
        return str(error)
    return None


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


@when(parsers.parse("the data source is configured with {count:d} outbound activity types"),
      target_fixture="configuration_error")
def configure_outbound(world, count):
    """Choose many CDP activity types to send to Salesforce."""
    try:
        world.adapter.configure({"outbound": {"activities": [f"type-{n}" for n in range(count)]}})
    except ConfigurationRefused as error:
        return str(error)
    return None


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
def _run_scheduler(world) -> dict:
    from datetime import datetime
    now = datetime.fromisoformat(world.server.control("GET", "clock").json()["now"].replace("+0000", "+00:00"))
    world.last_schedule = world.adapter.run_due(now)
    return world.last_schedule


@given("the scheduler has run")
@when("the scheduler runs")
def scheduler_runs(world):
    """The scheduler wakes up at the org clock's time and polls the data sources that are due."""
    _run_scheduler(world)


@then("the scheduler polled the data source")
def scheduler_polled_default(world):
    """The scenario's one data source was polled by the scheduler's last run."""
    from adapter import DEFAULT_SOURCE
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
