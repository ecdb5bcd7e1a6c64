"""What the specs need from a syncer: its adapter interface and the words of its settings.

A team runs these features against its own syncer by implementing :class:`SyncerAdapter` and
pointing ``SYNCER_ADAPTER=package.module:Class`` at it (see ``features/README.md``). Everything
crosses this seam in the product's own words: settings are named as the connect wizard and the
data source's view name them, CDP fields as a user sees them, sync outcomes as plain phrases.
Nothing here imports a syncer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

DEFAULT_SOURCE = "default"

# -- settings: ``configure({NAME: value, …})`` ------------------------------------------------
PEOPLE_MERGE = "People merge strategy"            # a strategy's UI name, or its merge API name
PEOPLE_KEYS = "People merge key strategy"         # "Merge with any key match" | "Match only if previous merge key is empty"
ORGANIZATION_MERGE = "Organization merge strategy"
ORGANIZATION_KEYS = "Organization merge key strategy"
OBJECTS = "Default objects"                       # the default objects left selected: ["Contact", …]
CUSTOM_FIELDS = "Custom fields"                   # {object: [Salesforce field, …]} on "Sync custom fields",
#                                                   or {object: {Salesforce field: CDP field name}}
SYSTEM_FIELDS = "Modify system CDP fields"        # CDP field names left ticked; [] is "Don't modify system CDP fields"
EMAIL_PERMISSION = "Email permission"             # a PermissionField
SMS_PERMISSION = "SMS permission"                 # a PermissionField
SELECTIVE_SYNC = "Selectively sync"               # {object: Criteria}
AUTO_ARCHIVE = "Auto-archive contacts that no longer meet the criteria"  # bool
CUSTOM_OBJECTS = "Custom objects"                 # {object: CustomObject}
OUTBOUND = "Activities to sync to Salesforce"     # [CDP activity type, …] (at most 20)
RETENTION_DAYS = "Data retention period (days)"   # int
POLL_MINUTES = "Sync every (minutes)"             # the poll interval, 15 by default
BULK_ABOVE = "Bulk API above (rows)"              # first loads and backfills above this read through Bulk
FORMULA_REFRESH = "Daily refresh of formula and roll-up fields"  # bool, off by default

KEY_STRATEGIES = ("Merge with any key match", "Match only if previous merge key is empty")
DIRECTIONS = ("Update the CDP from Salesforce", "Update both ways", "Update Salesforce from the CDP")

# -- the names of CDP fields: people and organizations come back keyed by them ----------------
PERSON_FIELDS = ("first name", "last name", "email", "phone", "city", "country",
                 "email permission", "sms permission")
ORGANIZATION_FIELDS = ("name", "website", "industry")
# A custom CDP field is named in lower-case words, as the field it was made for reads:
# Salesforce's Tier__c lands in "tier", MailingAddress's street in "mailing address street".

# -- the outcomes a sync counts, per Salesforce object: ``sync()["counts"][object][OUTCOME]`` --
OUTCOMES = (
    "created",                              # a new person or organization
    "merged by Salesforce id", "merged by email", "merged by phone", "merged by name",
    "left as they were",                    # matched under "Import new records only"
    "skipped, not in the CDP",              # matched nobody under an "existing only" strategy
    "skipped, no primary contact role",     # an opportunity nobody is the primary contact of
    "stored",                               # custom-object records kept in the CDP
    "waiting for their contact",            # a custom record whose contact is not synced (yet)
    "without an identifier",                # a custom record with an empty identifier
    "matching nobody",                      # a unique identifier no person has
    "linked to their person",               # a waiting custom record linked at last
    "people created",                       # people a custom object's unique identifier created
    "deleted",                              # records deleted in Salesforce
    "formula fields refreshed",             # records whose formula fields the daily refresh re-read
    "timed out, asked again over half the window",
)


@dataclass(frozen=True)
class Criteria:
    """Selective sync on one object: records whose fields meet all (or any) of the conditions."""

    conditions: tuple[tuple[str, str], ...]  # (Salesforce field, value): "field is value"
    match: str = "all"                       # "all" or "any"


@dataclass(frozen=True)
class PermissionField:
    """A Salesforce field that sets a permission (rules 18–21)."""

    field: str                   # its API name, e.g. HasOptedOutOfEmail
    subscribed_when: bool        # the field's value that means subscribed
    direction: str | None = None  # one of DIRECTIONS; None leaves the syncer's default


@dataclass(frozen=True)
class CustomObject:
    """A custom object chosen in the Custom objects section, with its Set identifiers (rule 53)."""

    fields: tuple[str, ...] | dict[str, str]  # synced fields; as a person or organization:
    #                                           {Salesforce field: CDP field name}
    sync_as: str = "object"          # "object" (records linked to people), "person", "organization"
    identify_by: str | None = None   # "relationship" or "unique identifier"
    identifier: str | None = None    # the reference field (or Parent__r.Field), or the unique field
    match_on: str | None = None      # the person field the identifier holds ("email"); None: the hidden id
    create_people: bool | None = None  # a unique identifier creates the people it does not find


@dataclass(frozen=True)
class OrgLogin:
    """Everything needed to connect to one org: where and who logs in, and the syncer's
    connected app there (its consumer key and secret, and the callback port it redirects to)."""

    login_url: str
    username: str
    password: str
    client_id: str
    client_secret: str
    callback_port: int
    sandbox_login_url: str | None = None  # the host the "Salesforce sandbox" box picks
    is_sandbox: bool = False


class ConfigurationRefused(Exception):
    """A syncer refused a configuration; the message says why in its own words."""


class SyncerAdapter(Protocol):
    """What a syncer under test must offer the specs.

    Several data sources: a scenario that never calls ``use_source`` has one, named
    ``DEFAULT_SOURCE``; ``use_source("B")`` makes the following calls act on data source ``B``,
    and its first ``connect`` creates it. Settings are shared by every data source.
    """

    def configure(self, settings: dict) -> None:
        """Change the named settings (per-object settings: the objects named) and keep the rest;
        a configuration the syncer refuses raises :class:`ConfigurationRefused` and changes nothing."""

    def use_source(self, name: str) -> None:
        """Act on the data source called ``name`` from now on."""

    def connect(self, login: OrgLogin, sandbox: bool = False) -> None:
        """Connect the data source: the user logs in at ``login.login_url`` (at
        ``login.sandbox_login_url`` with "Salesforce sandbox" checked) and clicks Allow.
        A login Salesforce refuses raises ``user_agent.LoginRefused``."""

    def sync(self) -> dict:
        """Run one poll; ``{"outcome": "ok" | "api-limit" | "needs-attention", "note",
        "counts": {object: {OUTCOME: n}}, "skipped_fields": {object: [field, …]}}``."""

    def backfill(self) -> dict:
        """Run a backfill to completion; returns what ``sync`` returns."""

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
        """``{"state", "note", "name"}`` of the data source (state "Not connected" before its
        first connect; else Connected, Updating, Needs attention, Disconnected or Deleted)."""

    def people(self) -> list[dict]:
        """Every person in the CDP: fields by name (PERSON_FIELDS, custom fields) plus ``id``,
        ``sf_ids`` (hidden Salesforce ids), ``sf_ids_by_source`` ({data source: [ids]}),
        ``organization`` (its name) and ``archived``."""

    def organizations(self) -> list[dict]:
        """Every organization: fields by name (ORGANIZATION_FIELDS, custom) plus ``id``,
        ``sf_ids`` and ``archived``."""

    def activities(self) -> list[dict]:
        """Every activity: ``type`` ("task", "opportunity" …), ``person_id``, ``occurred_at``
        and ``attributes`` (the Salesforce fields, e.g. Subject, Name)."""

    def custom_records(self, sobject: str) -> list[dict]:
        """The data source's records of one custom object: their fields (by Salesforce name),
        ``sf_id``, ``deleted``, and the linked person's ``person_id`` and ``person_email``
        (both None while the record is unlinked)."""

    def add_person(self, fields: dict, created_at: datetime | None = None) -> int:
        """Create a person (fields by name) as a CSV import would: no Salesforce id."""

    def add_organization(self, fields: dict) -> int:
        """Create an organization as a CSV import would."""

    def unsubscribe(self, person_id: int, channel: str) -> None:
        """Unsubscribe a person in the CDP from ``"email"`` or ``"sms"``."""

    def render(self, template: str, email: str) -> str:
        """Render a Liquid template for the person with this email."""

    def record_event(self, email: str, kind: str) -> None:
        """Something the person did in the CDP (an email opened, a form submitted)."""

    def outbound(self) -> dict:
        """Send the chosen CDP activities to Salesforce; ``{"sent", "recovered", "failed"}``."""
