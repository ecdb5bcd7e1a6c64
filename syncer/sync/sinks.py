"""Where a page of records goes in the CDP: one sink per stream role, chosen once per stream.

People and organisations are merged (deleted records drop their hidden ids, rule 39; with
auto-archive, records that no longer match the filter are archived and those matching again
restored, rules 32–33); activities are stored by key (rules 22–25); custom-object records are
upserted and linked to their people (rule 53). Each ``write`` is one page, and each CDP call
in it one transaction; the counts go to the stream's summary.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..cdp import sources as housekeeping
from . import custom, filters
from .streams import Role, to_activity, to_cdp_records

if TYPE_CHECKING:  # the run makes a stream's sink
    from ..cdp.store import PageSummary
    from .run import StreamRun


class Sink:
    """A stream's records into the CDP."""

    def __init__(self, run: StreamRun) -> None:
        self.stream, self.mapping, self.group = run.stream, run.mapping, run.group
        self.cdp, self.source, self.settings = run.context.cdp, run.context.source, run.context.settings
        self.counts = run.summary.counts

    def before_window(self) -> None:
        """Before a poll reads the stream's window (nothing for most roles)."""

    def write(self, page: list[dict]) -> None:
        """Write one page of Salesforce records (REST shapes)."""
        raise NotImplementedError


class _Merged(Sink):
    """People or organisations: merged page by page under the configured strategy."""

    def write(self, page: list[dict]) -> None:
        deleted = [r["Id"] for r in page if r.get("IsDeleted")]
        live = [r for r in page if not r.get("IsDeleted")]
        archiving = self.group is not None and self.settings.auto_archive
        if archiving:
            # Auto-archive (rule 32): the records this read saw that no longer match are archived;
            # records it did not see are not re-evaluated.
            leaving = [r["Id"] for r in live if not filters.matches(self.group, r)]
            live = [r for r in live if filters.matches(self.group, r)]
            if leaving:
                self.counts["archived:not_matching"] += self.cdp.archive(self.source, leaving)
        if deleted:
            self.cdp.remove_sf_records(self.source, deleted)
            self.counts["deleted"] += len(deleted)
        if not live:
            return
        permissions = self.settings.permission_fields
        records = to_cdp_records(self.stream, live, self.mapping, permissions)
        self.counts.update(self.merge(records).counts)
        if archiving:
            restored = housekeeping.restore(self.cdp, self.source.id, [r["Id"] for r in live])
            if restored:
                self.counts["restored"] += restored  # archived, now matching again (rule 33)

    def merge(self, records: list[dict]) -> PageSummary:
        """Merge one page of mapped records."""
        raise NotImplementedError


class People(_Merged):
    """Contacts and leads."""

    def merge(self, records: list[dict]) -> PageSummary:
        return self.cdp.merge_people_page(self.source, records, self.settings.people)


class Organizations(_Merged):
    """Accounts."""

    def merge(self, records: list[dict]) -> PageSummary:
        return self.cdp.merge_organizations_page(self.source, records, self.settings.organizations)


class Activities(Sink):
    """Opportunities (by their primary contact role), campaign members and tasks."""

    def write(self, page: list[dict]) -> None:
        live = [r for r in page if not r.get("IsDeleted")]
        if deleted := len(page) - len(live):
            self.counts["skipped:deleted_activity"] += deleted
        if not live:
            return
        activities = [to_activity(self.stream, r) for r in live]
        if missing := sum(1 for a in activities if a is None):
            reason = "no_primary_contact_role" if self.stream.activity_type == "opportunity" else "no_person"
            self.counts[f"skipped:{reason}"] += missing
        result = self.cdp.add_activities(self.source, [a for a in activities if a])
        self.counts["activities:inserted"] += result.inserted
        self.counts["activities:updated"] += result.updated
        if result.skipped_no_person:
            self.counts["skipped:person_not_synced"] += result.skipped_no_person


class CustomRecords(Sink):
    """A configured custom object's records, linked to people (rule 53)."""

    def before_window(self) -> None:
        # People synced since the last poll may be the ones earlier records were waiting for.
        if relinked := self.cdp.relink_custom_records(self.source, self.stream.name):
            self.counts["relinked"] += relinked

    def write(self, page: list[dict]) -> None:
        obj = self.settings.custom_objects[self.stream.name]
        records = [custom.to_custom_record(obj, r, self.mapping) for r in page]
        self.counts.update(self.cdp.write_custom_records(
            self.source, self.stream.name, records, obj.identifier.create_people))


SINKS: dict[Role, type[Sink]] = {Role.PERSON: People, Role.ORGANIZATION: Organizations,
                                 Role.ACTIVITY: Activities, Role.CUSTOM_OBJECT: CustomRecords}


def sink_for(run: StreamRun) -> Sink:
    """The sink of a stream's role."""
    return SINKS[run.stream.role](run)
