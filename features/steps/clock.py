"""Steps about time: the org clock moves (control plane); polls happen on it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pytest_bdd import given, parsers, when


@given(parsers.parse("{count:d} minutes pass"))
@when(parsers.parse("{count:d} minutes pass"))
def minutes_pass(world, count):
    """Move the org's clock forward."""
    _advance(world, count * 60)


@given(parsers.parse("{count:d} days pass"))
@when(parsers.parse("{count:d} days pass"))
def days_pass(world, count):
    """Move the org's clock forward by days."""
    _advance(world, count * 86400)


@given(parsers.parse("{count:d} hours pass"))
@when(parsers.parse("{count:d} hours pass"))
def hours_pass(world, count):
    """Move the org's clock forward by hours."""
    _advance(world, count * 3600)


@given(parsers.parse("the time is {hour:d}:{minute:d}"))
def time_is(world, hour, minute):
    """Set the org's clock (it keeps running) to this time of day, tomorrow, in UTC.

    Tomorrow, so the clock only ever moves forward from the real time.
    """
    day = datetime.now(timezone.utc).date() + timedelta(days=1)
    world.sf.set_clock(datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc))


def _advance(world, seconds: int) -> None:
    world.sf.advance_clock(seconds)  # the org adapter logs in again: its session may have idled out
