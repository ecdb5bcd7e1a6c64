"""Steps about time: the org clock moves; polls happen on it."""
from __future__ import annotations

from pytest_bdd import given, parsers, when


@given(parsers.parse("{count:d} minutes pass"))
@when(parsers.parse("{count:d} minutes pass"))
def minutes_pass(world, count):
    """Move the org's clock forward."""
    world.server.control("POST", "clock", json={"advance": count * 60})


@given(parsers.parse("{count:d} days pass"))
@when(parsers.parse("{count:d} days pass"))
def days_pass(world, count):
    """Move the org's clock forward by days."""
    world.server.control("POST", "clock", json={"advance": count * 86400})
