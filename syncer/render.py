"""Liquid merge tags with Salesforce data (rule 56), rendered by python-liquid.

A template sees ``people`` — the person's fields by name (``first-name``, ``last-name``,
``email``, ``phone``, ``city``, ``country`` and custom fields such as ``tier`` for
``str:cm:tier``) — ``organization`` (its fields), ``activity`` — the latest Salesforce activity
of each type (``activity.opportunity.StageName``, ``activity.task.Subject``) — and
``activities``, the most recent ones first. An unknown tag is an error, not a silent blank.
"""
from __future__ import annotations

from liquid import Environment, StrictUndefined
from liquid.exceptions import LiquidError

from .cdp import CDP

_NAMES = {"str::first": "first-name", "str::last": "last-name", "str::email": "email",
          "phn::phone": "phone", "geo::city": "city", "geo::country": "country"}
_ENVIRONMENT = Environment(undefined=StrictUndefined)
RECENT = 20


class TemplateError(Exception):
    """A template that does not parse, or names data the person does not have."""


def _named(fields: dict) -> dict:
    named = {}
    for field_id, value in fields.items():
        name = _NAMES.get(field_id) or field_id.split(":")[-1]
        named[name] = value
    return named


def context(cdp: CDP, email: str) -> dict:
    """The merge data of the person with this email."""
    people = list(cdp.people(email=email.strip().lower()))
    if len(people) != 1:
        raise TemplateError(f"{len(people)} people with email {email!r}; need exactly one")
    person = people[0]
    organization = cdp.organization(person.organization_id) if person.organization_id else None
    recent = sorted(cdp.activities(person_id=person.id), key=lambda a: a.occurred_at, reverse=True)[:RECENT]
    latest: dict[str, dict] = {}
    for activity in recent:
        latest.setdefault(activity.type, dict(activity.attributes))
    return {"people": _named(person.fields),
            "organization": _named(organization.fields) if organization else {},
            "activity": latest,
            "activities": [{"type": a.type, "occurred_at": a.occurred_at.isoformat(), **a.attributes}
                           for a in recent]}


def render(template: str, data: dict) -> str:
    """Render a Liquid template with merge data; TemplateError says what is wrong."""
    try:
        return _ENVIRONMENT.from_string(template).render(**data)
    except LiquidError as error:
        raise TemplateError(str(error)) from None
