"""What a scenario knows: its orgs (through the org adapter), the syncer adapter, and the labels
given to Salesforce records."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interface import OrgLogin
from org import OrgAdapter

EMPTY = {"", "—", "-", "(none)"}

SALESFORCE_COLUMNS = {
    "first name": "FirstName", "last name": "LastName", "email": "Email", "phone": "Phone",
    "mobile": "MobilePhone", "company": "Company", "name": "Name", "title": "Title",
    "city": "MailingCity", "website": "Website", "industry": "Industry", "status": "Status",
    "opted out of email": "HasOptedOutOfEmail", "stage": "StageName", "close date": "CloseDate",
    "subject": "Subject",
}


def cell(value: str) -> Any:
    """A table cell as a value: '—' and blanks are empty, true/false are booleans."""
    value = value.strip()
    if value in EMPTY:
        return None
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def rows(datatable: list[list[str]]) -> list[dict[str, Any]]:
    """A datatable with a header row as a list of dicts."""
    header = [h.strip() for h in datatable[0]]
    return [dict(zip(header, (cell(v) for v in row))) for row in datatable[1:]]


def cdp_fields(row: dict) -> dict:
    """CDP field values from a table row: column names are CDP field names (lower-cased)."""
    return {k.lower(): v for k, v in row.items() if v is not None and k != "ref"}


def assert_fields(record: dict, datatable) -> None:
    """A CDP record has the ``field | value`` rows of a table (field names as a user sees them)."""
    for column, value in datatable[1:]:
        key = column.strip().lower()
        assert record.get(key) == cell(value), f"{column}: {record.get(key)!r} in {record}"


@dataclass
class World:
    """The scenario's state, shared by its steps."""

    sf: OrgAdapter   # the scenario's own Salesforce org ("org A")
    adapter: Any     # the syncer under test (interface.SyncerAdapter)
    labels: dict[str, str] = field(default_factory=dict)  # "C1" → Salesforce id
    connected: bool = False
    last_sync: dict | None = None
    had_existing: bool = False
    incoming_label: str | None = None
    orgs: dict[str, OrgAdapter] = field(default_factory=dict)  # "B" → another org
    sources_connected: set[str] = field(default_factory=set)  # named data sources
    last_schedule: dict | None = None  # what the scheduler's last run polled
    login_refusal: str | None = None
    deselected: set[str] = field(default_factory=set)  # default objects cleared

    def sf_id(self, label: str) -> str:
        """The Salesforce id of a labelled record."""
        if label not in self.labels:
            raise KeyError(f"no Salesforce record labelled {label!r} in this scenario")
        return self.labels[label]

    def salesforce_fields(self, row: dict) -> dict:
        """Salesforce field values from a table row; labelled references become ids."""
        body = {}
        for column, value in row.items():
            if column in ("ref", "label") or value is None:
                continue
            if column == "account":
                body["AccountId"] = self.sf_id(value)
            elif column in SALESFORCE_COLUMNS:
                body[SALESFORCE_COLUMNS[column]] = value
            else:
                body[column] = value  # an API name such as Tier__c
        return body

    def ensure_connected(self) -> None:
        """Connect the data source on first use."""
        if not self.connected:
            self.adapter.connect(self.sf.login)
            self.connected = True

    # -- several orgs, each connected as a named data source -----------------------------------
    def org(self, name: str) -> OrgAdapter:
        """The Salesforce org called ``name``: "A" is the scenario's own org, others are made by
        a Given step."""
        if name == "A":
            return self.sf
        if name not in self.orgs:
            raise KeyError(f"no Salesforce org {name!r} in this scenario; add one with a Given step")
        return self.orgs[name]

    def add_org(self, name: str, sandbox: bool) -> None:
        """Another org on the mock server, with an admin and the syncer's connected app."""
        if name == "A" or name in self.orgs:
            raise ValueError(f"Salesforce org {name} already exists in this scenario")
        server, slug = self.sf.server, name.lower()
        callbacks = self.sf.control("GET", f"apps/{self.sf.login.client_id}").json()["callback_urls"]
        access = server.create_org(f"Org {name}", f"admin@{slug}.example.com", f"{slug}-password",
                                   sandbox=sandbox, sandbox_name=slug if sandbox else None,
                                   callback_urls=callbacks)
        login = OrgLogin(server.login_host("login"), access.username, access.password,
                         access.client_id, access.client_secret, self.sf.login.callback_port,
                         sandbox_login_url=server.login_host("test"), is_sandbox=access.is_sandbox)
        self.orgs[name] = OrgAdapter(login, server.session, server.control, server, key=access.key)

    def connect_source(self, name: str, sandbox: bool | None = None) -> None:
        """Connect data source ``name`` to org ``name``; the user checks "Salesforce sandbox"
        for a sandbox unless ``sandbox`` says otherwise."""
        org = self.org(name)
        self.adapter.use_source(name)
        self.adapter.connect(org.login, org.login.is_sandbox if sandbox is None else sandbox)
        self.sources_connected.add(name)

    def use_source(self, name: str) -> None:
        """Act on data source ``name``, connecting it first if it never was."""
        if name not in self.sources_connected:
            self.connect_source(name)
        self.adapter.use_source(name)

    def person_with(self, **match) -> dict:
        """The one person whose CDP fields match (e.g. ``email="a@x.org"``)."""
        found = [p for p in self.adapter.people() if all(p.get(k) == v for k, v in match.items())]
        assert len(found) == 1, f"expected one person with {match}, found {len(found)}: {found}"
        return found[0]

    def person_holding(self, label: str) -> dict:
        """The person holding a labelled Salesforce record's hidden id."""
        sf_id = self.sf_id(label)
        found = [p for p in self.adapter.people() if sf_id in p["sf_ids"]]
        assert len(found) == 1, f"expected one person holding {label}, found {found}"
        return found[0]

    def organization_holding(self, label: str) -> dict:
        """The organization holding a labelled Salesforce record's hidden id."""
        sf_id = self.sf_id(label)
        found = [o for o in self.adapter.organizations() if sf_id in o["sf_ids"]]
        assert len(found) == 1, f"expected one organization holding {label}, found {found}"
        return found[0]

    def state(self) -> str:
        """The current data source's state."""
        return self.adapter.status()["state"]
