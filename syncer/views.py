"""What a user sees of the syncer: a poll's summary and the tables of ``syncer status``,
``people``, ``organizations`` and ``activities`` (the data-source view of the seed)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from rich.table import Table

from .service import Syncer
from .sync.engine import CONNECTED, PollSummary


def summary_table(summary: PollSummary) -> Table:
    """One row per stream: records read, outcomes with their reasons, what was skipped."""
    table = Table(title=f"poll: {summary.outcome}" + (f" — {summary.note}" if summary.note else ""))
    for column in ("stream", "read", "outcomes"):
        table.add_column(column)
    for name, stream in summary.streams.items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(stream.counts.items()))
        if stream.skipped_fields:
            outcomes += f"; fields not in org: {', '.join(stream.skipped_fields)}"
        if stream.api != "REST":
            outcomes += f"; read through {stream.api}"
        if stream.api_note:
            outcomes += f"; {stream.api_note}"
        if stream.skipped:
            outcomes = f"skipped: {stream.skipped}"
        table.add_row(name, str(stream.read), outcomes or "-")
    return table


def status_table(syncer: Syncer) -> Table:
    """Data sources: state, note, audience size, last and next sync, backfill progress."""
    table = Table()
    for column in ("id", "name", "state", "note", "org", "people", "last sync", "next sync", "backfill"):
        table.add_column(column)
    interval = timedelta(minutes=syncer.settings.poll_interval_minutes)
    for source in syncer.sources():
        started = syncer.last_poll(source)
        following = (started + interval).isoformat(timespec="seconds") \
            if started and source.state == CONNECTED else "-"
        percent = syncer.backfill_percent(source.id)
        table.add_row(str(source.id), source.name, source.state, source.status_note or "",
                      source.org_id or "", str(syncer.count_people(source.id)),
                      started.isoformat(timespec="seconds")[:19] if started else "never", following,
                      "-" if percent is None else f"Backfilling {percent} %")
    return table


def people_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """The audience: people imported from a data source."""
    table = Table()
    for column in ("id", "name", "email", "phone", "email perm", "sms perm", "archived", "salesforce ids"):
        table.add_column(column)
    for person in _first(syncer.cdp.people(source_id), limit):
        name = " ".join(filter(None, (person.fields.get("str::first"), person.fields.get("str::last"))))
        table.add_row(str(person.id), name, person.email or "", person.phone or "",
                      str(person.email_permission), str(person.sms_permission), str(person.archived),
                      " ".join(link.sf_id for link in person.sf_ids))
    return table


def organizations_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """Organizations imported from a data source."""
    table = Table()
    for column in ("id", "name", "archived", "salesforce ids"):
        table.add_column(column)
    for org in _first(syncer.cdp.organizations(source_id), limit):
        table.add_row(str(org.id), org.name or "", str(org.archived), " ".join(l.sf_id for l in org.sf_ids))
    return table


def activities_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """The activity feed of a data source."""
    table = Table()
    for column in ("when", "type", "person", "attributes"):
        table.add_column(column)
    for activity in _first(syncer.cdp.activities(data_source=source_id), limit):
        table.add_row(str(activity.occurred_at), activity.type, str(activity.person_id),
                      ", ".join(f"{k}={v}" for k, v in activity.attributes.items()))
    return table


def _first(items: Iterator, limit: int) -> Iterator:
    for count, item in enumerate(items):
        if count >= limit:
            return
        yield item
