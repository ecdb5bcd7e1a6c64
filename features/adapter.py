"""The one small adapter the specs drive a syncer through.

The steps never touch syncer internals: they connect, configure, sync, backfill and disconnect a
data source, and read the CDP, through a :class:`SyncerAdapter`. To run these features against
another syncer, implement the same methods and point ``SYNCER_ADAPTER=package.module:Class`` at it.
People and organisations come back as plain dicts keyed by CDP field id, plus ``id``,
``sf_ids`` (hidden Salesforce ids), ``organization`` (its name), ``archived`` and permissions;
people also carry ``sf_ids_by_source`` (``{data source name: [hidden ids]}``).

Several data sources: a scenario that never calls ``use_source`` has one, named ``"default"``.
``use_source("B")`` makes the following calls (``connect``, ``sync``, ``status`` …) act on the
data source named ``B``; its first ``connect`` creates it. Configuration is shared: ``[source]``
holds the connect wizard's inputs (connected app, "Salesforce sandbox" box) for the next connect.
"""
from __future__ import annotations

import importlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

DEFAULT_SOURCE = "default"


class ConfigurationRefused(Exception):
    """A syncer refused a configuration; the message says why (the steps match on its words)."""


class SyncerAdapter(Protocol):
    """What a syncer under test must offer the specs."""

    def configure(self, settings: dict) -> None:
        """Set the data source's configuration (the TOML document as a dict); a configuration
        the syncer refuses raises :class:`ConfigurationRefused`."""

    def use_source(self, name: str) -> None:
        """Act on the data source called ``name`` from now on (see the module docstring)."""

    def connect(self, login_url: str | None, username: str, password: str) -> None:
        """Connect the data source to an org with these user credentials, logging in at
        ``login_url`` — or, when None, at the login host the settings pick (production, or the
        sandbox host with ``sandbox = true``). A login Salesforce refuses raises
        ``user_agent.LoginRefused``."""

    def sync(self) -> dict:
        """Run one poll; return ``{"outcome", "note", "counts": {stream: {label: n}},
        "skipped_fields": {stream: [field, …]}}``."""

    def backfill(self) -> dict:
        """Run a backfill to completion."""

    def run_due(self, now: datetime) -> dict[str, dict]:
        """Run the scheduler once as if it were ``now``: poll every connected data source whose
        poll interval has passed; ``{data source name: what sync returns}`` for those polled."""

    def disconnect(self) -> None:
        """Disconnect the data source (CDP data stays)."""

    def delete(self) -> None:
        """Delete a disconnected data source; a later connect makes a new one."""

    def rename(self, name: str) -> None:
        """Rename the data source."""

    def status(self) -> dict:
        """``{"state", "note", "name", "id"}`` of the data source (state "Not connected" before
        its first connect)."""

    def state(self) -> str:
        """The data source's state (Connected, Updating, Needs attention, Disconnected, Deleted)."""

    def people(self) -> list[dict]:
        """Every person in the CDP."""

    def organizations(self) -> list[dict]:
        """Every organisation in the CDP."""

    def activities(self) -> list[dict]:
        """Every activity in the CDP."""

    def custom_records(self, sobject: str) -> list[dict]:
        """The data source's records of one custom object: their fields (by Salesforce name),
        ``sf_id``, ``deleted``, and the linked person's ``person_id`` and ``person_email``
        (both None while the record is unlinked)."""

    def add_person(self, fields: dict, created_at=None) -> int:
        """Create a person as a CSV import would (no Salesforce id)."""

    def add_organization(self, fields: dict) -> int:
        """Create an organisation as a CSV import would."""

    def unsubscribe(self, person_id: int, channel: str) -> None:
        """Unsubscribe a person in the CDP (link, admin, journey)."""

    def render(self, template: str, email: str) -> str:
        """Render a Liquid template for the person with this email."""

    def record_event(self, email: str, kind: str) -> None:
        """Something the person did in the CDP (an email opened, a form submitted)."""

    def outbound(self) -> dict:
        """Send the chosen CDP activities to Salesforce; ``{"sent", "recovered", "failed"}``."""


class ReferenceAdapter:
    """The reference syncer (``syncer/``) behind the adapter interface."""

    def __init__(self, workdir: Path, ca_bundle: str) -> None:
        self.workdir = workdir
        self.ca_bundle = ca_bundle
        self.document: dict = {}
        self.syncer = None
        self.sources: dict[str, int] = {}  # data source name → id
        self.current = DEFAULT_SOURCE
        self._now: datetime | None = None  # the scheduler's "now" during run_due

    @property
    def source_id(self) -> int | None:
        """The id of the data source calls act on (None before its first connect)."""
        return self.sources.get(self.current)

    def use_source(self, name: str) -> None:
        self.current = name

    def _clock(self) -> datetime:
        return self._now or datetime.now(timezone.utc)

    def configure(self, settings: dict) -> None:
        from syncer.cdp.limits import ConfigurationError
        from syncer.config import from_dict
        document = _merge(_merge(self.document, settings),
                          {"cdp": {"url": f"sqlite:///{self.workdir / 'cdp.db'}"},
                           "sync": {"state_dir": str(self.workdir / 'state')}})
        document.setdefault("source", {})["ca_bundle"] = self.ca_bundle
        try:
            settings_obj = from_dict(document)
        except ConfigurationError as error:
            raise ConfigurationRefused(str(error)) from None
        self.document = _merge(self.document, settings)
        from syncer.service import Syncer
        if self.syncer is not None:
            self.syncer.close()
        self.syncer = Syncer(settings_obj, clock=self._clock)

    def connect(self, login_url: str | None, username: str, password: str) -> None:
        """The OAuth web-server flow, with a scripted user logging in and clicking Allow."""
        from syncer.oauth import exchange_code, receive_code
        from syncer.service import DELETED
        from user_agent import log_in_and_allow
        connection = self.syncer.settings.connection
        login_url = login_url or connection.login_url
        browser = self.syncer.session_factory()
        code, redirect_uri, pkce = receive_code(
            login_url, connection.client_id, connection.callback_port,
            open_browser=lambda url: log_in_and_allow(browser, url, username, password),
            announce=lambda _message: None, timeout=30)
        creds = exchange_code(self.syncer.session_factory(), login_url, connection.client_id,
                              connection.client_secret, code, redirect_uri, pkce)
        existing = self.source_id
        if existing is not None and self.syncer.source(existing).state == DELETED:
            existing = None  # re-adding a deleted data source's org makes a new one
        self.sources[self.current] = self.syncer.connect(creds, existing).id

    def sync(self) -> dict:
        from syncer.salesforce import AuthError
        try:
            summary = self.syncer.sync(self.source_id)
        except AuthError as error:
            return {"outcome": "needs-attention", "note": str(error), "api_calls": 0, "counts": {}}
        return _summary(summary)

    def run_due(self, now: datetime) -> dict[str, dict]:
        names = {source_id: name for name, source_id in self.sources.items()}
        self._now = now
        try:
            polled = self.syncer.run_due()
        finally:
            self._now = None
        return {names.get(source_id, str(source_id)): _summary(summary)
                for source_id, summary in polled.items()}

    def backfill(self) -> dict:
        summary = self.syncer.backfill(self.source_id)
        return {"outcome": summary.outcome, "note": summary.note, "api_calls": summary.api_calls,
                "counts": {name: dict(s.counts) for name, s in summary.streams.items()}}

    def disconnect(self) -> None:
        self.syncer.disconnect(self.source_id)

    def delete(self) -> None:
        self.syncer.delete(self.source_id)

    def rename(self, name: str) -> None:
        self.syncer.rename(name, self.source_id)

    def status(self) -> dict:
        if self.source_id is None:
            return {"state": "Not connected", "note": None, "name": None, "id": None}
        source = self.syncer.source(self.source_id)
        return {"state": source.state, "note": source.status_note, "name": source.name, "id": source.id}

    def state(self) -> str:
        return self.status()["state"]

    def people(self) -> list[dict]:
        orgs = {o["id"]: o for o in self.organizations()}
        names = {source_id: name for name, source_id in self.sources.items()}
        return [{**p.fields, "id": p.id, "sf_ids": [l.sf_id for l in p.sf_ids], "archived": p.archived,
                 "sf_ids_by_source": _by_source(p.sf_ids, names),
                 "email_permission": p.email_permission, "sms_permission": p.sms_permission,
                 "organization": orgs.get(p.organization_id, {}).get("str:o:name")}
                for p in self.syncer.cdp.people()]

    def organizations(self) -> list[dict]:
        return [{**o.fields, "id": o.id, "sf_ids": [l.sf_id for l in o.sf_ids], "archived": o.archived}
                for o in self.syncer.cdp.organizations()]

    def activities(self) -> list[dict]:
        return [{"type": a.type, "person_id": a.person_id, "occurred_at": a.occurred_at,
                 "attributes": a.attributes} for a in self.syncer.cdp.activities()]

    def custom_records(self, sobject: str) -> list[dict]:
        emails = {p.id: p.email for p in self.syncer.cdp.people()}
        return [{**r.fields, "sf_id": r.sf_id, "deleted": r.deleted, "person_id": r.person_id,
                 "person_email": emails.get(r.person_id)}
                for r in self.syncer.cdp.custom_records(self.source_id, sobject)]

    def add_person(self, fields: dict, created_at=None) -> int:
        return self.syncer.cdp.add_person(fields, created_at=created_at)

    def add_organization(self, fields: dict) -> int:
        return self.syncer.cdp.add_organization(fields)

    def unsubscribe(self, person_id: int, channel: str) -> None:
        self.syncer.cdp.unsubscribe(person_id, channel)

    def render(self, template: str, email: str) -> str:
        from syncer.render import context, render
        return render(template, context(self.syncer.cdp, email))

    def record_event(self, email: str, kind: str) -> None:
        from datetime import datetime, timezone
        from syncer.cdp.sources import record_event
        person = next(p for p in self.syncer.cdp.people(email=email))
        record_event(self.syncer.cdp, person.id, kind, datetime.now(timezone.utc))

    def outbound(self) -> dict:
        summary = self.syncer.outbound(self.source_id)
        return {"sent": summary.sent, "recovered": summary.recovered, "failed": summary.failed}

    def close(self) -> None:
        if self.syncer is not None:
            self.syncer.close()


def _summary(summary) -> dict:
    """A poll summary as the dict ``sync`` returns."""
    return {"outcome": summary.outcome, "note": summary.note, "api_calls": summary.api_calls,
            "counts": {name: dict(s.counts) for name, s in summary.streams.items()},
            "skipped_fields": {name: s.skipped_fields for name, s in summary.streams.items()
                               if s.skipped_fields}}


def _by_source(links, names: dict[int, str]) -> dict[str, list[str]]:
    """Hidden ids grouped by the name of the data source that holds them."""
    grouped: dict[str, list[str]] = {}
    for link in links:
        grouped.setdefault(names.get(link.data_source_id, str(link.data_source_id)), []).append(link.sf_id)
    return grouped


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


def load_adapter(workdir: Path, ca_bundle: str) -> Any:
    """The adapter named by ``SYNCER_ADAPTER`` (``module:Class``), or the reference one."""
    name = os.environ.get("SYNCER_ADAPTER")
    if not name:
        return ReferenceAdapter(workdir, ca_bundle)
    module, _, cls = name.partition(":")
    return getattr(importlib.import_module(module), cls)(workdir, ca_bundle)
