"""The syncer's operations on data sources — what the CLI and the Gherkin adapter both call.

Life cycle (rule 45): Connected ⇄ Updating; auth failure → Needs attention; user action →
Disconnected; Deleted only from Disconnected. Disconnect keeps every CDP record and the cursors
(rule 46); reconnect reuses the data source and its cursors, so the first poll imports only what
changed since the last committed request (rule 38). Delete removes the connection, its hidden
Salesforce ids and cursors; people, organisations and activities stay in the CDP, as the seed's
note says (it overrides rule 47's "along with all associated activities").
"""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import requests

from . import credentials as stored
from .cdp import CDP, DataSource, sources as housekeeping
from .config import ConfigurationError, Settings
from .salesforce import AuthError, Credentials, SalesforceClient, make_session
from .sync.engine import Poll, PollSummary
from .sync.state import (CONNECTED, DELETED, DISCONNECTED, NEEDS_ATTENTION, UPDATING, Bookmarks,
                         is_due)


class SourceStateError(Exception):
    """An operation the data source's state does not allow (e.g. delete while connected)."""


class SourceBusy(SourceStateError):
    """Another worker holds the data source's poll lease."""


def open_cdp(url: str) -> CDP:
    """The CDP at ``url``; a URL that names no reachable, writable database is a configuration error."""
    import sqlalchemy.exc
    try:
        return CDP(url)
    except (sqlalchemy.exc.SQLAlchemyError, ModuleNotFoundError, OSError) as error:
        detail = getattr(error, "orig", None) or error
        raise ConfigurationError(f"cannot open the CDP database [cdp] url = {url!r}: "
                                 f"{str(detail).splitlines()[0]}") from None


def wall_clock() -> datetime:
    """Now, in UTC: the syncer's clock unless a caller (a test, a simulation) brings its own."""
    return datetime.now(timezone.utc)


class Syncer:
    """Data sources of one CDP, configured by one settings file.

    ``clock`` is when the syncer thinks it is; it decides which data sources are due (rule 35).
    Cursors never use it: they follow Salesforce's own server time (rule 36).
    """

    def __init__(self, settings: Settings, session_factory: Callable[[], requests.Session] | None = None,
                 clock: Callable[[], datetime] = wall_clock) -> None:
        self.settings = settings
        self.cdp = open_cdp(settings.cdp_url)
        ca = settings.connection.ca_bundle
        self.session_factory = session_factory or (lambda: make_session(verify=ca))
        self.clock = clock
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def close(self) -> None:
        """Release the CDP connection pool."""
        self.cdp.close()

    # -- connecting -------------------------------------------------------------------------
    def connect(self, creds: Credentials, source_id: int | None = None, another: bool = False) -> DataSource:
        """Register (or, with ``source_id``, reconnect) a data source with working credentials.

        An org that already has a live data source is refused unless ``another`` is asked for:
        a second source for one org imports every record twice over.
        """
        stored.check_writable(self.settings.state_dir)
        client = self.client_for(creds)
        if not creds.access_token:
            client.refresh()
        identity = client.call(lambda sf: sf.restful(""))  # resources; proves the token works
        org_id = identity.get("identity", "").rstrip("/").split("/")[-2] if identity.get("identity") else None
        now = datetime.now(timezone.utc).isoformat()
        if source_id is None:
            twin = next((s for s in self.sources() if org_id and s.org_id == org_id and s.state != DELETED), None)
            if twin is not None and not another:
                raise SourceStateError(
                    f"org {org_id} is already connected as data source {twin.id} ({twin.name}, "
                    f"{twin.state}); run syncer reconnect --source {twin.id} to re-authorize it, or "
                    f"connect --another to add a second data source for the same org")
            source = self.cdp.create_data_source(self.settings.name, org_id=org_id, settings={
                **self.settings.to_json(), "connected_at": now, "sandbox": self.settings.connection.sandbox})
        else:
            source = self.source(source_id)
            if source.state == DELETED:
                raise SourceStateError(f"data source {source_id} was deleted; connect a new one")
            if source.org_id and org_id and source.org_id != org_id:
                raise SourceStateError(f"data source {source_id} belongs to org {source.org_id}, "
                                       f"not {org_id}")
            source = self.cdp.update_data_source(source_id, state=CONNECTED, status_note=None)
        stored.save(self.settings.state_dir, source.id, client.credentials)
        return source

    def client_for(self, creds: Credentials, source_id: int | None = None) -> SalesforceClient:
        """A Salesforce client whose rotated refresh tokens are saved as they arrive (rule 42)."""
        def keep(_token: str) -> None:
            if source_id is not None:
                stored.save(self.settings.state_dir, source_id, creds)
        return SalesforceClient(creds, session=self.session_factory(), on_refresh_token=keep)

    def source(self, source_id: int | None = None) -> DataSource:
        """A data source by id, or the only live one when no id is given."""
        if source_id is not None:
            return self.cdp.get_data_source(source_id)
        live = [s for s in self.sources() if s.state != DELETED]
        if len(live) != 1:
            raise SourceStateError(f"{len(live)} data sources; say which one (--source ID)")
        return live[0]

    def sources(self) -> list[DataSource]:
        """Every Salesforce data source of the CDP."""
        from sqlmodel import Session, select
        with Session(self.cdp.engine, expire_on_commit=False) as session:
            return list(session.exec(select(DataSource).where(DataSource.kind == "salesforce")
                                     .order_by(DataSource.id)))

    # -- syncing ----------------------------------------------------------------------------
    def connected(self, source_id: int | None = None) -> tuple[DataSource, SalesforceClient]:
        """A connected data source and a client on its stored credentials.

        A disconnected or deleted source is refused; one whose credentials are gone goes to
        *Needs attention* (it has to be reconnected).
        """
        source = self.source(source_id)
        if source.state in (DISCONNECTED, DELETED):
            raise SourceStateError(f"data source {source.id} is {source.state}; reconnect it first")
        creds = stored.load(self.settings.state_dir, source.id)
        if creds is None:
            self.cdp.update_data_source(source.id, state=NEEDS_ATTENTION,
                                        status_note="no stored credentials; run syncer reconnect")
            raise AuthError("no stored credentials; run syncer reconnect")
        return source, self.client_for(creds, source.id)

    def sync(self, source_id: int | None = None, progress: Callable[[str, int], None] | None = None,
             total: Callable[[str, int], None] | None = None) -> PollSummary:
        """One poll of a data source (its initial sync when it has no cursors yet).

        ``progress(stream, records)`` follows each committed page; ``total(stream, rows)`` is
        told a stream's size when the poll counted it (a first window's ``COUNT()``).
        """
        source, client = self.connected(source_id)
        with self._lease(source.id) as renew:
            def advance(stream: str, count: int) -> None:
                renew()
                if progress:
                    progress(stream, count)
            try:
                summary = Poll(self.cdp, source, self.settings, client, advance, started=self.clock(),
                               total=total).run()
            except KeyboardInterrupt:
                # The poll has set the state back; say why it stopped (the next poll clears it).
                self.cdp.update_data_source(source.id, status_note="interrupted; the next poll resumes "
                                            "after the last committed page")
                raise
        retention = timedelta(days=self.settings.activity_retention_days)
        pruned = housekeeping.prune_activities(self.cdp, source.id, datetime.now(timezone.utc) - retention)
        if pruned:
            summary.note = ((summary.note + "; ") if summary.note else "") + f"{pruned} activities past retention pruned"
        return summary

    def backfill(self, source_id: int | None = None,
                 progress: Callable[[str, int], None] | None = None) -> PollSummary:
        """Run or resume a backfill of a data source (rule 34)."""
        from .sync.backfill import Backfill
        source, client = self.connected(source_id)
        return Backfill(self.cdp, source, self.settings, client, progress).run()

    def backfill_counts(self, source_id: int) -> tuple[int, int]:
        """Records a backfill has read and the total it counted so far (streams counted as they start)."""
        from .sync.backfill import progress
        backfill = progress(self.cdp, source_id)
        return backfill.counts() if backfill else (0, 0)

    def backfill_percent(self, source_id: int) -> int | None:
        """How far a running backfill is (None when none runs)."""
        from .sync.backfill import progress
        backfill = progress(self.cdp, source_id)
        return backfill.percent() if backfill else None

    def outbound(self, source_id: int | None = None):
        """Send the chosen CDP activity types to Salesforce as completed Tasks (rule 49)."""
        from .sync.outbound import send
        source, client = self.connected(source_id)
        return send(self.cdp, source.id, client, self.settings.outbound_activities)

    def salesforce(self, source_id: int | None = None) -> SalesforceClient:
        """A client on a data source's stored credentials (journey-style actions)."""
        return self.connected(source_id)[1]

    def count_people(self, source_id: int) -> int:
        """People holding a hidden id of this source (the audience size)."""
        return housekeeping.count_people(self.cdp, source_id)

    def run_due(self, progress: Callable[[str, int], None] | None = None) -> dict[int, PollSummary]:
        """Poll every connected source whose interval has passed (``syncer run``).

        Each data source keeps its own cadence: it is due ``poll_interval_minutes`` after its own
        last poll started, by this syncer's clock (rule 35). A source left *Updating* by a poll
        that died (killed, machine lost) is polled again once that poll's lease has lapsed; one
        another worker is polling is left to it.
        """
        interval = timedelta(minutes=self.settings.poll_interval_minutes)
        now = self.clock()
        results = {}
        for source in self.sources():
            if source.state not in (CONNECTED, UPDATING) or not is_due(self.last_poll(source), now, interval):
                continue
            try:
                results[source.id] = self.sync(source.id, progress)
            except SourceBusy:
                continue
        return results

    @contextmanager
    def _lease(self, source_id: int) -> Iterator[Callable[[], None]]:
        """Hold the data source's poll lease (one poll at a time, across processes and machines).

        The lease outlives a dead worker by its time-to-live only; a live one renews it every
        minute as pages commit, so a long initial sync keeps it.
        """
        ttl = max(2 * timedelta(minutes=self.settings.poll_interval_minutes), timedelta(minutes=10))
        if not housekeeping.claim(self.cdp, source_id, self.worker, ttl):
            raise SourceBusy(f"data source {source_id} is being polled by another worker")
        renewed = time.monotonic()

        def renew() -> None:
            nonlocal renewed
            if time.monotonic() - renewed >= 60:
                housekeeping.claim(self.cdp, source_id, self.worker, ttl)
                renewed = time.monotonic()
        try:
            yield renew
        finally:
            housekeeping.release(self.cdp, source_id, self.worker)

    @staticmethod
    def last_poll(source: DataSource) -> datetime | None:
        """When the data source's last poll started (None: never polled)."""
        return Bookmarks(source.bookmarks).last_poll()

    # -- life cycle -------------------------------------------------------------------------
    def disconnect(self, source_id: int | None = None) -> DataSource:
        """Stop new data; keep every CDP record and the cursors (rule 46)."""
        source = self.source(source_id)
        stored.forget(self.settings.state_dir, source.id)
        return self.cdp.update_data_source(source.id, state=DISCONNECTED, status_note=None)

    def delete(self, source_id: int | None = None) -> DataSource:
        """Remove a disconnected source's connection, hidden ids and cursors (rules 45, 47)."""
        source = self.source(source_id)
        if source.state != DISCONNECTED:
            raise SourceStateError("disconnect the data source before deleting it")
        housekeeping.forget_data_source(self.cdp, source.id)
        return self.cdp.update_data_source(source.id, state=DELETED, bookmarks={})

    def rename(self, name: str, source_id: int | None = None) -> DataSource:
        """Rename the data source; Salesforce is not touched (rule 55)."""
        if not name.strip():
            raise SourceStateError("a data source needs a name")
        return self.cdp.update_data_source(self.source(source_id).id, name=name.strip())
