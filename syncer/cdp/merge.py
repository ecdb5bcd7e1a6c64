"""The merge engine: pure functions that plan how a page of Salesforce records lands in the CDP.

Nothing here touches a database. ``plan_batch`` (people) and ``plan_org_batch`` (organisations)
walk a page in order against a candidate index, decide per record whether it creates, merges or
is skipped, and change the snapshots in the index to their new state; the store then writes the
snapshots and links marked dirty. Records that share no key with anything the page could see
(most of an initial sync) skip the walk: ``split_fresh`` decides for them what the planner would,
a person each, without snapshots (see there why that is the same). Rules implemented
(``docs/rules.md``):

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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter, methodcaller
from typing import Any

from . import fields as f
from .candidates import (  # the outcome type and its actions live with the other views
    CREATED,
    MERGED,
    SKIPPED,
    CandidateIndex,
    IncomingRecord,
    LinkState,
    OrgIndex,
    OrgSnapshot,
    Outcome,
    PersonSnapshot,
)
from .fastpath import gc_paused
from .permissions import initial_permissions, update_permissions
from .settings import (
    FindStrategy,
    MergeSettings,
    MergeStrategy,
    PeopleSettings,
    SystemFieldPolicy,
)

SKIPPED_NON_EXISTING = "skipped_non_existing"  # rule 5
IGNORED_EXISTING = "ignored_existing"  # rule 4: matched, left untouched (hidden Id still linked)
STALE = "stale"  # rule 34: older SystemModstamp than the one already merged
#: Names of the key a record matched by (``Outcome.matched_by``).
BY_SF_ID, BY_EMAIL, BY_PHONE, BY_CONVERTED_LEAD, BY_NAME = (
    "sf_id", "email", "phone", "converted_lead", "name")


def _oldest(matches: Sequence[Any]) -> Any:
    if len(matches) < 2:
        return matches[0] if matches else None
    return min(matches, key=lambda item: item.order)


def _merge_fields(current: dict[str, Any], incoming: dict[str, Any], strategy: MergeStrategy,
                  policy: SystemFieldPolicy | None, index: CandidateIndex | OrgIndex,
                  target: PersonSnapshot | OrgSnapshot) -> dict[str, Any]:
    """Apply append-only (rule 2) or overwrite (rule 3) to one matched record; return changes."""
    changes: dict[str, Any] = {}
    get = current.get
    append_only = strategy is MergeStrategy.APPEND_ONLY
    for field_id, value in incoming.items():
        existing = get(field_id)
        if (existing is not None or value is None) if append_only else existing == value:
            continue  # most fields are unchanged: the cheapest test goes first
        if field_id in _UNMERGED or (policy is not None and not policy.allows(field_id)):
            continue  # permissions follow their own rules; rule 28: unchecked system fields
        if field_id in _INDEXED:
            index.set_field(target, field_id, value)  # keeps the key indexes current
        elif value is None:
            current.pop(field_id, None)
        else:
            current[field_id] = value
        changes[field_id] = value
    return changes


_UNMERGED = f.PERMISSION_FIELDS
#: Fields a candidate index looks records up by: only these need ``set_field``.
_INDEXED = frozenset({f.EMAIL, f.PHONE, f.ORG_NAME})


def _ensure_link(index: CandidateIndex | OrgIndex, record: IncomingRecord,
                 target: PersonSnapshot | OrgSnapshot, link: LinkState | None) -> LinkState:
    """The record's link (``link``, looked up by the caller), created on first sight and
    refreshed with its latest metadata."""
    if link is None:
        link = index.add_link(LinkState(record.sf_id, record.sf_object, target, None, None, None,
                                        None, True))
    modstamp = record.modstamp or link.modstamp
    if (link.account_id != record.account_id or link.modstamp != modstamp
            or link.converted_contact_id != record.converted_contact_id):
        link.account_id, link.converted_contact_id = record.account_id, record.converted_contact_id
        link.modstamp, link.dirty = modstamp, True
    return link


def _is_stale(link: LinkState | None, record: IncomingRecord) -> bool:
    return (link is not None and link.modstamp is not None and record.modstamp is not None
            and record.modstamp < link.modstamp)


# --- people -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Rules:
    """What a page's settings decide, read once per page rather than once per record."""

    settings: PeopleSettings
    strict: bool  # find strategy "previous key empty"
    strategy: MergeStrategy
    skip_non_existing: bool
    policy: SystemFieldPolicy | None  # None: every field may be updated (rule 28)
    permissions: bool  # a permission mapping is configured (rules 18–21)
    converted: bool  # lead conversion merges (rule 12)

    @classmethod
    def of(cls, settings: PeopleSettings) -> _Rules:
        merge, policy = settings.merge, settings.system_fields
        return cls(settings, merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY,
                   merge.strategy, merge.skip_non_existing,
                   policy if policy.allowed is not None else None,
                   settings.email_permission is not None or settings.sms_permission is not None,
                   settings.merge_converted_leads)


def _find_by_keys(record: IncomingRecord, index: CandidateIndex,
                  rules: _Rules) -> tuple[PersonSnapshot | None, str | None]:
    """The person a record whose hidden Id is not linked yet merges into, and the key that
    matched (rules 6–8, 10, 12)."""
    if rules.converted and record.sf_object == "Contact":
        lead_person = index.converted.get(record.sf_id)
        if lead_person is not None:
            return lead_person, BY_CONVERTED_LEAD
    get = record.fields.get
    email, phone = get(f.EMAIL), get(f.PHONE)
    # Rule 7: an empty key is skipped; under "previous key empty" every earlier key must be
    # empty on the existing person (rule 10 follows: no second Id of this source).
    if email is not None:
        matches = index.by_email.get(email)
        if matches:
            if rules.strict:
                source = index.data_source_id
                matches = [p for p in matches if source not in p.sf_sources]
            if matches:
                return _oldest(matches), BY_EMAIL
    if phone is not None:
        matches = index.by_phone.get(phone)
        if matches:
            if rules.strict:
                source, email_id = index.data_source_id, f.EMAIL
                matches = [p for p in matches if source not in p.sf_sources
                           and p.fields.get(email_id) is None]
            if matches:
                return _oldest(matches), BY_PHONE
    return None, None


def _link_organization(person: PersonSnapshot, record: IncomingRecord, previous_account: str | None,
                       index: CandidateIndex) -> None:
    """Rule 17: the person's organisation is the one holding the contact's AccountId."""
    if record.sf_object != "Contact" or (record.account_id is None and previous_account is None):
        return  # leads carry no AccountId; they never change the organisation link
    org_id = index.orgs_by_account.get(record.account_id) if record.account_id else None
    if org_id is not None:
        if person.organization_id != org_id:
            person.organization_id, person.dirty = org_id, True
    elif previous_account is not None and record.account_id != previous_account \
            and person.organization_id == index.orgs_by_account.get(previous_account):
        # The contact left the account that gave the link: the person follows the contacts it
        # still holds (``orglinks.rederive`` after the page is written), or has none; a
        # not-yet-synced new account is linked when its organisation arrives (``apply_orgs``).
        person.organization_id, person.dirty = None, True
        index.org_rederive.append(person)


def _create_person(record: IncomingRecord, index: CandidateIndex, rules: _Rules) -> Outcome:
    # Rule 28: unchecked system fields are not written, but merge keys are (identifiable).
    policy = rules.policy
    changes = {k: v for k, v in record.fields.items() if v is not None and k not in _UNMERGED
               and (policy is None or policy.allows(k) or k in f.PERSON_KEY_FIELDS)}
    person = index.new_person(changes.copy())
    if rules.permissions:
        person.email_permission, person.sms_permission = initial_permissions(rules.settings,
                                                                             record.fields)
    changes[f.EMAIL_PERMISSION] = person.email_permission
    changes[f.SMS_PERMISSION] = person.sms_permission
    index.add_person(person)
    link = _ensure_link(index, record, person, None)
    if record.account_id is not None:
        _link_organization(person, record, None, index)
    if rules.converted and record.converted_contact_id:
        _register_conversion(record, person, index, rules)
    return Outcome(record.sf_id, CREATED, None, None, changes, person, link)


def _register_conversion(record: IncomingRecord, person: PersonSnapshot, index: CandidateIndex,
                         rules: _Rules) -> None:
    # Later Contacts of this page (and the store, for later pages) find the lead's person.
    if rules.converted and record.converted_contact_id:
        index.converted.setdefault(record.converted_contact_id, person)


def _plan(record: IncomingRecord, index: CandidateIndex, rules: _Rules) -> Outcome:
    sf_id = record.sf_id
    link = index.links.get(sf_id)
    if link is not None:
        modstamp = record.modstamp  # rule 34, ``_is_stale`` inline (most records have a link)
        if modstamp is not None and link.modstamp is not None and modstamp < link.modstamp:
            return Outcome(sf_id, SKIPPED, None, STALE, {}, link.target)
        person, key = link.target, BY_SF_ID
        previous_account = link.account_id
    else:
        person, key = _find_by_keys(record, index, rules)
        if person is None:
            if rules.skip_non_existing:
                return Outcome(sf_id, SKIPPED, None, SKIPPED_NON_EXISTING)
            return _create_person(record, index, rules)
        previous_account = None
    link = _ensure_link(index, record, person, link)
    if rules.strategy is MergeStrategy.IGNORE:
        return Outcome(sf_id, SKIPPED, key, IGNORED_EXISTING, {}, person, link)
    changes = _merge_fields(person.fields, record.fields, rules.strategy, rules.policy, index,
                            person)
    if rules.permissions and person.created_by == index.data_source_id:
        # Rule 19: only the people this source created follow its permission fields.
        changes.update(update_permissions(person, rules.settings, record.fields))
    if person.archived:
        person.archived, person.dirty = False, True  # rule 33: a merged record is restored
    if changes:
        person.dirty = True
    if record.account_id is not None or previous_account is not None:
        _link_organization(person, record, previous_account, index)
    if rules.converted and record.converted_contact_id:
        _register_conversion(record, person, index, rules)
    return Outcome(sf_id, MERGED, key, None, changes, person, link)


@gc_paused()
def plan_batch(incoming: Sequence[IncomingRecord], candidates: CandidateIndex,
               settings: PeopleSettings) -> list[Outcome]:
    """Plan a page of people in order; records see the effects of earlier ones in the page."""
    rules = _Rules.of(settings)
    return [_plan(record, candidates, rules) for record in incoming]


# --- people created straight away ---------------------------------------------------------

@dataclass(slots=True, eq=False)
class FreshPerson:
    """A record that creates a person no other record of its page can see (``split_fresh``):
    what ``_create_person`` would store, without the snapshot, link and outcome it builds for
    the planner's later records. ``id`` and ``stored`` are set when the page is written."""

    position: int  # in the page: new people and links are written in page order
    record: IncomingRecord
    fields: dict[str, Any]
    email_permission: bool
    sms_permission: bool
    organization_id: int | None
    created_by: int  # this data source (rule 19)
    created_at: datetime
    id: int | None = None
    stored: tuple | None = None
    dirty: bool = True

    def outcome(self) -> Outcome:
        """The outcome ``_create_person`` gives this record, as it stands once written."""
        record, fields = self.record, self.fields
        person = PersonSnapshot(self.id, self.created_at, fields, self.email_permission,
                                self.sms_permission, False, False, False, self.organization_id,
                                {self.created_by}, 0, self.dirty, self.stored, self.created_by)
        link = LinkState(record.sf_id, record.sf_object, person, None, record.account_id,
                         record.converted_contact_id, record.modstamp, self.dirty)
        changes = {**fields, f.EMAIL_PERMISSION: self.email_permission,
                   f.SMS_PERMISSION: self.sms_permission}
        return Outcome(record.sf_id, CREATED, None, None, changes, person, link)


@gc_paused()
def split_fresh(incoming: Sequence[IncomingRecord], index: CandidateIndex,
                settings: PeopleSettings) -> tuple[list[int], list[FreshPerson]]:
    """The page positions the planner must walk, and the records that create a person apart.

    A record is fresh when its hidden Id, email and phone each occur once in the page and match
    nothing in the index (no link, no candidate holding that email or phone), and lead
    conversion (rule 12) plays no part in it. Nothing can then merge into it: it creates a
    person under every find and merge strategy, and no other record of the page reads or
    changes what it creates — records only meet through these keys, and the planner's index
    only changes a person's email or phone to a value some record of the page carries. So its
    outcome is the same wherever in the page it is planned; only ids and link rows keep page
    order (``writer.apply_people``). An initial sync's pages are nearly all fresh records.
    """
    rules = _Rules.of(settings)
    if rules.skip_non_existing:  # rule 5: an unmatched record is skipped, not created
        return list(range(len(incoming))), []
    # Keys counted column-wise (in C): most pages repeat none of them.
    fields = list(map(_FIELDS, incoming))
    ids, email_of, phone_of = list(map(_SF_ID, incoming)), _GET_EMAIL, _GET_PHONE
    emails, phones = list(map(email_of, fields)), list(map(phone_of, fields))
    seen_ids, seen_emails, seen_phones = Counter(ids), Counter(emails), Counter(phones)
    converted: set[str] = set()
    if rules.converted:
        converted = {r.converted_contact_id for r in incoming} | index.converted.keys()
    links, by_email, by_phone = index.links, index.by_email, index.by_phone
    planned: list[int] = []
    fresh: list[FreshPerson] = []
    for position, (record, sf_id, email, phone) in enumerate(zip(incoming, ids, emails, phones)):
        if (sf_id not in links and seen_ids[sf_id] == 1
                and (email is None or (email not in by_email and seen_emails[email] == 1))
                and (phone is None or (phone not in by_phone and seen_phones[phone] == 1))
                and not (rules.converted and (record.converted_contact_id or sf_id in converted))):
            fresh.append(_fresh_person(position, record, index, rules))
        else:
            planned.append(position)
    return planned, fresh


_FIELDS, _SF_ID = attrgetter("fields"), attrgetter("sf_id")
_GET_EMAIL, _GET_PHONE = methodcaller("get", f.EMAIL), methodcaller("get", f.PHONE)


def _fresh_person(position: int, record: IncomingRecord, index: CandidateIndex,
                  rules: _Rules) -> FreshPerson:
    """``_create_person``'s decisions for a fresh record (rules 17, 18, 28)."""
    policy = rules.policy
    values = {k: v for k, v in record.fields.items() if v is not None and k not in _UNMERGED
              and (policy is None or policy.allows(k) or k in f.PERSON_KEY_FIELDS)}
    email_permission, sms_permission = True, False  # ``CandidateIndex.new_person``'s defaults
    if rules.permissions:
        email_permission, sms_permission = initial_permissions(rules.settings, record.fields)
    organization_id = None
    if record.sf_object == "Contact" and record.account_id:
        organization_id = index.orgs_by_account.get(record.account_id)
    return FreshPerson(position, record, values, email_permission, sms_permission,
                       organization_id, index.data_source_id, index.now)


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
    link = index.links.get(record.sf_id)
    if _is_stale(link, record):
        return Outcome(record.sf_id, SKIPPED, reason=STALE, target=link.target)
    org, key = find_organization(record, index, merge)
    if org is None:
        if merge.skip_non_existing:
            return Outcome(record.sf_id, SKIPPED, reason=SKIPPED_NON_EXISTING)
        org = index.new_org()
        org.fields = {k: v for k, v in record.fields.items() if v is not None}
        index.add_org(org)
        link = _ensure_link(index, record, org, link)
        return Outcome(record.sf_id, CREATED, changes=dict(org.fields), target=org, link=link)
    link = _ensure_link(index, record, org, link)  # rule 16: an unclaimed organisation is claimed
    if merge.strategy is MergeStrategy.IGNORE:
        return Outcome(record.sf_id, SKIPPED, key, IGNORED_EXISTING, target=org, link=link)
    changes = _merge_fields(org.fields, record.fields, merge.strategy, None, index, org)
    if org.archived:
        org.archived, org.dirty = False, True
    org.dirty = org.dirty or bool(changes)
    return Outcome(record.sf_id, MERGED, key, changes=changes, target=org, link=link)


@gc_paused()
def plan_org_batch(incoming: Sequence[IncomingRecord], candidates: OrgIndex,
                   settings: MergeSettings) -> list[Outcome]:
    """Plan a page of organisations in order, as ``plan_batch`` does for people."""
    return [plan_org_record(record, candidates, settings) for record in incoming]
