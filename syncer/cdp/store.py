"""``CDP``: the customer data platform's storage, opened on any SQLAlchemy URL.

Each merge call is one page in one transaction: load the page's candidates, set apart the
records that only create a person (``merge.split_fresh``), plan the rest with the pure merge
engine, write the result. Write transactions are serialised — ``BEGIN IMMEDIATE`` on
SQLite, a transaction-scoped advisory lock on PostgreSQL — because a backfill and the
incremental poll run in parallel (rule 34) and may both create the same person: each page must
plan against the other's committed rows, not race it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from . import custom_objects, fields as f
from . import orglinks, readers
from .activities import ActivityRecord, ActivitySummary, write_activities
from .candidates import IncomingRecord, as_utc
from .fastpath import gc_paused
from .merge import CREATED, MERGED, FreshPerson, Outcome, plan_batch, plan_org_batch, split_fresh
from .models import (
    ORG_COLUMNS,
    PERSON_COLUMNS,
    DataSource,
    link_table,
    migrate,
    org_table,
    person_table,
    utcnow,
)
from .orgwriter import apply_orgs, load_org_candidates
from .settings import MergeSettings, PeopleSettings
from .writer import apply_people, chunked, load_people_candidates

_ACTION, _MATCHED_BY, _REASON = (attrgetter(name) for name in ("action", "matched_by", "reason"))
_WRITE_LOCK_KEY = 0x5F_CD_70  # PostgreSQL advisory lock id shared by every CDP writer
_L = link_table.c


@dataclass(eq=False)
class PageSummary:
    """The result of merging one page: counts by outcome label, and every outcome in order.

    The outcomes of records created apart from the planner (``merge.split_fresh``) are built
    when ``outcomes`` is first read: syncing only counts, so it never pays for them.
    """

    planned: list[Outcome]
    counts: Counter = field(default_factory=Counter)
    positions: Sequence[int] | None = None  # the planned outcomes' page positions (with fresh)
    fresh: Sequence[FreshPerson] = ()
    _outcomes: list[Outcome] | None = None

    @classmethod
    def of(cls, outcomes: list[Outcome], positions: Sequence[int] | None = None,
           fresh: Sequence[FreshPerson] = ()) -> PageSummary:
        """Summarise outcomes (labels: ``created``, ``merged:<key>``, skip reasons)."""
        # Counted by (action, key, reason) in C, then labelled once per distinct triple.
        triples = Counter(zip(map(_ACTION, outcomes), map(_MATCHED_BY, outcomes),
                              map(_REASON, outcomes)))
        counts: Counter = Counter()
        for triple, count in triples.items():
            counts[Outcome(None, *triple).label] += count
        if fresh:
            counts[CREATED] += len(fresh)
        return cls(outcomes, counts, positions, fresh)

    @property
    def outcomes(self) -> list[Outcome]:
        """Every record's outcome, in page order."""
        if not self.fresh:
            return self.planned
        if self._outcomes is None:
            by_position = dict(zip(self.positions, self.planned))
            by_position.update((person.position, person.outcome()) for person in self.fresh)
            self._outcomes = [by_position[i] for i in range(len(by_position))]
        return self._outcomes

    @property
    def created(self) -> int:
        """Records that created a person or organisation."""
        return self.counts[CREATED]

    @property
    def merged(self) -> int:
        """Records merged into an existing person or organisation."""
        return sum(n for label, n in self.counts.items() if label.startswith(f"{MERGED}:"))

    @property
    def skipped(self) -> int:
        """Records skipped (``skipped_non_existing``, ``ignored_existing``, ``stale``)."""
        return sum(self.counts.values()) - self.created - self.merged


def create_engine(url: str) -> sa.Engine:
    """An engine for a CDP database; on SQLite: 2 KB pages, WAL, a 64 MB page cache, writers BEGIN IMMEDIATE."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, so writers can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # 2 KB pages (new databases only; an existing file keeps its size): a merge page updates
        # people scattered over the whole table, and every touched page is written to the WAL
        # whole, so smaller pages write less (bench/merge_bench.py: ~20% faster than 4 KB).
        # Rows up to ~2 KB still fit a page (a person with many custom fields, say).
        cursor.execute("PRAGMA page_size=2048")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # merges touch pages all over the tables
        # Checkpoint every ~20 MB of WAL rather than 2 MB: pages that several merge pages
        # update are then copied back to the database once, not once per page.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("cdp_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _source_id(data_source: DataSource | int) -> int:
    return data_source if isinstance(data_source, int) else data_source.id


class CDP:
    """The CDP: data sources, people, organisations, activities, and page merges."""

    def __init__(self, url: str = "sqlite:///cdp.db") -> None:
        self.url = url
        self.engine = create_engine(url)
        migrate(self.engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One serialised write transaction (see the module docstring)."""
        with self.engine.connect().execution_options(cdp_write=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                # No JIT in the transaction: page statements run for milliseconds, and an estimate
                # off on a fresh table (never analysed yet) made JIT compile one for ~0.1 s.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key), "
                                     "set_config('jit', 'off', true)"), {"key": _WRITE_LOCK_KEY})
            yield conn

    # --- data sources --------------------------------------------------------------------

    def create_data_source(self, name: str, org_id: str | None = None,
                           settings: Mapping[str, Any] | None = None) -> DataSource:
        """Register a connected Salesforce org; a re-added org gets a new id (rule 47)."""
        source = DataSource(name=name, org_id=org_id, settings=dict(settings or {}))
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(source)
            session.commit()
        return source

    def get_data_source(self, data_source_id: int) -> DataSource:
        """A data source by id; ``LookupError`` when there is none."""
        with Session(self.engine, expire_on_commit=False) as session:
            source = session.get(DataSource, data_source_id)
        if source is None:
            raise LookupError(f"no data source with id {data_source_id}")
        return source

    def update_data_source(self, data_source_id: int, **changes: Any) -> DataSource:
        """Change name, state, status_note, settings or bookmarks of a data source."""
        allowed = {"name", "state", "status_note", "settings", "bookmarks", "org_id"}
        if unknown := set(changes) - allowed:
            raise ValueError(f"cannot update data source fields {sorted(unknown)}")
        # A write transaction from its BEGIN (IMMEDIATE on SQLite): a plain transaction that reads
        # the row and then writes cannot wait for a backfill's page merge — SQLite fails it at once
        # with "database is locked" — and a poll saves its cursor here beside a backfill.
        with Session(self.engine.execution_options(cdp_write=True), expire_on_commit=False) as session:
            source = session.get(DataSource, data_source_id)
            if source is None:
                raise LookupError(f"no data source with id {data_source_id}")
            for key, value in changes.items():
                setattr(source, key, value)
            source.updated_at = utcnow()
            session.commit()
        return source

    # --- merges --------------------------------------------------------------------------

    def merge_people_page(self, data_source: DataSource | int,
                          records: Sequence[Mapping[str, Any] | IncomingRecord],
                          settings: PeopleSettings | None = None,
                          now: datetime | None = None) -> PageSummary:
        """Merge a page of mapped Contacts/Leads (dicts: CDP field ids + ``sf_id`` …)."""
        return self._merge_people(_source_id(data_source), records,
                                  settings or PeopleSettings(), as_utc(now) or utcnow())

    @gc_paused()
    def _merge_people(self, source_id: int, records: Sequence[Mapping[str, Any] | IncomingRecord],
                      settings: PeopleSettings, now: datetime) -> PageSummary:
        # One collector pause for the whole page (see ``fastpath.gc_paused``), records
        # included: the page's records, rows and index are freed when this returns, before the
        # collector resumes, so it only ever sees the summary's outcomes (once, not per step).
        incoming = [r if isinstance(r, IncomingRecord) else IncomingRecord.from_mapping(r)
                    for r in records]
        with self.writing() as conn:
            index = load_people_candidates(conn, source_id, incoming, settings, now)
            positions, fresh = split_fresh(incoming, index, settings)
            outcomes = plan_batch([incoming[i] for i in positions], index, settings)
            apply_people(conn, source_id, outcomes, now, positions, fresh)
            if index.org_rederive:  # rule 17: see ``orglinks``
                orglinks.rederive(conn, [p.id for p in index.org_rederive], now)
        return PageSummary.of(outcomes, positions, fresh)

    def merge_organizations_page(self, data_source: DataSource | int,
                                 records: Sequence[Mapping[str, Any] | IncomingRecord],
                                 settings: MergeSettings | None = None,
                                 now: datetime | None = None) -> PageSummary:
        """Merge a page of mapped Accounts (dicts: ``sf_id`` = Account Id, ``str:o:name`` …)."""
        source_id = _source_id(data_source)
        settings = settings or MergeSettings()
        incoming = [r if isinstance(r, IncomingRecord)
                    else IncomingRecord.from_mapping(r, sf_object="Account") for r in records]
        now = as_utc(now) or utcnow()
        with self.writing() as conn:
            index = load_org_candidates(conn, source_id, incoming, settings, now)
            outcomes = plan_org_batch(incoming, index, settings)
            apply_orgs(conn, source_id, outcomes, now)
        return PageSummary.of(outcomes)

    def add_activities(self, data_source: DataSource | int,
                       activities: Iterable[ActivityRecord | Mapping[str, Any]]) -> ActivitySummary:
        """Store a page of activities, idempotent per (data source, activity key)."""
        with self.writing() as conn:
            return write_activities(conn, _source_id(data_source), activities)

    # --- custom-object records (rule 53) ---------------------------------------------------

    def write_custom_records(self, data_source: DataSource | int, sobject: str,
                             records: Iterable[custom_objects.CustomRecord],
                             create_people: bool = False) -> Counter:
        """Upsert and link a page of one custom object's records; counts by outcome."""
        with self.writing() as conn:
            return custom_objects.write_records(conn, _source_id(data_source), sobject, records,
                                                create_people)

    def relink_custom_records(self, data_source: DataSource | int, sobject: str) -> int:
        """Link unlinked records of an object whose person exists now; return how many."""
        with self.writing() as conn:
            return custom_objects.relink(conn, _source_id(data_source), sobject)

    def custom_records(self, data_source: DataSource | int | None = None,
                       sobject: str | None = None) -> Iterator[custom_objects.CustomRecordView]:
        """Custom-object records in id order (a generator), optionally of one source/object."""
        source = None if data_source is None else _source_id(data_source)
        return custom_objects.iter_records(self.engine, source, sobject)

    # --- changes made outside Salesforce (CSV, API, admin) ---------------------------------

    def add_person(self, values: Mapping[str, Any], created_at: datetime | None = None,
                   email_permission: bool = True, sms_permission: bool = False) -> int:
        """Create a person as a CSV or API import would (no hidden Salesforce Id)."""
        normal = {k: v for k, v in f.normalize_fields(dict(values)).items() if v is not None}
        row = {column: normal.pop(field_id, None) for field_id, column in PERSON_COLUMNS.items()}
        now = utcnow()
        row.update(field_values=normal, email_permission=email_permission,
                   sms_permission=sms_permission, email_unsubscribed_in_cdp=False,
                   sms_unsubscribed_in_cdp=False, archived=False,
                   created_at=as_utc(created_at) or now, updated_at=now)
        with self.writing() as conn:
            return conn.execute(sa.insert(person_table).returning(person_table.c.id),
                                row).scalar_one()

    def add_organization(self, values: Mapping[str, Any],
                         created_at: datetime | None = None) -> int:
        """Create an organisation as a CSV or API import would (no Account Id)."""
        normal = {k: v for k, v in f.normalize_fields(dict(values)).items() if v is not None}
        name = normal.pop(f.ORG_NAME, None)
        now = utcnow()
        row = {ORG_COLUMNS[f.ORG_NAME]: name, "name_key": f.name_key(name), "field_values": normal,
               "archived": False, "created_at": as_utc(created_at) or now, "updated_at": now}
        with self.writing() as conn:
            return conn.execute(sa.insert(org_table).returning(org_table.c.id), row).scalar_one()

    def unsubscribe(self, person_id: int, channel: str = "email") -> None:
        """A CDP-side unsubscribe (link, admin, API, journey); Salesforce never undoes it (20)."""
        if channel not in ("email", "sms"):
            raise ValueError(f"channel must be 'email' or 'sms', not {channel!r}")
        values = {f"{channel}_permission": False, f"{channel}_unsubscribed_in_cdp": True,
                  "updated_at": utcnow()}
        with self.writing() as conn:
            conn.execute(sa.update(person_table).where(person_table.c.id == person_id)
                         .values(**values))

    # --- archive and delete (rules 32, 33, 39) ---------------------------------------------

    def archive(self, data_source: DataSource | int, sf_ids: Sequence[str]) -> int:
        """Archive the people/organisations holding these hidden Ids; return how many."""
        return self._archive_targets(_source_id(data_source), sf_ids, unlink=False)

    def remove_sf_records(self, data_source: DataSource | int, sf_ids: Sequence[str]) -> int:
        """Drop deleted records' hidden Ids; archive targets no other Id references (rule 39)."""
        return self._archive_targets(_source_id(data_source), sf_ids, unlink=True)

    def _archive_targets(self, source_id: int, sf_ids: Sequence[str], unlink: bool) -> int:
        archived = 0
        with self.writing() as conn:
            for chunk in chunked(list(dict.fromkeys(sf_ids))):
                where = (_L.data_source_id == source_id, _L.sf_id.in_(chunk))
                rows = list(conn.execute(sa.select(_L.person_id, _L.organization_id,
                                                   _L.account_id).where(*where)))
                if unlink:
                    # Rule 17: whoever this contact linked to its Account's organisation
                    # follows the contacts it still holds (see ``orglinks``).
                    linked = orglinks.people_linked_through(
                        conn, source_id, [(r.person_id, r.account_id) for r in rows])
                    conn.execute(sa.delete(link_table).where(*where))
                    orglinks.rederive(conn, linked, utcnow())
                for table, column, ids in (
                        (person_table, _L.person_id, {r.person_id for r in rows} - {None}),
                        (org_table, _L.organization_id, {r.organization_id for r in rows} - {None})):
                    if unlink and ids:
                        ids -= set(conn.execute(sa.select(column).where(column.in_(ids))).scalars())
                    if ids:
                        archived += conn.execute(
                            sa.update(table).where(table.c.id.in_(ids), table.c.archived.is_(False))
                            .values(archived=True, updated_at=utcnow())).rowcount
        return archived

    # --- readers -------------------------------------------------------------------------

    def people(self, data_source: DataSource | int | None = None, include_archived: bool = True,
               email: str | None = None) -> Iterator[readers.PersonView]:
        """People in id order (a generator); filter by source, archived state or email."""
        source = None if data_source is None else _source_id(data_source)
        return readers.iter_people(self.engine, source, include_archived, email)

    def organizations(self, data_source: DataSource | int | None = None,
                      include_archived: bool = True) -> Iterator[readers.OrganizationView]:
        """Organisations in id order (a generator)."""
        source = None if data_source is None else _source_id(data_source)
        return readers.iter_organizations(self.engine, source, include_archived)

    def activities(self, person_id: int | None = None, type: str | None = None,
                   data_source: DataSource | int | None = None) -> Iterator[readers.ActivityView]:
        """Activities in id order (a generator), optionally filtered."""
        source = None if data_source is None else _source_id(data_source)
        return readers.iter_activities(self.engine, person_id, type, source)

    def person(self, person_id: int) -> readers.PersonView | None:
        """One person by id."""
        return readers.person_by_id(self.engine, person_id)

    def organization(self, org_id: int) -> readers.OrganizationView | None:
        """One organisation by id."""
        return readers.organization_by_id(self.engine, org_id)

    def person_by_sf_id(self, data_source: DataSource | int, sf_id: str) -> readers.PersonView | None:
        """The person holding a hidden Contact/Lead Id of a source."""
        found = readers.target_of(self.engine, _source_id(data_source), sf_id)
        return self.person(found[1]) if found and found[0] == "person" else None

    def organization_by_sf_id(self, data_source: DataSource | int,
                              sf_id: str) -> readers.OrganizationView | None:
        """The organisation holding a hidden Account Id of a source."""
        found = readers.target_of(self.engine, _source_id(data_source), sf_id)
        return self.organization(found[1]) if found and found[0] == "organization" else None
