"""Outbound (rule 49): CDP activities of up to 20 chosen types become completed Salesforce Tasks.

A separate run from the inbound sync (the seed: "performed separately"). Each activity of a
chosen type, of a person this data source knows as a Contact or Lead, becomes a Task
(``WhoId``, ``Subject`` = the activity type, ``ActivityDate``, ``Status`` = Completed), sent in
sObject-collection batches of 200. A log table makes it idempotent: an activity is marked
*pending* before its batch is sent and *sent* (with the Task id) after; a retry first looks for
the Tasks of pending activities (same who, subject and date) so a crash between the two never
creates a second Task.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from ..cdp import CDP
from ..cdp.models import activity_table, link_table
from ..salesforce import SalesforceClient

MAX_TYPES = 20
BATCH = 200
_metadata = sa.MetaData()
outbound_table = sa.Table(
    "sync_outbound", _metadata,
    sa.Column("data_source_id", sa.Integer, primary_key=True),
    sa.Column("activity_id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.String(18)),
    sa.Column("state", sa.String(10), nullable=False))  # pending | sent


@dataclass
class OutboundSummary:
    """What one outbound run did."""

    sent: int = 0
    recovered: int = 0      # pending from a crashed run, found already in Salesforce
    failed: int = 0
    errors: list[str] | None = None


def _candidates(cdp: CDP, source_id: int, types: tuple[str, ...]) -> Iterator[dict]:
    """Activities of the chosen types not yet sent, with the person's Contact/Lead id here."""
    sent = sa.select(outbound_table.c.activity_id).where(
        outbound_table.c.data_source_id == source_id, outbound_table.c.state == "sent")
    who = sa.select(link_table.c.person_id, sa.func.min(link_table.c.sf_id).label("who")).where(
        link_table.c.data_source_id == source_id, link_table.c.sf_object.in_(("Contact", "Lead")),
        link_table.c.person_id.is_not(None)).group_by(link_table.c.person_id).subquery()
    query = (sa.select(activity_table.c.id, activity_table.c.type, activity_table.c.occurred_at,
                       activity_table.c.attributes, who.c.who)
             .join(who, who.c.person_id == activity_table.c.person_id)
             .where(activity_table.c.type.in_(types), activity_table.c.id.not_in(sent))
             .order_by(activity_table.c.id))
    with cdp.engine.connect() as conn:
        for row in conn.execute(query).mappings():
            yield dict(row)


def _task(activity: dict) -> dict:
    details = ", ".join(f"{k}: {v}" for k, v in (activity["attributes"] or {}).items())
    return {"attributes": {"type": "Task"}, "WhoId": activity["who"], "Subject": activity["type"],
            "ActivityDate": activity["occurred_at"].date().isoformat(), "Status": "Completed",
            "Description": details or None}


def _mark(cdp: CDP, source_id: int, rows: list[dict]) -> None:
    with cdp.engine.begin() as conn:
        for row in rows:
            conn.execute(sa.delete(outbound_table).where(
                outbound_table.c.data_source_id == source_id,
                outbound_table.c.activity_id == row["activity_id"]))
        conn.execute(sa.insert(outbound_table), [{"data_source_id": source_id, **row} for row in rows])


def _pending(cdp: CDP, source_id: int) -> set[int]:
    with cdp.engine.connect() as conn:
        return set(conn.execute(sa.select(outbound_table.c.activity_id).where(
            outbound_table.c.data_source_id == source_id, outbound_table.c.state == "pending")).scalars())


def _already_sent(client: SalesforceClient, tasks: list[dict]) -> dict[int, str]:
    """For tasks of a crashed run: which exist in Salesforce already (by who, subject, date)."""
    found: dict[tuple, str] = {}
    whos = sorted({t["WhoId"] for t in tasks})
    quoted = ", ".join(f"'{w}'" for w in whos)
    for page in client.query_pages(f"SELECT Id, WhoId, Subject, ActivityDate FROM Task WHERE WhoId IN "
                                   f"({quoted}) AND Status = 'Completed'", include_deleted=False):
        for row in page:
            found[(row["WhoId"], row["Subject"], row["ActivityDate"])] = row["Id"]
    return {i: found[key] for i, t in enumerate(tasks)
            if (key := (t["WhoId"], t["Subject"], t["ActivityDate"])) in found}


def send(cdp: CDP, source_id: int, client: SalesforceClient, types: tuple[str, ...]) -> OutboundSummary:
    """Send every unsent activity of the chosen types as a completed Task."""
    _metadata.create_all(cdp.engine, checkfirst=True)
    summary = OutboundSummary(errors=[])
    if not types:
        return summary
    pending = _pending(cdp, source_id)
    batch: list[dict] = []
    for activity in _candidates(cdp, source_id, types):
        batch.append(activity)
        if len(batch) == BATCH:
            _send_batch(cdp, source_id, client, batch, pending, summary)
            batch = []
    if batch:
        _send_batch(cdp, source_id, client, batch, pending, summary)
    return summary


def _send_batch(cdp, source_id, client, batch, pending, summary) -> None:
    tasks = [_task(a) for a in batch]
    recovered = _already_sent(client, [t for a, t in zip(batch, tasks) if a["id"] in pending]) \
        if pending & {a["id"] for a in batch} else {}
    retry = [(a, t) for a, t in zip(batch, tasks) if a["id"] in pending]
    done = []
    for index, task_id in recovered.items():
        done.append({"activity_id": retry[index][0]["id"], "task_id": task_id, "state": "sent"})
    summary.recovered += len(done)
    recovered_ids = {row["activity_id"] for row in done}
    to_send = [(a, t) for a, t in zip(batch, tasks) if a["id"] not in recovered_ids]
    if to_send:
        _mark(cdp, source_id, [{"activity_id": a["id"], "task_id": None, "state": "pending"} for a, _ in to_send])
        results = client.collections("POST", [t for _, t in to_send])
        for (activity, _), result in zip(to_send, results):
            if result.get("success"):
                done.append({"activity_id": activity["id"], "task_id": result["id"], "state": "sent"})
                summary.sent += 1
            else:
                summary.failed += 1
                summary.errors.append(f"activity {activity['id']}: "
                                      f"{'; '.join(e.get('message', '') for e in result.get('errors', []))}")
    if done:
        _mark(cdp, source_id, done)
