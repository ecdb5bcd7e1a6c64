"""The one small adapter the specs drive a syncer through.

The steps never touch syncer internals: they connect, configure, sync, backfill and disconnect a
data source, and read the CDP, through a :class:`SyncerAdapter`. To run these features against
another syncer, implement the same methods and point ``SYNCER_ADAPTER=package.module:Class`` at it.
People and organisations come back as plain dicts keyed by CDP field id, plus ``id``,
``sf_ids`` (hidden Salesforce ids), ``organization`` (its name), ``archived`` and permissions.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Protocol


class SyncerAdapter(Protocol):
    """What a syncer under test must offer the specs."""

    def configure(self, settings: dict) -> None:
        """Set the data source's configuration (the TOML document as a dict)."""

    def connect(self, login_url: str, username: str, password: str) -> None:
        """Connect the data source to an org with these user credentials."""

    def sync(self) -> dict:
        """Run one poll; return ``{"outcome", "note", "counts": {stream: {label: n}},
        "skipped_fields": {stream: [field, …]}}``."""

    def backfill(self) -> dict:
        """Run a backfill to completion."""

    def disconnect(self) -> None:
        """Disconnect the data source (CDP data stays)."""

    def delete(self) -> None:
        """Delete a disconnected data source; a later connect makes a new one."""

    def rename(self, name: str) -> None:
        """Rename the data source."""

    def status(self) -> dict:
        """``{"state", "note", "name", "id"}`` of the data source."""

    def state(self) -> str:
        """The data source's state (Connected, Updating, Needs attention, Disconnected)."""

    def people(self) -> list[dict]:
        """Every person in the CDP."""

    def organizations(self) -> list[dict]:
        """Every organisation in the CDP."""

    def activities(self) -> list[dict]:
        """Every activity in the CDP."""

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
        self.source_id: int | None = None

    def configure(self, settings: dict) -> None:
        from syncer.config import from_dict
        self.document = _merge(self.document, settings)
        document = _merge(self.document, {"cdp": {"url": f"sqlite:///{self.workdir / 'cdp.db'}"},
                                          "sync": {"state_dir": str(self.workdir / 'state')}})
        document.setdefault("source", {})["ca_bundle"] = self.ca_bundle
        settings_obj = from_dict(document)
        from syncer.service import Syncer
        if self.syncer is not None:
            self.syncer.close()
        self.syncer = Syncer(settings_obj)

    def connect(self, login_url: str, username: str, password: str) -> None:
        """The OAuth web-server flow, with a scripted user logging in and clicking Allow."""
        from syncer.oauth import exchange_code, receive_code
        from user_agent import log_in_and_allow
        connection = self.syncer.settings.connection
        browser = self.syncer.session_factory()
        code, redirect_uri, pkce = receive_code(
            login_url, connection.client_id, connection.callback_port,
            open_browser=lambda url: log_in_and_allow(browser, url, username, password),
            announce=lambda _message: None, timeout=30)
        creds = exchange_code(self.syncer.session_factory(), login_url, connection.client_id,
                              connection.client_secret, code, redirect_uri, pkce)
        source = self.syncer.connect(creds, self.source_id)
        self.source_id = source.id

    def sync(self) -> dict:
        from syncer.salesforce import AuthError
        try:
            summary = self.syncer.sync(self.source_id)
        except AuthError as error:
            return {"outcome": "needs-attention", "note": str(error), "api_calls": 0, "counts": {}}
        return {"outcome": summary.outcome, "note": summary.note, "api_calls": summary.api_calls,
                "counts": {name: dict(s.counts) for name, s in summary.streams.items()},
                "skipped_fields": {name: s.skipped_fields for name, s in summary.streams.items()
                                   if s.skipped_fields}}

    def backfill(self) -> dict:
        summary = self.syncer.backfill(self.source_id)
        return {"outcome": summary.outcome, "note": summary.note, "api_calls": summary.api_calls,
                "counts": {name: dict(s.counts) for name, s in summary.streams.items()}}

    def disconnect(self) -> None:
        self.syncer.disconnect(self.source_id)

    def delete(self) -> None:
        self.syncer.delete(self.source_id)
        self.source_id = None

    def rename(self, name: str) -> None:
        self.syncer.rename(name, self.source_id)

    def status(self) -> dict:
        source = self.syncer.sources()[-1] if self.source_id is None else self.syncer.source(self.source_id)
        return {"state": source.state, "note": source.status_note, "name": source.name, "id": source.id}

    def state(self) -> str:
        return self.status()["state"]

    def people(self) -> list[dict]:
        orgs = {o["id"]: o for o in self.organizations()}
        return [{**p.fields, "id": p.id, "sf_ids": [l.sf_id for l in p.sf_ids], "archived": p.archived,
                 "email_permission": p.email_permission, "sms_permission": p.sms_permission,
                 "organization": orgs.get(p.organization_id, {}).get("str:o:name")}
                for p in self.syncer.cdp.people()]

    def organizations(self) -> list[dict]:
        return [{**o.fields, "id": o.id, "sf_ids": [l.sf_id for l in o.sf_ids], "archived": o.archived}
                for o in self.syncer.cdp.organizations()]

    def activities(self) -> list[dict]:
        return [{"type": a.type, "person_id": a.person_id, "occurred_at": a.occurred_at,
                 "attributes": a.attributes} for a in self.syncer.cdp.activities()]

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
