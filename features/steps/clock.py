"""Steps about time: the org clock moves; polls happen on it."""
from __future__ import annotations

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


def _advance(world, seconds: int) -> None:
    world.server.control("POST", "clock", json={"advance": seconds})
    # The scenario's own Salesforce session may have idled out: the test user logs in again.
    world.sf = world.server.client()
