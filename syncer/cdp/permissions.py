"""Email and SMS permissions of people created or merged by a Salesforce source (rules 18–21).

- A new person is subscribed to email unless the mapped field carries the "value for false";
  unsubscribed from SMS unless the mapped field carries the "value for true" (rule 18).
- A person this source did not create (a CSV import, another source) keeps the permissions it
  has when a Salesforce record merges into it, mapping or not (rule 19, the seed: "will not have
  their email or SMS permissions changed"). For the people this source created, a mapping that
  reads Salesforce ("update CDP from Salesforce" or two-way) follows later changes of the
  field; a one-way-out mapping is never read (rule 21). The planner checks the creator
  (``PersonSnapshot.created_by``) before calling ``update_permissions``.
- An unsubscribe made in the CDP wins: Salesforce never re-subscribes that person (rule 20).
  A Salesforce "false" still unsubscribes; it does not set the CDP-unsubscribe flag, so a later
  Salesforce "true" may subscribe again.

Design choice [OD]: permission mappings are explicit, per-field settings, so they apply under
both append-only and overwrite; only the ignore strategy leaves permissions alone (rule 4).
"""
from __future__ import annotations

from typing import Any

from . import fields as f
from .candidates import PersonSnapshot
from .settings import PeopleSettings, PermissionMapping


def _read(mapping: PermissionMapping | None, raw: Any) -> bool | None:
    return mapping.interpret(raw) if mapping is not None else None


def initial_permissions(settings: PeopleSettings, incoming: dict[str, Any]) -> tuple[bool, bool]:
    """(email, sms) permission of a person this record creates (rule 18)."""
    email = _read(settings.email_permission, incoming.get(f.EMAIL_PERMISSION))
    sms = _read(settings.sms_permission, incoming.get(f.SMS_PERMISSION))
    return email is not False, sms is True


def update_permissions(person: PersonSnapshot, settings: PeopleSettings,
                       incoming: dict[str, Any]) -> dict[str, bool]:
    """Apply rules 19–21 to a person this source created; return the permission fields that changed."""
    changes: dict[str, bool] = {}
    email = _read(settings.email_permission, incoming.get(f.EMAIL_PERMISSION))
    # A CDP-side unsubscribe blocks a Salesforce "subscribe" (rule 20), never an unsubscribe.
    if email is not None and email != person.email_permission \
            and not (email and person.email_unsubscribed_in_cdp):
        person.email_permission = email
        changes[f.EMAIL_PERMISSION] = email
    sms = _read(settings.sms_permission, incoming.get(f.SMS_PERMISSION))
    if sms is not None and sms != person.sms_permission \
            and not (sms and person.sms_unsubscribed_in_cdp):
        person.sms_permission = sms
        changes[f.SMS_PERMISSION] = sms
    return changes
