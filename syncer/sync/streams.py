"""What the syncer reads from Salesforce: one small declarative definition per stream.

Rule 54: people ← Contact, Lead; organisations ← Account; activities ← Opportunity (through its
*primary* contact role only, rules 22–23), CampaignMember (campaign membership) and Task. Streams
run in dependency order: organisations before the people who link to them, leads before the
contacts they were converted into, people before their activities. Custom objects (rule 53,
``custom``) come last, once the people they link to are in.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from ..cdp import fields as f
from ..cdp.candidates import IncomingRecord, as_utc


class Role(enum.Enum):
    """What a stream's records become in the CDP."""

    ORGANIZATION = "organization"
    PERSON = "person"
    ACTIVITY = "activity"
    CUSTOM_OBJECT = "custom-object"   # kept as custom-object records linked to people (rule 53)


@dataclass(frozen=True)
class Stream:
    """One Salesforce object the syncer polls."""

    name: str
    role: Role
    config_object: str                 # the object a user selects for it (Campaign → CampaignMember)
    system_fields: tuple[str, ...] = ()  # read besides the user's field mapping
    activity_type: str | None = None
    activity_time: str = "CreatedDate"   # what dates an activity (rule 24's 90-day window)
    person_fields: tuple[str, ...] = ()  # where an activity finds its person, first non-null wins
    attributes: tuple[tuple[str, str], ...] = ()  # activity attributes: (name, field path)
    where: str = ""                      # a fixed filter (e.g. primary contact roles only)
    custom: bool = False                 # a configured custom object (``sync.custom``)

    def select_fields(self, mapping: dict[str, str], extra: tuple[str, ...] = ()) -> list[str]:
        """The SELECT list: Id, stamps, mapped fields, system fields, activity fields."""
        wanted = ["Id", "IsDeleted", "SystemModstamp", *mapping, *self.system_fields,
                  *self.person_fields, *(path for _, path in self.attributes), *extra]
        if self.role is Role.ACTIVITY:
            wanted.append(self.activity_time)
        return list(dict.fromkeys(wanted))


OPPORTUNITY_FIELDS = ("Name", "StageName", "Amount", "CloseDate", "IsWon", "IsClosed")
ACCOUNT = Stream("Account", Role.ORGANIZATION, "Account")
CONTACT = Stream("Contact", Role.PERSON, "Contact", system_fields=("AccountId",))
LEAD = Stream("Lead", Role.PERSON, "Lead", system_fields=("IsConverted", "ConvertedContactId"))
OPPORTUNITY = Stream(
    "Opportunity", Role.ACTIVITY, "Opportunity", activity_type="opportunity",
    person_fields=("(SELECT ContactId FROM OpportunityContactRoles WHERE IsPrimary = true)",),
    attributes=tuple((name, name) for name in OPPORTUNITY_FIELDS))
OPPORTUNITY_ROLE = Stream(
    "OpportunityContactRole", Role.ACTIVITY, "Opportunity", activity_type="opportunity",
    activity_time="Opportunity.CreatedDate", person_fields=("ContactId",),
    system_fields=("OpportunityId",),
    attributes=tuple((name, f"Opportunity.{name}") for name in OPPORTUNITY_FIELDS),
    where="IsPrimary = true")
CAMPAIGN_MEMBER = Stream(
    "CampaignMember", Role.ACTIVITY, "Campaign", activity_type="campaign-member",
    person_fields=("ContactId", "LeadId"),
    attributes=(("Status", "Status"), ("HasResponded", "HasResponded"),
                ("Campaign", "Campaign.Name"), ("CampaignType", "Campaign.Type")))
TASK = Stream("Task", Role.ACTIVITY, "Task", activity_type="task", activity_time="CreatedDate",
              person_fields=("WhoId",),
              attributes=tuple((name, name) for name in ("Subject", "Status", "Type", "ActivityDate")))

# Leads before contacts: a converted lead names its contact, so the contact then joins the lead's
# person (rule 12) instead of creating a second one.
STREAMS = (ACCOUNT, LEAD, CONTACT, OPPORTUNITY, OPPORTUNITY_ROLE, CAMPAIGN_MEMBER, TASK)


def selected(objects: tuple[str, ...]) -> list[Stream]:
    """The streams of the objects a data source syncs, in dependency order."""
    return [s for s in STREAMS if s.config_object in objects]


def parse_stamp(value: str | None) -> datetime | None:
    """A Salesforce datetime (``2024-01-02T03:04:05.000+0000``) as an aware datetime."""
    if not value:
        return None
    if value.endswith("+0000"):
        value = value[:-5] + "+00:00"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def path_value(record: dict, path: str):
    """The value at a dotted relationship path of a record (``Member__r.Email``), or None."""
    value = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def to_cdp_records(stream: Stream, records: list[dict], mapping: dict[str, str],
                   permission_fields: dict[str, str]) -> list[IncomingRecord]:
    """A page of person or organisation records as the CDP merges them: values under CDP field
    ids, normalised (``fields.normalized``), with their hidden ids; the mapping is resolved once
    for the page."""
    project = _projection(stream, mapping, permission_fields)
    return [project(record) for record in records]


def _projection(stream: Stream, mapping: dict[str, str],
                permission_fields: dict[str, str]) -> Callable[[dict], IncomingRecord]:
    """The function from a Salesforce record to its CDP record for one stream and mapping.

    Salesforce sends every selected field, so a record's mapped values are taken at once
    (``itemgetter``) and zipped onto the field ids, and the page shares one key layout (which
    fields are emails and phones). A record lacking a mapped field (a test's, a custom
    caller's) takes the field-by-field path, which leaves it out.
    """
    sf_fields, cdp_fields = tuple(mapping), tuple(mapping.values())
    take = itemgetter(*sf_fields) if len(sf_fields) > 1 else lambda record: tuple(record[n] for n in sf_fields)
    account, converted = {"Contact": ("AccountId", None), "Lead": (None, "ConvertedContactId")}.get(
        stream.name, (None, None)) if stream.role is Role.PERSON else (None, None)
    permissions = () if stream.role is not Role.PERSON else tuple(
        (field_id, permission_fields[channel]) for channel, field_id
        in (("email", f.EMAIL_PERMISSION), ("sms", f.SMS_PERMISSION)) if permission_fields.get(channel))
    layout = f.record_layout(tuple(dict.fromkeys((*cdp_fields, *(field_id for field_id, _ in permissions)))))
    name = stream.name

    def project(record: dict) -> IncomingRecord:
        try:
            values = dict(zip(cdp_fields, take(record)))
            page_layout = layout
        except KeyError:
            values = {cdp: record[sf] for sf, cdp in mapping.items() if sf in record}
            page_layout = None
        for field_id, sf_field in permissions:
            if sf_field in record:
                values[field_id] = record[sf_field]
            else:
                page_layout = None
        values = f.normalized(values, page_layout or f.record_layout(tuple(values)))
        return IncomingRecord(record["Id"], values, name,
                              record.get(account) or None if account else None,
                              record.get(converted) or None if converted else None,
                              as_utc(parse_stamp(record.get("SystemModstamp"))))

    return project


def to_activity(stream: Stream, record: dict) -> dict | None:
    """An activity for the CDP, or None when it has no person (e.g. no primary contact role)."""
    person = None
    for path in stream.person_fields:
        if path.startswith("("):
            children = record.get("OpportunityContactRoles") or {}
            rows = children.get("records") or [] if isinstance(children, dict) else []
            person = rows[0]["ContactId"] if rows else None
        else:
            person = path_value(record, path)
        if person:
            break
    if not person:
        return None
    # An opportunity is one activity whether it arrives itself or through its primary role.
    key = record.get("OpportunityId") if stream.name == "OpportunityContactRole" else record["Id"]
    attributes = {name: path_value(record, path) for name, path in stream.attributes}
    return {"sf_id": key, "type": stream.activity_type, "person_sf_id": person,
            "occurred_at": parse_stamp(path_value(record, stream.activity_time)), "attributes": attributes}
