"""In-memory views the merge engine works on: incoming records, snapshots, candidate indexes
and the outcome of each record.

A page of incoming records is merged against a *candidate index*: every existing person (or
organisation) any record of the page could match, loaded by a handful of queries. The planner
updates the index as it goes, so records later in the page see the people earlier records created
or changed — two contacts with the same email in one page behave exactly as in two pages.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import fields as f

RECORD_KEYS = f.RECORD_KEYS  # keys of an incoming record mapping that are not CDP fields
_NEW_ORDER_BASE = 1 << 62  # sorts records created in this batch after every stored one


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one is taken to be UTC already (Salesforce stamps are)."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:  # as Salesforce's stamps parse
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(slots=True)
class IncomingRecord:
    """One Salesforce record mapped to CDP field ids, with its hidden ids; values normalised."""

    sf_id: str
    fields: dict[str, Any]
    sf_object: str = "Contact"
    account_id: str | None = None
    converted_contact_id: str | None = None
    modstamp: datetime | None = None

    @classmethod
    def from_mapping(cls, record: Mapping[str, Any], sf_object: str = "Contact") -> IncomingRecord:
        """Build from ``{"sf_id": …, "str::email": …, …}``; unknown non-field keys raise."""
        values, layout = f.record_values(record)
        get = record.get
        sf_id = get("sf_id")
        if not sf_id:
            raise ValueError("an incoming Salesforce record needs its sf_id")
        if layout.links:  # account, converted contact or modstamp keys present
            modstamp = get("modstamp")
            return cls(sf_id, values, get("sf_object") or sf_object, get("account_id") or None,
                       get("converted_contact_id") or None,
                       as_utc(modstamp) if modstamp is not None else None)
        return cls(sf_id, values, get("sf_object") or sf_object)

    @property
    def email(self) -> str | None:
        """The normalised email, if mapped and present."""
        return self.fields.get(f.EMAIL)

    @property
    def phone(self) -> str | None:
        """The normalised phone, if mapped and present."""
        return self.fields.get(f.PHONE)


@dataclass(slots=True, eq=False)
class PersonSnapshot:
    """A person as the planner sees it; ``id`` is None until a planned person is inserted."""

    id: int | None
    created_at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    email_permission: bool = True
    sms_permission: bool = False
    email_unsubscribed_in_cdp: bool = False
    sms_unsubscribed_in_cdp: bool = False
    archived: bool = False
    organization_id: int | None = None
    sf_sources: set[int] = field(default_factory=set)  # data sources with a hidden Id on it
    seq: int = 0
    dirty: bool = False
    #: The written columns as loaded (``writer.PERSON_WRITE`` order): writes SET only what changed.
    stored: tuple | None = None
    created_by: int | None = None  # the data source that created the person (rule 19)

    @property
    def order(self) -> tuple[datetime, int]:
        """Creation order: rule 8 picks the smallest (oldest created, then lowest id)."""
        return (self.created_at, self.id if self.id is not None else _NEW_ORDER_BASE + self.seq)


@dataclass(slots=True, eq=False)
class OrgSnapshot:
    """An organisation as the planner sees it."""

    id: int | None
    created_at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    account_ids: set[str] = field(default_factory=set)  # hidden Account Ids, every source
    sf_sources: set[int] = field(default_factory=set)
    archived: bool = False
    seq: int = 0
    dirty: bool = False
    stored: tuple | None = None  # the written columns as loaded (``orgwriter.ORG_WRITE`` order)

    @property
    def order(self) -> tuple[datetime, int]:
        """Creation order, as for people."""
        return (self.created_at, self.id if self.id is not None else _NEW_ORDER_BASE + self.seq)


@dataclass(slots=True, eq=False)
class LinkState:
    """A hidden Salesforce Id held by a person or organisation (one row of ``cdp_sf_link``)."""

    sf_id: str
    sf_object: str
    target: PersonSnapshot | OrgSnapshot
    id: int | None = None
    account_id: str | None = None
    converted_contact_id: str | None = None
    modstamp: datetime | None = None
    dirty: bool = False


CREATED, MERGED, SKIPPED = "created", "merged", "skipped"  # ``Outcome.action``


@dataclass(slots=True)
class Outcome:
    """What happened to one incoming record: created / merged (by key) / skipped (reason)."""

    sf_id: str
    action: str
    matched_by: str | None = None
    reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    target: PersonSnapshot | OrgSnapshot | None = None
    link: LinkState | None = None

    @property
    def label(self) -> str:
        """``created``, ``merged:<key>``, or the skip reason (``skipped_non_existing`` …)."""
        if self.action == MERGED:
            return f"{MERGED}:{self.matched_by}"
        return self.reason if self.action == SKIPPED and self.reason else self.action


class _Index:
    """What person and organisation indexes share: source, clock, links, new-record counter."""

    def __init__(self, data_source_id: int, now: datetime | None = None) -> None:
        self.data_source_id = data_source_id
        self.now = as_utc(now) or datetime.now(UTC)
        self.links: dict[str, LinkState] = {}
        self._created = 0

    def _next_seq(self) -> int:
        self._created += 1
        return self._created

    def add_link(self, link: LinkState) -> LinkState:
        """Register a stored or planned link of this data source."""
        self.links[link.sf_id] = link
        link.target.sf_sources.add(self.data_source_id)
        return link


def _push(index: dict[str, list], key: str | None, item: Any) -> None:
    if key is not None:
        index.setdefault(key, []).append(item)


def _drop(index: dict[str, list], key: str | None, item: Any) -> None:
    if key is not None and key in index:
        bucket = index[key]
        bucket[:] = [x for x in bucket if x is not item]


class CandidateIndex(_Index):
    """People a page may match, by hidden Id, email and phone, plus lead conversions and orgs."""

    def __init__(self, data_source_id: int, now: datetime | None = None) -> None:
        super().__init__(data_source_id, now)
        self.by_email: dict[str, list[PersonSnapshot]] = {}
        self.by_phone: dict[str, list[PersonSnapshot]] = {}
        self.converted: dict[str, PersonSnapshot] = {}  # Contact Id → the converted lead's person
        self.orgs_by_account: dict[str, int] = {}  # this source's Account Id → organisation id
        self.org_rederive: list[PersonSnapshot] = []  # people whose contact left its Account
        self._people: set[PersonSnapshot] = set()

    @classmethod
    def build(cls, data_source_id: int, people: Iterable[PersonSnapshot] = (),
              links: Iterable[LinkState] = (), converted: Mapping[str, PersonSnapshot] | None = None,
              orgs_by_account: Mapping[str, int] | None = None,
              now: datetime | None = None) -> CandidateIndex:
        """An index over stored people and this source's links (links' targets are added too)."""
        index = cls(data_source_id, now)
        for person in people:
            index.add_person(person)
        for link in links:
            index.add_person(link.target)
            index.add_link(link)
        index.converted.update(converted or {})
        index.orgs_by_account.update(orgs_by_account or {})
        return index

    def add_people(self, people: Iterable[PersonSnapshot]) -> None:
        """Index people by email and phone (each once)."""
        members, by_email, by_phone = self._people, self.by_email, self.by_phone
        email_id, phone_id = f.EMAIL, f.PHONE
        fresh = list(dict.fromkeys(people))  # each once, in order
        if members:
            fresh = [person for person in fresh if person not in members]
        members.update(fresh)
        for person in fresh:
            get = person.fields.get
            email, phone = get(email_id), get(phone_id)
            if email is not None:
                by_email.setdefault(email, []).append(person)
            if phone is not None:
                by_phone.setdefault(phone, []).append(person)

    def add_person(self, person: PersonSnapshot) -> PersonSnapshot:
        """Index a person by email and phone (once)."""
        if person not in self._people:  # ``add_people`` for one person, without the loop
            self._people.add(person)
            get = person.fields.get
            email, phone = get(f.EMAIL), get(f.PHONE)
            if email is not None:
                self.by_email.setdefault(email, []).append(person)
            if phone is not None:
                self.by_phone.setdefault(phone, []).append(person)
        return person

    def new_person(self, fields: dict[str, Any] | None = None) -> PersonSnapshot:
        """A person planned in this batch (indexed once its key fields are set)."""
        # Positional, in field order: keywords and default factories cost a third more.
        return PersonSnapshot(None, self.now, {} if fields is None else fields, True, False, False,
                              False, False, None, set(), self._next_seq(), True, None,
                              self.data_source_id)

    def set_field(self, person: PersonSnapshot, field_id: str, value: Any) -> None:
        """Change a person's field, keeping the email/phone indexes current."""
        fields = person.fields
        old = fields.get(field_id)
        if value is None:
            fields.pop(field_id, None)
        else:
            fields[field_id] = value
        if field_id == f.EMAIL or field_id == f.PHONE:
            index = self.by_email if field_id == f.EMAIL else self.by_phone
            if person in self._people:
                _drop(index, old, person)
                _push(index, value, person)


class OrgIndex(_Index):
    """Organisations a page may match, by hidden Account Id and by name."""

    def __init__(self, data_source_id: int, now: datetime | None = None) -> None:
        super().__init__(data_source_id, now)
        self.by_name: dict[str, list[OrgSnapshot]] = {}
        self._orgs: set[OrgSnapshot] = set()

    @classmethod
    def build(cls, data_source_id: int, orgs: Iterable[OrgSnapshot] = (),
              links: Iterable[LinkState] = (), now: datetime | None = None) -> OrgIndex:
        """An index over stored organisations and this source's Account links."""
        index = cls(data_source_id, now)
        for org in orgs:
            index.add_org(org)
        for link in links:
            index.add_org(link.target)
            index.add_link(link)
        return index

    def add_link(self, link: LinkState) -> LinkState:
        """Register a stored or planned Account link of this data source (rule 15)."""
        link.target.account_ids.add(link.sf_id)
        return super().add_link(link)

    def add_org(self, org: OrgSnapshot) -> OrgSnapshot:
        """Index an organisation by name key (once)."""
        if org not in self._orgs:
            self._orgs.add(org)
            _push(self.by_name, f.name_key(org.fields.get(f.ORG_NAME)), org)
        return org

    def new_org(self) -> OrgSnapshot:
        """An organisation planned in this batch."""
        return OrgSnapshot(id=None, created_at=self.now, seq=self._next_seq(), dirty=True)

    def set_field(self, org: OrgSnapshot, field_id: str, value: Any) -> None:
        """Change an organisation's field, keeping the name index current."""
        old = org.fields.get(field_id)
        if value is None:
            org.fields.pop(field_id, None)
        else:
            org.fields[field_id] = value
        if field_id == f.ORG_NAME and org in self._orgs:
            _drop(self.by_name, f.name_key(old), org)
            _push(self.by_name, f.name_key(value), org)
