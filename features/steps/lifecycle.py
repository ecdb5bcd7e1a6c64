"""Steps about the data source's life: connecting, states, tokens, limits, faults, renaming."""
from __future__ import annotations

import threading
import time

from pytest_bdd import given, parsers, then, when

UNITS = {"minutes", "hours", "days", "months"}


@given("the data source is connected")
def connected(world):
    """Log in, click Allow, and register the data source."""
    world.ensure_connected()


@when("the data source is reconnected")
def reconnected(world):
    """Log in and click Allow again for the same data source."""
    world.adapter.connect(world.sf.login)


@when("the data source is disconnected")
@given("the data source is disconnected")
def disconnected(world):
    """The user disconnects the data source."""
    world.adapter.disconnect()


@when("the data source is deleted")
def deleted(world):
    """The user deletes the (disconnected) data source."""
    world.adapter.delete()
    world.connected = False


@when(parsers.parse('the data source is renamed "{name}"'))
def renamed(world, name):
    """The user renames the data source."""
    world.adapter.rename(name)


@then(parsers.parse('the data source is "{state}"'))
def data_source_state(world, state):
    """The data source's state."""
    assert world.state() == state, world.adapter.status()


@then(parsers.parse('the data source is "{state}" with a note saying "{text}"'))
def data_source_state_note(world, state, text):
    """The data source's state and the note it shows."""
    status = world.adapter.status()
    assert status["state"] == state and text in (status["note"] or ""), status


@then(parsers.parse('the data source is named "{name}"'))
def data_source_named(world, name):
    """The data source's name."""
    assert world.adapter.status()["name"] == name


@given(parsers.parse("the connected app's refresh token policy is \"expire after {count:d} {unit}\""))
def refresh_policy_absolute(world, count, unit):
    """Set the org's Refresh Token Policy to "Expire refresh token after N units"."""
    if unit not in UNITS:
        raise ValueError(f"a refresh token expires after {', '.join(sorted(UNITS))}, not {unit!r}")
    world.sf.set_app_policy(refresh_token_policy="absolute", refresh_token_validity=count,
                            refresh_token_unit=unit)


@when("the admin revokes the app's tokens in Salesforce")
@given("the admin revokes the app's tokens in Salesforce")
def tokens_revoked(world):
    """Setup → Connected Apps OAuth Usage → Revoke."""
    world.sf.revoke_tokens()


@given(parsers.parse("the org has {remaining:d} API calls left today"))
def api_calls_left(world, remaining):
    """Use up the org's daily API limit but for ``remaining`` calls."""
    world.sf.set_api_usage(10_000 - remaining, limit=10_000)


@when("the org's daily API limit resets")
def api_limit_resets(world):
    """A new 24-hour window: nothing used."""
    world.sf.set_api_usage(0)


@given(parsers.parse("Salesforce fails {percent:d}% of requests with {kind}"))
def failing_requests(world, percent, kind):
    """Arm random faults on the data API (kind: 500, 503, 401; seeded, so runs repeat)."""
    world.sf.add_fault(kind=kind, count=10_000, rate=percent / 100, path="/services/data", seed=11)


@given(parsers.parse("Salesforce answers the next {count:d} queries with QUERY_TIMEOUT"))
@when(parsers.parse("Salesforce answers the next {count:d} queries with QUERY_TIMEOUT"))
def queries_time_out(world, count):
    """The next ``count`` queries are answered 400 QUERY_TIMEOUT, as a query that ran too long is."""
    world.sf.add_fault(kind="query_timeout", count=count, path="/query")


@when("Salesforce stops failing")
def faults_cleared(world):
    """Disarm every fault."""
    world.sf.clear_faults()


@when(parsers.parse('contact "{label}" changes in Salesforce while the data source syncs:'))
def changes_during_sync(world, label, datatable):
    """Change a contact while a poll is reading (the query answers slowly meanwhile)."""
    from .world import rows
    world.sf.add_fault(kind="delay", delay=1.0, count=1, path="/query")
    changes = world.salesforce_fields(rows(datatable)[0])

    def change() -> None:
        time.sleep(0.4)
        world.sf.update("Contact", world.sf_id(label), changes)

    worker = threading.Thread(target=change)
    worker.start()
    world.ensure_connected()
    world.last_sync = world.adapter.sync()
    worker.join()


@then(parsers.parse('the sync stopped with "{outcome}"'))
def sync_stopped(world, outcome):
    """How the last poll ended (ok, api-limit, needs-attention)."""
    assert world.last_sync["outcome"] == outcome, world.last_sync


# -- connecting a named data source: production org or sandbox (rule 50) ----------------------
@when(parsers.parse('data source {name:w} is connected with "Salesforce sandbox" {box}'))
def connected_with_box(world, name, box):
    """Connect data source ``name`` to org ``name`` with the sandbox box ``checked`` or ``cleared``."""
    world.connect_source(name, sandbox=_checked(box))


@when(parsers.parse('the user tries to connect data source {name:w} with "Salesforce sandbox" {box}'))
def tries_to_connect(world, name, box):
    """Connect as above, keeping the login page's refusal if Salesforce turns the user away."""
    from user_agent import LoginRefused
    try:
        world.connect_source(name, sandbox=_checked(box))
    except LoginRefused as refusal:
        world.login_refusal = str(refusal)


def _checked(box: str) -> bool:
    if box not in ("checked", "cleared"):
        raise ValueError(f'the "Salesforce sandbox" box is checked or cleared, not {box!r}')
    return box == "checked"


@then(parsers.parse('Salesforce refuses the login with "{message}"'))
def login_refused(world, message):
    """The login page turned the user away with this message."""
    assert world.login_refusal is not None, "the user was let in"
    assert message in world.login_refusal, world.login_refusal


@then(parsers.parse('data source {name:w} is "{state}"'))
def named_source_state(world, name, state):
    """A named data source's state ("Not connected" before it ever connected)."""
    world.adapter.use_source(name)
    assert world.state() == state, world.adapter.status()


@when(parsers.parse("data source {name:w} is disconnected"))
def named_source_disconnected(world, name):
    """The user disconnects data source ``name``."""
    world.use_source(name)
    world.adapter.disconnect()


@when(parsers.parse("data source {name:w} is deleted"))
def named_source_deleted(world, name):
    """The user deletes (disconnected) data source ``name``."""
    world.use_source(name)
    world.adapter.delete()
