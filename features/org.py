"""The one seam between the specs and a Salesforce org: its REST API, and the mock's control plane.

Every org action of the steps goes through an :class:`OrgAdapter`. Records are created, changed,
deleted and queried through the org's REST API, so those steps run against any org given by URL
and credentials. What no REST call can do — move the org's clock, arm faults, back-date or load
records in bulk, create fields and objects, read the request journal, make more orgs — goes
through the mock's control plane, which an org without one (``control=None``) refuses with
:class:`ControlPlaneOff`. Scenarios that need it are tagged ``@control_plane``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from interface import OrgLogin

COLLECTION = 200  # records per sObject Collections call


class ControlPlaneOff(RuntimeError):
    """A step asked for the mock's control plane on an org that has none (tag the scenario
    ``@control_plane``)."""


class SalesforceRefused(RuntimeError):
    """The org refused a REST call; the message carries Salesforce's errors."""


class OrgAdapter:
    """One org as the specs hold it: its login, a REST session, and (maybe) a control plane.

    ``control(method, path, **kw)`` calls the control plane at an org-scoped path (``clock``,
    ``records/Contact`` …); ``server`` is the mock server (more orgs, login hosts, the journal).
    Both are None for an org reached only by URL and credentials.
    """

    def __init__(self, login: OrgLogin, session: Callable[[], requests.Session],
                 control: Callable[..., requests.Response] | None = None, server: Any = None,
                 key: str | None = None) -> None:
        self.login = login
        self._session = session
        self._control = control
        self._server = server
        self.key = key
        self.created: list[tuple[str, str]] = []  # (object, id) made through this adapter
        self._rest = None

    # -- the REST API ---------------------------------------------------------------------------
    @property
    def rest(self):
        """A simple-salesforce client logged in as the org's user (username-password flow)."""
        if self._rest is None:
            from simple_salesforce import Salesforce
            host = self.login.sandbox_login_url if self.login.is_sandbox else self.login.login_url
            response = self._session().post(f"{host.rstrip('/')}/services/oauth2/token", data={
                "grant_type": "password", "client_id": self.login.client_id,
                "client_secret": self.login.client_secret, "username": self.login.username,
                "password": self.login.password})
            response.raise_for_status()
            token = response.json()
            self._rest = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                                    session=self._session(), version="59.0")
        return self._rest

    def log_in_again(self) -> None:
        """Drop the REST session (after the clock moved, it may have idled out)."""
        self._rest = None

    def create(self, sobject: str, fields: dict) -> str:
        """Create a record; its id."""
        record_id = getattr(self.rest, sobject).create(fields)["id"]
        self.created.append((sobject, record_id))
        return record_id

    def update(self, sobject: str, record_id: str, fields: dict) -> None:
        """Change a record's fields."""
        getattr(self.rest, sobject).update(record_id, fields)

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record (it goes to the recycle bin)."""
        getattr(self.rest, sobject).delete(record_id)

    def query(self, soql: str) -> list[dict]:
        """Every record a SOQL query returns."""
        return self.rest.query_all(soql)["records"]

    def count(self, soql: str) -> int:
        """``SELECT COUNT() …``."""
        return self.rest.query(soql)["totalSize"]

    def update_many(self, sobject: str, changes: list[dict]) -> None:
        """Update records (each ``{"Id", field: value}``) 200 a call, all or none."""
        for first in range(0, len(changes), COLLECTION):
            chunk = [{"attributes": {"type": sobject}, "id": c["Id"],
                      **{k: v for k, v in c.items() if k != "Id"}} for c in changes[first:first + COLLECTION]]
            results = self.rest.restful("composite/sobjects", method="PATCH",
                                        json={"allOrNone": True, "records": chunk})
            if not all(r["success"] for r in results):
                raise SalesforceRefused(f"Salesforce refused the update: {results}")

    def clean_up(self) -> None:
        """Delete, newest first, the records this adapter created (for an org no one resets)."""
        for sobject, record_id in reversed(self.created):
            try:
                self.delete(sobject, record_id)
            except SalesforceError:  # already gone with its parent (ENTITY_IS_DELETED, NOT_FOUND)
                pass
        self.created.clear()

    # -- the control plane ----------------------------------------------------------------------
    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the mock's control plane for this org (``ControlPlaneOff`` without one)."""
        if self._control is None:
            raise ControlPlaneOff(f"{method} {path} needs the mock's control plane; this scenario "
                                  f"must be tagged @control_plane")
        return self._control(method, path, **kwargs)

    @property
    def server(self):
        """The mock server this org lives on (more orgs, login hosts, the request journal)."""
        if self._server is None:
            raise ControlPlaneOff("this step needs the mock server's control plane; tag the "
                                  "scenario @control_plane")
        return self._server

    def now(self) -> datetime:
        """The org's clock."""
        text = self.control("GET", "/clock").json()["now"]
        return datetime.fromisoformat(text.replace("+0000", "+00:00"))

    def set_clock(self, when: datetime) -> None:
        """Set the org's clock (it keeps running from there)."""
        self.control("POST", "/clock", json={"set": when.isoformat()})
        self.log_in_again()

    def advance_clock(self, seconds: int) -> None:
        """Move the org's clock forward."""
        self.control("POST", "/clock", json={"advance": seconds})
        self.log_in_again()

    def add_fault(self, **fault) -> None:
        """Arm a fault (``kind``, ``count``, ``path``, ``rate``, ``delay``, ``seed``)."""
        self.control("POST", "/faults", json=fault)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self.control("DELETE", "/faults")

    def set_api_usage(self, used: int, limit: int | None = None) -> None:
        """Set how much of the daily API limit is used (and the limit)."""
        self.control("POST", f"orgs/{self.key}/usage",
                     json={"used": used, **({"limit": limit} if limit is not None else {})})

    def load(self, sobject: str, records: list[dict]) -> list[str]:
        """Load records in one go, system fields (CreatedDate …) as given; their ids."""
        ids: list[str] = []
        for first in range(0, len(records), 5000):
            ids += self.control("POST", f"orgs/{self.key}/records/{sobject}",
                                json={"records": records[first:first + 5000]}).json()["ids"]
        return ids

    def add_field(self, sobject: str, name: str, type_: str = "string", formula: str | None = None) -> None:
        """Create a custom field (a formula field when ``formula`` is given)."""
        body = {"name": name, "type": type_}
        if formula is not None:
            body.update(calculated=True, calculatedFormula=formula)
        self.control("POST", f"orgs/{self.key}/fields/{sobject}", json=body)

    def recalculate(self, sobject: str, record_id: str, values: dict) -> None:
        """What formula fields now evaluate to; the record's stamps stay."""
        self.control("POST", f"orgs/{self.key}/calculated/{sobject}",
                     json={"records": [{"Id": record_id, **values}]})

    def add_object(self, name: str, fields: list[dict]) -> None:
        """Create a custom object with these fields (describe-style entries)."""
        self.control("POST", f"orgs/{self.key}/objects", json={
            "name": name, "label": name.removesuffix("__c").replace("_", " "), "fields": fields})

    def convert_lead(self, lead_id: str) -> str:
        """Convert a lead as Salesforce's Convert button does; the new contact's id."""
        return self.control("POST", f"orgs/{self.key}/convert-lead", json={"leadId": lead_id}).json()["contactId"]

    def set_app_policy(self, **policy) -> None:
        """Change the syncer's connected app (refresh token policy, callback URLs …)."""
        self.control("PATCH", f"apps/{self.login.client_id}", json=policy)

    def revoke_tokens(self) -> None:
        """Setup → Connected Apps OAuth Usage → Revoke."""
        self.control("POST", f"apps/{self.login.client_id}/revoke", json={})

    def bulk_query_jobs(self) -> int:
        """Bulk API 2.0 query jobs the org created (its request journal)."""
        return len(self.server.requests("POST", r"/services/data/v[\d.]+/jobs/query/?", status=200))
