"""The comparison of an incrementally synced CDP with a fresh sync of the same org (issue 15).

``snapshot`` reads a CDP into hidden-Id-keyed states, ``History`` remembers what the org and the
incremental CDP once held, and ``compare`` is the one place that says how the two CDPs may
legitimately differ.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncer.cdp import fields as f
from syncer.cdp import readers
from syncer.cdp.fieldmap import DEFAULT_FIELDS
from syncer.cdp.settings import UI_STRATEGIES, FindStrategy, MergeStrategy
from syncer.config import KEY_STRATEGIES
from syncer.service import Syncer

# --- the CDP as the comparison sees it ------------------------------------------------------

Ids = frozenset  # a person's or organisation's hidden Ids of the source


@dataclass(frozen=True)
class PersonState:
    """A person reduced to what must converge (no row ids, no timestamps)."""

    ids: Ids
    fields: tuple
    email_permission: bool
    sms_permission: bool
    archived: bool
    organization: Ids | None  # the hidden Account Ids of the person's organisation
    row: int = field(default=0, compare=False)  # the CDP row (for ``History``; never compared)


@dataclass(frozen=True)
class OrgState:
    """An organisation reduced to what must converge."""

    ids: Ids
    fields: tuple
    archived: bool
    row: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ActivityState:
    """An activity: its key, type, the hidden Ids of its person, its attributes."""

    key: str
    type: str
    person: Ids
    attributes: tuple


@dataclass
class Snapshot:
    """One CDP: people and organisations keyed by hidden Ids, plus those holding none."""

    people: dict[Ids, PersonState]
    orgs: dict[Ids, OrgState]
    activities: dict[str, ActivityState]
    people_without_ids: list[PersonState]
    orgs_without_ids: list[OrgState]


def snapshot(service: Syncer) -> Snapshot:
    """Read a syncer's CDP (one data source) into a ``Snapshot``."""
    engine = service.cdp.engine
    org_ids = {o.id: Ids(s.sf_id for s in o.sf_ids) for o in readers.iter_organizations(engine)}
    orgs, orgless = {}, []
    for o in readers.iter_organizations(engine):
        state = OrgState(org_ids[o.id], tuple(sorted(o.fields.items())), o.archived, o.id)
        (orgs.__setitem__(state.ids, state) if state.ids else orgless.append(state))
    people, personless, by_row = {}, [], {}
    for p in readers.iter_people(engine):
        org = org_ids.get(p.organization_id) if p.organization_id is not None else None
        state = PersonState(Ids(s.sf_id for s in p.sf_ids), tuple(sorted(p.fields.items())),
                            p.email_permission, p.sms_permission, p.archived, org, p.id)
        by_row[p.id] = state.ids
        (people.__setitem__(state.ids, state) if state.ids else personless.append(state))
    activities = {a.sf_id: ActivityState(a.sf_id, a.type, by_row.get(a.person_id, Ids()),
                                         tuple(sorted(a.attributes.items())))
                  for a in readers.iter_activities(engine, None, None, None)}
    return Snapshot(people, orgs, activities, personless, orgless)


# --- history: what the comparison may accept where values legitimately lag ---------------------

@dataclass
class History:
    """Every value each record ever had in the org, and what the incremental CDP ever showed:
    ``held`` — for each hidden Id, every hidden Id it ever shared a person with; ``rows`` — for
    each person or organisation row, every hidden Id it ever held."""

    values: dict[str, dict[str, set]] = field(default_factory=dict)
    held: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # opportunity → its primary contact

    def record(self, sobject: str, sf_id: str, values: dict[str, Any]) -> None:
        """Remember the values a record now has (Salesforce field names)."""
        mapping = DEFAULT_FIELDS.get(sobject, {})
        seen = self.values.setdefault(sf_id, {})
        for name, value in values.items():
            if name in mapping:
                seen.setdefault(mapping[name], set()).add(f.normalize(mapping[name], value))
            elif name == "AccountId":
                seen.setdefault("AccountId", set()).add(value)

    def observe(self, snap: Snapshot) -> None:
        """Remember which hidden Ids shared a person in the incremental CDP."""
        for ids in snap.people:
            for sf_id in ids:
                self.held.setdefault(sf_id, set()).update(ids)
        for kind, states in (("person", [*snap.people.values(), *snap.people_without_ids]),
                             ("org", [*snap.orgs.values(), *snap.orgs_without_ids])):
            for state in states:
                self.rows.setdefault((kind, state.row), set()).update(state.ids)

    def once_held(self, kind: str, state) -> set[str]:
        """Every hidden Id the row of ``state`` (incremental CDP) ever held, its own included."""
        return set(state.ids) | self.rows.get((kind, state.row), set())

    def ever_shared(self, ids: Ids) -> set[str]:
        """Every hidden Id any of ``ids`` ever shared a person with (``ids`` included)."""
        return set(ids).union(*(self.held.get(i, ()) for i in ids))


# --- the comparison ---------------------------------------------------------------------------

def compare(incremental: Snapshot, fresh: Snapshot, strategy: str, key: str,
            history: History) -> list[str]:
    """The differences between an incrementally synced CDP and a fresh sync of the same org,
    for a CDP fed only by this source; an empty list when they converge.

    This is the one place that says how the two may legitimately differ:

    1. **Deleted records.** A person or organisation whose hidden Ids were all deleted stays
       in the incremental CDP, archived (rule 39 never deletes CDP data); a fresh sync never
       sees it. So records holding no hidden Id are compared only as "archived".
    2. **Never-overwrite strategies** ("merge new data", "new records only"): the incremental
       CDP keeps values a fresh sync would replace. Each field of a person or organisation is
       then either equal, or a value once held by one of its records or by a record the same
       row held before (an archived row whose records were deleted is claimed again by email,
       phone or name, rules 7 and 16; ``History``); under "merge new data" every field a fresh
       sync sets is set. "New records only" leaves a matched person completely untouched
       (rule 4), archive state and organisation included, so for people only the hidden Ids
       are compared, and an organisation's archive state is not.
    3. **"Merge with any key match"**: people are never split or joined afterwards, so records
       that shared an email or phone when merged stay together when their keys part, and
       records that come to share a key stay apart. The grouping of hidden Ids into people is
       then compared only for people whose records never shared a person with another record
       (``History.held``); for them, as for everyone under "match only if previous merge key
       is empty", fields and organisation must be equal.
    4. **A person whose records changed** (one left it — deleted or merged elsewhere — or it
       holds several): a field keeps the value its last merged record wrote, which may be a
       record it no longer holds, so each field is "a value one of its records once had", and
       its email and SMS permissions are not compared. Its organisation still follows the
       records it holds (rule 17), and it is live: those must be equal.
    5. **Activities** whose primary contact was since deleted stay on its person (rule 39); a
       fresh sync has no person for them (``History.roles``). Every activity of a fresh sync
       must be in the incremental CDP with the same attributes and person.

    Everything else must be equal: the set of hidden Ids held, which people and organisations
    are live, email and SMS permissions (rules 18–20), organisations and their fields.
    """
    diffs: list[str] = []
    merge, _skip = _strategy(strategy)
    never_overwrite = merge is not MergeStrategy.OVERWRITE
    any_key = KEY_STRATEGIES[key] is FindStrategy.ANY_KEY

    for state in incremental.people_without_ids + incremental.orgs_without_ids:
        if not state.archived:
            diffs.append(f"a live record without hidden Ids: {state}")
    for label, extra in (("people", fresh.people_without_ids), ("orgs", fresh.orgs_without_ids)):
        if extra:
            diffs.append(f"fresh sync has {label} without hidden Ids: {extra}")

    def held(snap: Snapshot) -> set[str]:
        return set().union(*snap.people, *snap.orgs)
    if held(incremental) != held(fresh):
        diffs.append(f"hidden Ids differ: only incremental {sorted(held(incremental) - held(fresh))}, "
                     f"only fresh {sorted(held(fresh) - held(incremental))}")

    # Organisations: one Account each, never merged by name under these settings (rule 15).
    for ids in sorted(set(incremental.orgs) | set(fresh.orgs), key=sorted):
        inc, new = incremental.orgs.get(ids), fresh.orgs.get(ids)
        if inc is None or new is None:
            diffs.append(f"organisation {sorted(ids)} grouped differently: {inc} vs {new}")
            continue
        diffs += _fields("organisation", ids, inc.fields, new.fields, never_overwrite, merge,
                         history, history.once_held("org", inc))
        if inc.archived != new.archived and not (merge is MergeStrategy.IGNORE):
            diffs.append(f"organisation {sorted(ids)} archived {inc.archived} vs {new.archived}")

    for ids in sorted(set(incremental.people) | set(fresh.people), key=sorted):
        inc, new = incremental.people.get(ids), fresh.people.get(ids)
        changed = history.ever_shared(ids) != set(ids) or len(ids) > 1 or (
            inc is not None and history.once_held("person", inc) != set(ids))
        if inc is None or new is None:
            if not (any_key and changed):
                diffs.append(f"person {sorted(ids)} grouped differently: {inc} vs {new}")
            continue
        if merge is MergeStrategy.IGNORE:
            continue  # rule 4: see 2.; the hidden Ids (compared above) are all it must share
        diffs += _fields("person", ids, inc.fields, new.fields, never_overwrite or changed, merge,
                         history, history.once_held("person", inc))
        # 4.: a changed person's permissions, like its fields, are what its last merged record
        # gave, perhaps a record it no longer holds.
        compared = ("archived", "organization") if changed else (
            "archived", "email_permission", "sms_permission", "organization")
        for name in compared:
            if getattr(inc, name) != getattr(new, name):
                diffs.append(f"person {sorted(ids)} {name}: incremental {getattr(inc, name)!r}, "
                             f"fresh {getattr(new, name)!r}")

    for key_, new in fresh.activities.items():
        inc = incremental.activities.get(key_)
        if inc is None:
            diffs.append(f"activity {key_} missing from the incremental CDP: {new}")
        elif inc.type != new.type or inc.attributes != new.attributes or (
                inc.person != new.person and not any_key and merge is not MergeStrategy.IGNORE):
            diffs.append(f"activity {key_}: incremental {inc}, fresh {new}")
    live = held(fresh)
    for key_, inc in incremental.activities.items():
        if key_ not in fresh.activities and history.roles.get(key_) in live:
            diffs.append(f"activity {key_} only in the incremental CDP: {inc}")
    return diffs


def _strategy(name: str) -> tuple[MergeStrategy, bool]:
    return UI_STRATEGIES[name]


def _fields(kind: str, ids: Ids, inc: tuple, new: tuple, lenient: bool, merge: MergeStrategy,
            history: History, once_held: set[str]) -> list[str]:
    if inc == new:
        return []
    if not lenient:
        return [f"{kind} {sorted(ids)} fields: incremental {dict(inc)}, fresh {dict(new)}"]
    inc_d, new_d = dict(inc), dict(new)
    diffs = []
    once: dict[str, set] = {}
    for sf_id in history.ever_shared(ids) | once_held:
        for field_id, values in history.values.get(sf_id, {}).items():
            once.setdefault(field_id, set()).update(values)
    for field_id in set(inc_d) | set(new_d):
        a, b = inc_d.get(field_id), new_d.get(field_id)
        if a == b:
            continue
        if merge is MergeStrategy.APPEND_ONLY and a is None:
            diffs.append(f"{kind} {sorted(ids)} lost {field_id} (append-only never clears)")
        elif a is not None and a not in once.get(field_id, ()):
            diffs.append(f"{kind} {sorted(ids)} {field_id}={a!r}: never a value of its records")
    return diffs
