"""What a user sees of the syncer: a poll's summary and the tables of ``syncer status``,
``people``, ``organizations`` and ``activities`` (the data-source view of the seed).

Every cell is literal :class:`~rich.text.Text`: Salesforce data is never read as markup or emoji
codes. A table cut at ``--limit`` says so in its caption ("50 of 106 people").
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa
from rich.table import Table
from rich.text import Text

from .cdp.models import activity_table, link_table, org_table, person_table
from .service import Syncer
from .sync.engine import PollSummary
from .sync.state import CONNECTED, UPDATING
from .terminal import console


def progress_bar():
    """Progress on a terminal (nothing on a pipe): records read, "of N" and an ETA once counted."""
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

    class Counts(ProgressColumn):
        def render(self, task) -> Text:
            done = int(task.completed)
            if task.total is None:
                return Text(f"{done:,} records")
            left = task.time_remaining
            eta = "" if left is None or task.finished else f", about {int(left) // 60}:{int(left) % 60:02d} left"
            return Text(f"{done:,} of {int(task.total):,}{eta}")

    terminal = console()
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), Counts(),
                    TimeElapsedColumn(), console=terminal, transient=True, disable=not terminal.is_terminal)


def run_report(syncer: Syncer, polled: dict) -> str:
    """What a tick of ``syncer run`` did, and when the next poll is due (local time)."""
    now = syncer.clock()
    did = (f"polled {len(polled)} data source(s) ({', '.join(map(str, polled))})" if polled
           else "no data source was due")
    interval = timedelta(minutes=syncer.settings.poll_interval_minutes)
    due = [(last + interval if (last := syncer.last_poll(source)) else now, source.id)
           for source in syncer.sources() if source.state in (CONNECTED, UPDATING)]
    if not due:
        return f"{now.astimezone():%H:%M:%S} {did}; no connected data source to poll"
    when, source_id = min(due)
    wait = max((when - now).total_seconds(), 0)
    return (f"{now.astimezone():%H:%M:%S} {did}; next poll: data source {source_id} at "
            f"{when.astimezone():%H:%M:%S} (in {wait / 60:.0f} min)")


def summary_table(summary: PollSummary) -> Table:
    """One row per stream: records read, outcomes with their reasons, what was skipped."""
    table = Table(title=Text(f"poll: {summary.outcome}" + (f" — {summary.note}" if summary.note else "")))
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
        _row(table, name, str(stream.read), outcomes or "-")
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
        _row(table, str(source.id), source.name, source.state, source.status_note or "",
                      source.org_id or "", str(syncer.count_people(source.id)),
                      started.isoformat(timespec="seconds")[:19] if started else "never", following,
                      "-" if percent is None else f"Backfilling {percent} %")
    return table


def people_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """The audience: people imported from a data source."""
    table = Table()
    for column in ("id", "name", "email", "phone", "email perm", "sms perm", "archived", "salesforce ids"):
        table.add_column(column)
    shown = 0
    for person in _first(syncer.cdp.people(source_id), limit):
        shown += 1
        name = " ".join(filter(None, (person.fields.get("str::first"), person.fields.get("str::last"))))
        _row(table, str(person.id), name, person.email or "", person.phone or "",
                      str(person.email_permission), str(person.sms_permission), str(person.archived),
                      " ".join(link.sf_id for link in person.sf_ids))
    return _caption(table, shown, limit, lambda: _count(syncer, person_table, link_table.c.person_id,
                                                        source_id), "people")


def organizations_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """Organizations imported from a data source."""
    table = Table()
    for column in ("id", "name", "archived", "salesforce ids"):
        table.add_column(column)
    shown = 0
    for org in _first(syncer.cdp.organizations(source_id), limit):
        shown += 1
        _row(table, str(org.id), org.name or "", str(org.archived), " ".join(l.sf_id for l in org.sf_ids))
    return _caption(table, shown, limit, lambda: _count(syncer, org_table, link_table.c.organization_id,
                                                        source_id), "organizations")


def activities_table(syncer: Syncer, source_id: int | None, limit: int) -> Table:
    """The activity feed of a data source."""
    table = Table()
    for column in ("when", "type", "person", "attributes"):
        table.add_column(column)
    shown = 0
    for activity in _first(syncer.cdp.activities(data_source=source_id), limit):
        shown += 1
        _row(table, str(activity.occurred_at), activity.type, str(activity.person_id),
                      ", ".join(f"{k}={v}" for k, v in activity.attributes.items()))
    return _caption(table, shown, limit, lambda: _count_activities(syncer, source_id), "activities")


def _first(items: Iterator, limit: int) -> Iterator:
    for count, item in enumerate(items):
        if count >= limit:
            return
        yield item


def _row(table: Table, *cells: str) -> None:
    """A row of literal text: ``[/red]`` in a name is a name, not markup."""
    table.add_row(*(Text(cell) for cell in cells))


def _caption(table: Table, shown: int, limit: int, total, noun: str) -> Table:
    """Say how many of how many rows the table shows; count only when the limit cut it."""
    everything = shown if shown < limit else total()
    table.caption = (f"{shown} of {everything} {noun} (--limit N shows more)" if everything > shown
                     else f"{shown} {noun}")
    return table


def _count(syncer: Syncer, table: sa.Table, link_column: sa.Column, source_id: int | None) -> int:
    """Rows of ``table`` (people or organizations), of one data source when ``source_id`` is given."""
    query = sa.select(sa.func.count()).select_from(table)
    if source_id is not None:
        query = query.where(table.c.id.in_(sa.select(link_column).where(link_table.c.data_source_id == source_id)))
    with syncer.cdp.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _count_activities(syncer: Syncer, source_id: int | None) -> int:
    query = sa.select(sa.func.count()).select_from(activity_table)
    if source_id is not None:
        query = query.where(activity_table.c.data_source_id == source_id)
    with syncer.cdp.engine.connect() as conn:
        return conn.execute(query).scalar_one()
