"""The merge engine: pure functions that plan how a page of Salesforce records lands in the CDP.

Nothing here touches a database. ``plan_batch`` (people) and ``plan_org_batch`` (organisations)
walk a page in order against a candidate index, decide per record whether it creates, merges or
is skipped, and change the snapshots in the index to their new state; the store then writes the
snapshots and links marked dirty. Rules implemented (``docs/integration-rules.md``):

- keys: hidden Salesforce Id (per data source, always first, rule 6), then email, then phone;
  organisations: hidden Account Id, then name (rule 13);
- find strategy 1: key *k* matches only people whose earlier keys are all empty (rule 7). The
  hidden-Id key is per data source [OD]: "empty" means no Id *from this source*, so one person
  never holds two Ids of one source (rule 10) while two connected orgs may share a person (48);
- find strategy 0: the first key with any match wins; ties go to the oldest person (rule 8);
- organisations carrying an Account Id never absorb a different Account Id, under either find
  strategy (rules 14–15); an organisation without one is claimed by name (rule 16). With only
  two keys this makes both find strategies behave alike for organisations;
- merge strategies, skip_non_existing and "Modify system CDP fields" (rules 2–5, 28);
- permissions (rules 18–21, see ``permissions``), lead conversion (rule 12, the one deliberate
  exception to rule 10: the converted Contact's Id joins the lead's person);
- a record older than the stored one (by SystemModstamp) is skipped as ``stale`` (rule 34).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import fields as f
from .candidates import (
    CandidateIndex,
    IncomingRecord,
    LinkState,
    OrgIndex,
    OrgSnapshot,
    PersonSnapshot,
)
from .permissions import initial_permissions, update_permissions
from .settings import (
    FindStrategy,
    MergeSettings,
    MergeStrategy,
    PeopleSettings,
    SystemFieldPolicy,
)

CREATED, MERGED, SKIPPED = "created", "merged", "skipped"
SKIPPED_NON_EXISTING = "skipped_non_existing"  # rule 5
IGNORED_EXISTING = "ignored_existing"  # rule 4: matched, left untouched (hidden Id still linked)
STALE = "stale"  # rule 34: older SystemModstamp than the one already merged
#: Names of the key a record matched by (``Outcome.matched_by``).
BY_SF_ID, BY_EMAIL, BY_PHONE, BY_CONVERTED_LEAD, BY_NAME = (
    "sf_id", "email", "phone", "converted_lead", "name")


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


def _oldest(matches: Sequence[Any]) -> Any:
    if len(matches) < 2:
        return matches[0] if matches else None
    return min(matches, key=lambda item: item.order)


def _merge_fields(current: dict[str, Any], incoming: dict[str, Any], strategy: MergeStrategy,
                  policy: SystemFieldPolicy | None,
                  set_field: Callable[[str, Any], None]) -> dict[str, Any]:
    """Apply append-only (rule 2) or overwrite (rule 3) to one matched record; return changes."""
    changes: dict[str, Any] = {}
    for field_id, value in incoming.items():
        if field_id in f.PERMISSION_FIELDS:
            continue
        if policy is not None and not policy.allows(field_id):
            continue  # rule 28: an unchecked system field is never updated
        existing = current.get(field_id)
        if strategy is MergeStrategy.APPEND_ONLY:
            if existing is not None or value is None:
                continue
        elif existing == value:
            continue
        set_field(field_id, value)
        changes[field_id] = value
    return changes


def _ensure_link(index: CandidateIndex | OrgIndex, record: IncomingRecord,
                 target: PersonSnapshot | OrgSnapshot) -> LinkState:
    """The record's link, created on first sight and refreshed with its latest metadata."""
    link = index.links.get(record.sf_id)
    if link is None:
        link = index.add_link(LinkState(record.sf_id, record.sf_object, target, dirty=True))
    meta = (record.account_id, record.converted_contact_id, record.modstamp or link.modstamp)
    if (link.account_id, link.converted_contact_id, link.modstamp) != meta:
        link.account_id, link.converted_contact_id, link.modstamp = meta
        link.dirty = True
    return link


def _is_stale(index: CandidateIndex | OrgIndex, record: IncomingRecord) -> bool:
    link = index.links.get(record.sf_id)
    return (link is not None and link.modstamp is not None and record.modstamp is not None
            and record.modstamp < link.modstamp)


# --- people -------------------------------------------------------------------------------

def find_person(record: IncomingRecord, index: CandidateIndex,
                settings: PeopleSettings) -> tuple[PersonSnapshot | None, str | None]:
    """The person this record merges into and the key that matched (rules 6–8, 10, 12)."""
    link = index.links.get(record.sf_id)
    if link is not None:
        return link.target, BY_SF_ID
    if settings.merge_converted_leads and record.sf_object == "Contact":
        lead_person = index.converted.get(record.sf_id)
        if lead_person is not None:
            return lead_person, BY_CONVERTED_LEAD
    strict = settings.merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY
    source = index.data_source_id
    for key, value, bucket in ((BY_EMAIL, record.email, index.by_email),
                               (BY_PHONE, record.phone, index.by_phone)):
        if value is None:
            continue  # rule 7: empty incoming keys are skipped
        matches = bucket.get(value, ())
        if strict:
            # Rule 7: every earlier key must be empty on the existing person (rule 10 follows).
            matches = [p for p in matches if source not in p.sf_sources
                       and (key == BY_EMAIL or p.fields.get(f.EMAIL) is None)]
        person = _oldest(matches)
        if person is not None:
            return person, key
    return None, None


def _link_organization(person: PersonSnapshot, record: IncomingRecord, previous_account: str | None,
                       index: CandidateIndex) -> None:
    """Rule 17: the person's organisation is the one holding the contact's AccountId."""
    if record.sf_object != "Contact":
        return  # leads carry no AccountId; they never change the organisation link
    org_id = index.orgs_by_account.get(record.account_id) if record.account_id else None
    if org_id is not None:
        if person.organization_id != org_id:
            person.organization_id, person.dirty = org_id, True
    elif previous_account is not None and record.account_id != previous_account \
            and person.organization_id == index.orgs_by_account.get(previous_account):
        # The contact left the account that gave the link; a not-yet-synced new account is
        # linked when its organisation arrives (store.link_people_to_organizations).
        person.organization_id, person.dirty = None, True


def _create_person(record: IncomingRecord, index: CandidateIndex,
                   settings: PeopleSettings) -> Outcome:
    person = index.new_person()
    policy = settings.system_fields
    changes = {}
    for field_id, value in record.fields.items():
        if value is None or field_id in f.PERMISSION_FIELDS:
            continue
        # Rule 28: unchecked system fields are not written, but merge keys are (identifiable).
        if policy.allows(field_id) or field_id in f.PERSON_KEY_FIELDS:
            person.fields[field_id] = changes[field_id] = value
    person.email_permission, person.sms_permission = initial_permissions(settings, record.fields)
    changes[f.EMAIL_PERMISSION] = person.email_permission
    changes[f.SMS_PERMISSION] = person.sms_permission
    index.add_person(person)
    link = _ensure_link(index, record, person)
    _link_organization(person, record, None, index)
    _register_conversion(record, person, index, settings)
    return Outcome(record.sf_id, CREATED, changes=changes, target=person, link=link)


def _register_conversion(record: IncomingRecord, person: PersonSnapshot, index: CandidateIndex,
                         settings: PeopleSettings) -> None:
    # Later Contacts of this page (and the store, for later pages) find the lead's person.
    if settings.merge_converted_leads and record.converted_contact_id:
        index.converted.setdefault(record.converted_contact_id, person)


def plan_record(record: IncomingRecord, index: CandidateIndex, settings: PeopleSettings) -> Outcome:
    """Plan one incoming Contact or Lead against the index, updating the index."""
    if _is_stale(index, record):
        return Outcome(record.sf_id, SKIPPED, reason=STALE, target=index.links[record.sf_id].target)
    person, key = find_person(record, index, settings)
    merge = settings.merge
    if person is None:
        if merge.skip_non_existing:
            return Outcome(record.sf_id, SKIPPED, reason=SKIPPED_NON_EXISTING)
        return _create_person(record, index, settings)
    previous = index.links.get(record.sf_id)
    previous_account = previous.account_id if previous is not None else None
    link = _ensure_link(index, record, person)
    if merge.strategy is MergeStrategy.IGNORE:
        return Outcome(record.sf_id, SKIPPED, key, IGNORED_EXISTING, target=person, link=link)
    policy = settings.system_fields if settings.system_fields.allowed is not None else None
    changes = _merge_fields(person.fields, record.fields, merge.strategy, policy,
                            lambda field_id, value: index.set_field(person, field_id, value))
    changes.update(update_permissions(person, settings, record.fields))
    if person.archived:
        person.archived, person.dirty = False, True  # rule 33: a merged record is restored
    person.dirty = person.dirty or bool(changes)
    _link_organization(person, record, previous_account, index)
    _register_conversion(record, person, index, settings)
    return Outcome(record.sf_id, MERGED, key, changes=changes, target=person, link=link)


def plan_batch(incoming: Sequence[IncomingRecord], candidates: CandidateIndex,
               settings: PeopleSettings) -> list[Outcome]:
    """Plan a page of people in order; records see the effects of earlier ones in the page."""
    return [plan_record(record, candidates, settings) for record in incoming]


# --- organisations ------------------------------------------------------------------------

def find_organization(record: IncomingRecord, index: OrgIndex,
                      merge: MergeSettings) -> tuple[OrgSnapshot | None, str | None]:
    """The organisation an Account merges into (rules 13–16)."""
    link = index.links.get(record.sf_id)
    if link is not None:
        return link.target, BY_SF_ID
    name = f.name_key(record.fields.get(f.ORG_NAME))
    if name is None:
        return None, None
    source = index.data_source_id
    strict = merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY
    # Rule 15 under both strategies: an org holding a *different* Account Id is never absorbed.
    matches = [org for org in index.by_name.get(name, ())
               if org.account_ids <= {record.sf_id}
               and not (strict and source in org.sf_sources)]
    org = _oldest(matches)
    return (org, BY_NAME) if org is not None else (None, None)


def plan_org_record(record: IncomingRecord, index: OrgIndex, merge: MergeSettings) -> Outcome:
    """Plan one incoming Account against the index, updating the index."""
    if _is_stale(index, record):
        return Outcome(record.sf_id, SKIPPED, reason=STALE, target=index.links[record.sf_id].target)
    org, key = find_organization(record, index, merge)
    if org is None:
        if merge.skip_non_existing:
            return Outcome(record.sf_id, SKIPPED, reason=SKIPPED_NON_EXISTING)
        org = index.new_org()
        org.fields = {k: v for k, v in record.fields.items() if v is not None}
        index.add_org(org)
        link = _ensure_link(index, record, org)
        return Outcome(record.sf_id, CREATED, changes=dict(org.fields), target=org, link=link)
    link = _ensure_link(index, record, org)  # rule 16: an unclaimed organisation is claimed
    if merge.strategy is MergeStrategy.IGNORE:
        return Outcome(record.sf_id, SKIPPED, key, IGNORED_EXISTING, target=org, link=link)
    changes = _merge_fields(org.fields, record.fields, merge.strategy, None,
                            lambda field_id, value: index.set_field(org, field_id, value))
    if org.archived:
        org.archived, org.dirty = False, True
    org.dirty = org.dirty or bool(changes)
    return Outcome(record.sf_id, MERGED, key, changes=changes, target=org, link=link)


def plan_org_batch(incoming: Sequence[IncomingRecord], candidates: OrgIndex,
                   settings: MergeSettings) -> list[Outcome]:
    """Plan a page of organisations in order, as ``plan_batch`` does for people."""
    return [plan_org_record(record, candidates, settings) for record in incoming]
