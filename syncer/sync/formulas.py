"""Rule 40: the optional daily refresh of formula and roll-up fields.

A formula or roll-up summary field (``calculated`` in the describe) takes new values without its
record's ``SystemModstamp`` moving, so polls never see them: they reach the CDP when the record
next changes, or with a backfill. With ``[sync] formula_refresh = "daily"`` (off by default), a
poll also re-reads, once a day per stream, the mapped calculated fields of every record that
matches the current filters — REST keyset pages over ``Id``, like a backfill, with only ``Id``,
the stamps, the stream's link fields and those fields — and merges just those values into the
people and organizations that already hold the record's hidden id. A refresh never creates,
links or archives anyone: it merges with ``skip_non_existing`` and leaves permissions alone.
The records' stamps did not move, so the merge's stale check lets the values in; the configured
merge strategy applies as to any record.

"Once a day" is by Salesforce's clock (the poll's window end), from the stream's initial sync,
which read every formula anyway; when each stream was last read in full is kept in the data
source's bookmarks (``state.Bookmarks``). Custom objects kept as custom-object records are not refreshed
(their rows are written whole). A refresh stopped by a crash or the API budget is done again, in
full, by the next poll.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from .reading import id_pages
from .streams import Role, to_cdp_records

if TYPE_CHECKING:  # the run imports the modules this one does
    from .run import StreamRun
    from .state import Bookmarks

OFF, DAILY = "off", "daily"
CHOICES = (OFF, DAILY)
REFRESHED = "formulas:refreshed"


def calculated(mapping: dict[str, str], described: Iterable[dict]) -> dict[str, str]:
    """The mapped formula and roll-up fields (``described``: the object's describe fields)."""
    names = {d["name"] for d in described if d.get("calculated")}
    return {name: target for name, target in mapping.items() if name in names}


def refresh(run: StreamRun, bookmarks: Bookmarks, now: datetime, initial: bool) -> bool:
    """Once a stream's window is committed: refresh its calculated fields when a day has passed
    since they were last read in full (an initial sync read them all: it starts the day).
    True when the bookmarks changed (the caller saves them)."""
    stream = run.stream
    if run.context.settings.formula_refresh != DAILY or stream.role not in (Role.PERSON, Role.ORGANIZATION):
        return False
    if not initial:
        if not bookmarks.formulas_due(stream.name, now):
            return False
        _refresh(run)
    bookmarks.formulas_read(stream.name, now)
    return True


def _refresh(run: StreamRun) -> None:
    """Read and merge every matching record's mapped calculated fields; count how many merged."""
    context, stream = run.context, run.stream
    formula = calculated(run.mapping, context.describe(stream.name)["fields"])
    if not formula:
        return
    select = tuple(dict.fromkeys(["Id", "SystemModstamp", *stream.system_fields, *formula]))
    query = run.query(select=select, filter_in_query=True)  # asked of Salesforce: nothing is archived
    settings = context.settings
    people = replace(settings.people, email_permission=None, sms_permission=None,
                     merge=replace(settings.people.merge, skip_non_existing=True))
    organizations = replace(settings.organizations, skip_non_existing=True)
    merged = 0
    for page, _ in id_pages(context.client, query):
        if page:
            records = to_cdp_records(stream, page, formula, {})
            if stream.role is Role.ORGANIZATION:
                result = context.cdp.merge_organizations_page(context.source, records, organizations)
            else:
                result = context.cdp.merge_people_page(context.source, records, people)
            merged += sum(n for label, n in result.counts.items() if label.startswith("merged"))
        context.check_budget()
    run.summary.counts[REFRESHED] += merged
