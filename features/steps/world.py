"""What a scenario knows: the mock org, the syncer adapter, and the labels given to records."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMPTY = {"", "—", "-", "(none)"}

SALESFORCE_COLUMNS = {
    "first name": "FirstName", "last name": "LastName", "email": "Email", "phone": "Phone",
    "mobile": "MobilePhone", "company": "Company", "name": "Name", "title": "Title",
    "city": "MailingCity", "website": "Website", "industry": "Industry", "status": "Status",
    "opted out of email": "HasOptedOutOfEmail", "stage": "StageName", "close date": "CloseDate",
    "subject": "Subject",
}
CDP_COLUMNS = {"first name": "str::first", "last name": "str::last", "email": "str::email",
               "phone": "phn::phone", "city": "geo::city", "name": "str:o:name",
               "website": "str:o:website", "industry": "str:o:industry"}


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


@dataclass
class World:
    """The scenario's state, shared by its steps."""

    server: Any
    adapter: Any
    sf: Any
    labels: dict[str, str] = field(default_factory=dict)  # "C1" → Salesforce id
    connected: bool = False
    last_sync: dict | None = None
    had_existing: bool = False
    incoming_label: str | None = None
    orgs: dict[str, Any] = field(default_factory=dict)  # "B" → the mock's OrgAccess
    sources_connected: set[str] = field(default_factory=set)  # named data sources
    last_schedule: dict | None = None  # what the scheduler's last run polled
    login_refusal: str | None = None

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
            config = self.server.config
            self.adapter.connect(self.server.url, config.username, config.password)
            self.connected = True

    # -- several orgs, each connected as a named data source -----------------------------------
    def org(self, name: str):
        """The Salesforce org called ``name``: "A" is the scenario's own org, others are made by
        a Given step."""
        if name == "A" and "A" not in self.orgs:
            self.orgs["A"] = self.server.default_org
        if name not in self.orgs:
            raise KeyError(f"no Salesforce org {name!r} in this scenario; add one with a Given step")
        return self.orgs[name]

    def add_org(self, name: str, sandbox: bool) -> None:
        """Another org on the mock server, with an admin and a connected app for the syncer."""
        if name == "A" or name in self.orgs:
            raise ValueError(f"Salesforce org {name} already exists in this scenario")
        callbacks = self.server.control("GET", f"apps/{self.server.config.client_id}").json()["callback_urls"]
        slug = name.lower()
        self.orgs[name] = self.server.create_org(
            f"Org {name}", f"admin@{slug}.example.com", f"{slug}-password", sandbox=sandbox,
            sandbox_name=slug if sandbox else None, callback_urls=callbacks)

    def connect_source(self, name: str, sandbox: bool | None = None) -> None:
        """Connect data source ``name`` to org ``name`` at the real login hosts; the user checks
        "Salesforce sandbox" for a sandbox unless ``sandbox`` says otherwise."""
        org = self.org(name)
        self.adapter.use_source(name)
        self.adapter.configure({"source": {
            "client_id": org.client_id, "client_secret": org.client_secret,
            "login_url": self.server.login_host("login"),
            "sandbox_login_url": self.server.login_host("test"),
            "sandbox": org.is_sandbox if sandbox is None else sandbox}})
        self.adapter.connect(None, org.username, org.password)
        self.sources_connected.add(name)

    def use_source(self, name: str) -> None:
        """Act on data source ``name``, connecting it first if it never was."""
        if name not in self.sources_connected:
            self.connect_source(name)
        self.adapter.use_source(name)

    def person_with(self, **match) -> dict:
        """The one person whose CDP fields match (e.g. ``email="a@x.org"``)."""
        wanted = {CDP_COLUMNS.get(k, k): v for k, v in match.items()}
        found = [p for p in self.adapter.people() if all(p.get(k) == v for k, v in wanted.items())]
        assert len(found) == 1, f"expected one person with {match}, found {len(found)}: {found}"
        return found[0]

    def person_holding(self, label: str) -> dict:
        """The person holding a labelled Salesforce record's hidden id."""
        sf_id = self.sf_id(label)
        found = [p for p in self.adapter.people() if sf_id in p["sf_ids"]]
        assert len(found) == 1, f"expected one person holding {label}, found {found}"
        return found[0]
