"""Outbound tasks: batched, idempotent, and safe across a crash between send and record."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from syncer.cdp.sources import record_event
from syncer.sync.outbound import outbound_table, send

from configs import connected


@pytest.fixture
def syncer(salesforce_org, tmp_path):
    salesforce_org.client().Contact.create({"LastName": "Lee", "Email": "l@x.org"})
    service = connected(salesforce_org, tmp_path, outbound={"activities": ["email-opened"]})
    service.sync()
    yield service
    service.close()


def tasks(salesforce_org):
    return salesforce_org.client().query("SELECT Id, Subject, ActivityDate FROM Task")["records"]


def test_each_activity_becomes_one_task(syncer, salesforce_org):
    person = next(syncer.cdp.people(email="l@x.org"))
    for _ in range(3):
        record_event(syncer.cdp, person.id, "email-opened", datetime(2026, 5, 1, tzinfo=timezone.utc))
    assert syncer.outbound().sent == 3
    assert syncer.outbound().sent == 0
    assert len(tasks(salesforce_org)) == 3 and tasks(salesforce_org)[0]["ActivityDate"] == "2026-05-01"


def test_a_crash_after_sending_does_not_send_twice(syncer, salesforce_org):
    person = next(syncer.cdp.people(email="l@x.org"))
    activity = record_event(syncer.cdp, person.id, "email-opened", datetime(2026, 5, 2, tzinfo=timezone.utc))
    source = syncer.source()
    summary = syncer.outbound()
    assert summary.sent == 1
    # Pretend the run died after Salesforce created the task but before the log said "sent".
    with syncer.cdp.engine.begin() as conn:
        conn.execute(sa.update(outbound_table).where(outbound_table.c.activity_id == activity)
                     .values(state="pending", task_id=None))
    again = send(syncer.cdp, source.id, syncer.salesforce(), ("email-opened",))
    assert (again.sent, again.recovered) == (0, 1) and len(tasks(salesforce_org)) == 1
