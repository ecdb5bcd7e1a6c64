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
which read every formula anyway. Custom objects kept as custom-object records are not refreshed
(their rows are written whole). A refresh stopped by a crash or the API budget is done again, in
full, by the next poll.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import filters
from .streams import Role, Stream, to_cdp_record

if TYPE_CHECKING:  # the engine imports this module
    from .engine import Poll, StreamSummary

OFF, DAILY = "off", "daily"
CHOICES = (OFF, DAILY)
INTERVAL = timedelta(days=1)
BOOKMARK = "_formulas"  # {stream: when its calculated fields were last read in full}
REFRESHED = "formulas:refreshed"


def calculated(mapping: dict[str, str], described: Iterable[dict]) -> dict[str, str]:
    """The mapped formula and roll-up fields (``described``: the object's describe fields)."""
    names = {d["name"] for d in described if d.get("calculated")}
    return {name: target for name, target in mapping.items() if name in names}


def due(bookmarks: dict, stream: str, now: datetime) -> bool:
    """Whether the stream's calculated fields were last read in full a day or more ago (or never)."""
    last = (bookmarks.get(BOOKMARK) or {}).get(stream)
    return last is None or now - datetime.fromisoformat(last) >= INTERVAL


class FormulaRefresh:
    """What a poll adds for rule 40 (mixed into ``engine.Poll``, whose helpers it uses)."""

    def refresh_formulas(self: Poll, stream: Stream, initial: bool, summary: StreamSummary) -> None:
        """Once a stream's window is committed: refresh its calculated fields when a day has
        passed since they were last read in full (an initial sync read them all: it starts the day)."""
        if self.settings.formula_refresh != DAILY or stream.role not in (Role.PERSON, Role.ORGANIZATION):
            return
        now = self.server_now
        if not initial:
            if not due(self.bookmarks, stream.name, now):
                return
            self._refresh(stream, summary)
        self.bookmarks.setdefault(BOOKMARK, {})[stream.name] = now.isoformat()
        self.cdp.update_data_source(self.source.id, bookmarks=dict(self.bookmarks))

    def _refresh(self: Poll, stream: Stream, summary: StreamSummary) -> int:
        """Read and merge every matching record's mapped calculated fields; how many merged."""
        from .engine import PAGE_SIZE
        formula = calculated(self._mapping(stream, summary), self._describe(stream.name)["fields"])
        if not formula:
            return 0
        select = ", ".join(dict.fromkeys(["Id", "SystemModstamp", *stream.system_fields, *formula]))
        conditions = [stream.where] if stream.where else []
        if (group := self._filter(stream)) is not None:
            conditions.append(filters.to_soql(group))  # asked of Salesforce: nothing is archived
        people = replace(self.settings.people, email_permission=None, sms_permission=None,
                         merge=replace(self.settings.people.merge, skip_non_existing=True))
        organizations = replace(self.settings.organizations, skip_non_existing=True)
        after, merged = None, 0
        while True:
            where = " AND ".join(conditions + ([f"Id > '{after}'"] if after else []))
            soql = (f"SELECT {select} FROM {stream.name}{' WHERE ' + where if where else ''} "
                    f"ORDER BY Id LIMIT {PAGE_SIZE}")
            page = next(self.client.query_pages(soql, include_deleted=False))
            if page:
                records = [to_cdp_record(stream, r, formula, {}) for r in page]
                if stream.role is Role.ORGANIZATION:
                    result = self.cdp.merge_organizations_page(self.source, records, organizations)
                else:
                    result = self.cdp.merge_people_page(self.source, records, people)
                merged += sum(n for label, n in result.counts.items() if label.startswith("merged"))
                after = page[-1]["Id"]
            self._check_budget()
            if len(page) < PAGE_SIZE:
                break
        summary.counts[REFRESHED] += merged
        return merged
