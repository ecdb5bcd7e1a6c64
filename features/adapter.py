"""The reference syncer (``syncer/``) behind the specs' adapter interface.

The one module of ``features/`` that imports the syncer; ``interface.py`` says what an adapter
offers and in which words, ``reference_settings.py`` turns those words into the reference's TOML,
CDP field ids and count labels. To run the features against another syncer, point
``SYNCER_ADAPTER=package.module:Class`` at its adapter (``features/README.md``).
"""
from __future__ import annotations

import importlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import reference_settings as ref
from interface import DEFAULT_SOURCE, ConfigurationRefused, OrgLogin


class ReferenceAdapter:
    """The reference syncer behind the adapter interface (``interface.SyncerAdapter``)."""

    def __init__(self, workdir: Path, ca_bundle: str | None) -> None:
        self.workdir = workdir
        self.ca_bundle = ca_bundle
        self.settings: dict = {}       # business settings, as configured
        self.source_table: dict = {}   # the [source] table of the last connect
        self.syncer = None
        self.sources: dict[str, int] = {}  # data source name → id
        self.current = DEFAULT_SOURCE
        self._now: datetime | None = None  # the scheduler's "now" during run_due
        self._rebuild({}, {})

    @property
    def source_id(self) -> int | None:
        """The id of the data source calls act on (None before its first connect)."""
        return self.sources.get(self.current)

    def use_source(self, name: str) -> None:
        self.current = name

    def _clock(self) -> datetime:
        return self._now or datetime.now(timezone.utc)

    def configure(self, settings: dict) -> None:
        merged = {**self.settings, **{name: {**self.settings[name], **value}
                                      if isinstance(value, dict) and isinstance(self.settings.get(name), dict)
                                      else value for name, value in settings.items()}}
        self._rebuild(merged, self.source_table)
        self.settings = merged

    def _rebuild(self, settings: dict, source: dict) -> None:
        """A Syncer over the settings' TOML document; a refused document raises ConfigurationRefused."""
        from syncer.config import from_dict
        error_class = _configuration_error()
        document = ref.deep_merge(ref.to_toml(settings), {
            "source": source, "cdp": {"url": f"sqlite:///{self.workdir / 'cdp.db'}"},
            "sync": {"state_dir": str(self.workdir / 'state')}})
        try:
            settings_obj = from_dict(document)
        except error_class as error:
            raise ConfigurationRefused(str(error)) from None
        from syncer.service import Syncer
        if self.syncer is not None:
            self.syncer.close()
        self.syncer = Syncer(settings_obj, clock=self._clock)

    def connect(self, login: OrgLogin, sandbox: bool = False) -> None:
        """The OAuth web-server flow, with a scripted user logging in and clicking Allow."""
        from syncer.oauth import exchange_code, receive_code
        from syncer.service import DELETED
        from user_agent import log_in_and_allow
        source = {"client_id": login.client_id, "client_secret": login.client_secret,
                  "login_url": login.login_url, "sandbox": sandbox, "callback_port": login.callback_port}
        if login.sandbox_login_url:
            source["sandbox_login_url"] = login.sandbox_login_url
        if self.ca_bundle:
            source["ca_bundle"] = self.ca_bundle
        if source != self.source_table:
            self._rebuild(self.settings, source)
            self.source_table = source
        connection = self.syncer.settings.connection
        browser = self.syncer.session_factory()
        code, redirect_uri, pkce = receive_code(
            connection.login_url, connection.client_id, connection.callback_port,
            open_browser=lambda url: log_in_and_allow(browser, url, login.username, login.password),
            announce=lambda _message: None, timeout=30)
        creds = exchange_code(self.syncer.session_factory(), connection.login_url, connection.client_id,
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
            return {"outcome": "needs-attention", "note": str(error), "counts": {}, "skipped_fields": {}}
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
        return _summary(self.syncer.backfill(self.source_id))

    def disconnect(self) -> None:
        self.syncer.disconnect(self.source_id)

    def delete(self) -> None:
        self.syncer.delete(self.source_id)

    def rename(self, name: str) -> None:
        self.syncer.rename(name, self.source_id)

    def status(self) -> dict:
        if self.source_id is None:
            return {"state": "Not connected", "note": None, "name": None}
        source = self.syncer.source(self.source_id)
        return {"state": source.state, "note": source.status_note, "name": source.name}

    def people(self) -> list[dict]:
        orgs = {o["id"]: o for o in self.organizations()}
        names = {source_id: name for name, source_id in self.sources.items()}
        return [{**ref.named(p.fields), "id": p.id, "sf_ids": [l.sf_id for l in p.sf_ids],
                 "archived": p.archived, "sf_ids_by_source": _by_source(p.sf_ids, names),
                 "email permission": p.email_permission, "sms permission": p.sms_permission,
                 "organization": orgs.get(p.organization_id, {}).get("name")}
                for p in self.syncer.cdp.people()]

    def organizations(self) -> list[dict]:
        return [{**ref.named(o.fields), "id": o.id, "sf_ids": [l.sf_id for l in o.sf_ids],
                 "archived": o.archived} for o in self.syncer.cdp.organizations()]

    def activities(self) -> list[dict]:
        return [{"type": a.type, "person_id": a.person_id, "occurred_at": a.occurred_at,
                 "attributes": a.attributes} for a in self.syncer.cdp.activities()]

    def custom_records(self, sobject: str) -> list[dict]:
        emails = {p.id: p.email for p in self.syncer.cdp.people()}
        return [{**r.fields, "sf_id": r.sf_id, "deleted": r.deleted, "person_id": r.person_id,
                 "person_email": emails.get(r.person_id)}
                for r in self.syncer.cdp.custom_records(self.source_id, sobject)]

    def add_person(self, fields: dict, created_at=None) -> int:
        return self.syncer.cdp.add_person(ref.by_id(fields), created_at=created_at)

    def add_organization(self, fields: dict) -> int:
        return self.syncer.cdp.add_organization(ref.by_id(fields, organization=True))

    def unsubscribe(self, person_id: int, channel: str) -> None:
        self.syncer.cdp.unsubscribe(person_id, channel)

    def render(self, template: str, email: str) -> str:
        from syncer.render import context, render
        return render(template, context(self.syncer.cdp, email))

    def record_event(self, email: str, kind: str) -> None:
        from syncer.cdp.sources import record_event
        person = next(p for p in self.syncer.cdp.people(email=email))
        record_event(self.syncer.cdp, person.id, kind, datetime.now(timezone.utc))

    def outbound(self) -> dict:
        summary = self.syncer.outbound(self.source_id)
        return {"sent": summary.sent, "recovered": summary.recovered, "failed": summary.failed}

    def close(self) -> None:
        if self.syncer is not None:
            self.syncer.close()


def _configuration_error() -> type[Exception]:
    """The class the reference raises for a refused configuration, wherever it lives now."""
    import syncer.config
    found = getattr(syncer.config, "ConfigurationError", None)
    if found is None:
        from syncer.cdp.limits import ConfigurationError as found
    return found


def _summary(summary) -> dict:
    """A poll or backfill summary as the dict ``sync`` returns, counts in the specs' words."""
    return {"outcome": summary.outcome, "note": summary.note,
            "counts": {name: {ref.outcome(label): n for label, n in s.counts.items()}
                       for name, s in summary.streams.items()},
            "skipped_fields": {name: s.skipped_fields for name, s in summary.streams.items()
                               if s.skipped_fields}}


def _by_source(links, names: dict[int, str]) -> dict[str, list[str]]:
    """Hidden ids grouped by the name of the data source that holds them."""
    grouped: dict[str, list[str]] = {}
    for link in links:
        grouped.setdefault(names.get(link.data_source_id, str(link.data_source_id)), []).append(link.sf_id)
    return grouped


def load_adapter(workdir: Path, ca_bundle: str | None) -> Any:
    """The adapter named by ``SYNCER_ADAPTER`` (``module:Class``), or the reference one."""
    name = os.environ.get("SYNCER_ADAPTER")
    if not name:
        return ReferenceAdapter(workdir, ca_bundle)
    module, _, cls = name.partition(":")
    return getattr(importlib.import_module(module), cls)(workdir, ca_bundle)
