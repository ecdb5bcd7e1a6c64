"""Steps about the data source's settings, in the words of the connect wizard and the data
source's view: merge strategies, objects and fields, permissions, selective sync, custom objects.

Given steps apply a setting; When steps try one and keep the refusal (``configuration_error``)
for ``Then the configuration is refused``. Settings reach the syncer through ``interface``'s names.
"""
from __future__ import annotations

import re

from pytest_bdd import given, parsers, then, when

import interface as i
from interface import ConfigurationRefused, Criteria, CustomObject, PermissionField

DEFAULT_OBJECTS = ("Contact", "Lead", "Account", "Opportunity", "Campaign", "Task")  # rule 52
OBJECT_WORDS = {"contacts": "Contact", "leads": "Lead", "accounts": "Account"}


def _try(world, settings: dict) -> str | None:
    """Apply settings; the refusal's message, or None when they were accepted."""
    try:
        world.adapter.configure(settings)
    except ConfigurationRefused as error:
        return str(error)
    return None


def _object(words: str) -> str:
    """``contacts`` → Contact; ``Membership__c records`` → Membership__c."""
    return OBJECT_WORDS.get(words) or words.removesuffix(" records")


# -- merge (the Merge page) --------------------------------------------------------------------
def _merge(kind: str, strategy: str, key_strategy: str) -> dict:
    if kind not in ("people", "organizations"):
        raise ValueError(f"people or organizations are merged, not {kind!r}")
    if kind == "people":
        return {i.PEOPLE_MERGE: strategy, i.PEOPLE_KEYS: key_strategy}
    return {i.ORGANIZATION_MERGE: strategy, i.ORGANIZATION_KEYS: key_strategy}


@given(parsers.parse('{kind} are merged with "{strategy}" and "{key_strategy}"'))
def merged_with(world, kind, strategy, key_strategy):
    """Choose the merge strategy (its UI name, or the merge API's) and merge key strategy of
    ``people`` or ``organizations``."""
    world.adapter.configure(_merge(kind, strategy, key_strategy))


@when(parsers.parse('{kind} are merged with "{strategy}" and "{key_strategy}"'),
      target_fixture="configuration_error")
def try_merged_with(world, kind, strategy, key_strategy):
    """Try a merge strategy and merge key strategy."""
    return _try(world, _merge(kind, strategy, key_strategy))


# -- objects and fields ("Sync custom fields") -------------------------------------------------
def _deselect(world, sobject: str) -> str | None:
    world.deselected.add(sobject)
    return _try(world, {i.OBJECTS: [o for o in DEFAULT_OBJECTS if o not in world.deselected]})


@given(parsers.parse("{sobject:w} is deselected"))
def deselected(world, sobject):
    """Clear a default object on the Sync custom fields page."""
    refusal = _deselect(world, sobject)
    if refusal is not None:
        raise ConfigurationRefused(refusal)


@when(parsers.parse("the admin deselects {sobject:w}"), target_fixture="configuration_error")
def try_deselect(world, sobject):
    """Try to clear a default object."""
    return _deselect(world, sobject)


@given(parsers.parse('the {sobject:w} field "{name}" is selected'))
@when(parsers.parse('the {sobject:w} field "{name}" is selected'))
def field_selected(world, sobject, name):
    """Select a custom Salesforce field to sync; it lands in a CDP field named after it."""
    world.adapter.configure({i.CUSTOM_FIELDS: {sobject: [name]}})


@given(parsers.parse('the {sobject:w} field "{name}" is selected as the CDP field "{cdp_field}"'))
def field_selected_as(world, sobject, name, cdp_field):
    """Select a Salesforce field and name the CDP field it lands in."""
    world.adapter.configure({i.CUSTOM_FIELDS: {sobject: {name: cdp_field}}})


@when(parsers.parse("the admin selects {first:d} custom fields on {first_object:w} "
                    "and {second:d} on {second_object:w}"), target_fixture="configuration_error")
def select_many_fields(world, first, first_object, second, second_object):
    """Select many distinct custom fields on two objects (for the caps of rule 26)."""
    return _try(world, {i.CUSTOM_FIELDS: {first_object: [f"F{n}__c" for n in range(first)],
                                          second_object: [f"G{n}__c" for n in range(second)]}})


@given(parsers.parse("only these system CDP fields may be modified: {names}"))
def system_fields(world, names):
    """Tick only these boxes under "Modify system CDP fields" (field names as the CDP shows them)."""
    world.adapter.configure({i.SYSTEM_FIELDS: [n.strip() for n in names.split(",")]})


@given("\"Don't modify system CDP fields\" is chosen")
def no_system_fields(world):
    """Salesforce may modify no built-in CDP field of an existing person."""
    world.adapter.configure({i.SYSTEM_FIELDS: []})


# -- permissions -------------------------------------------------------------------------------
@given(parsers.parse('the {channel:w} permission is set from the Salesforce field "{name}", '
                     'subscribed when it is {value:w}'))
def permission_field(world, channel, name, value):
    """Map a permission to a Salesforce field (rule 18); ``channel`` is email or SMS."""
    _permission(world, channel, PermissionField(name, value == "true"))


@given(parsers.parse('the {channel:w} permission is set from the Salesforce field "{name}", '
                     'subscribed when it is {value:w}, with "{direction}"'))
def permission_field_direction(world, channel, name, value, direction):
    """Map a permission to a Salesforce field with a direction (rules 20, 21)."""
    if direction not in i.DIRECTIONS:
        raise ValueError(f"a permission is synced with one of {i.DIRECTIONS}, not {direction!r}")
    _permission(world, channel, PermissionField(name, value == "true", direction))


def _permission(world, channel: str, mapping: PermissionField) -> None:
    setting = {"email": i.EMAIL_PERMISSION, "SMS": i.SMS_PERMISSION}[channel]
    world.adapter.configure({setting: mapping})


# -- selective sync and auto-archive -----------------------------------------------------------
def _criteria(objects: str, field: str, values: str) -> dict:
    wanted = re.findall(r'"([^"]*)"', values)
    if not wanted:
        raise ValueError(f'values are quoted: "Web" or "Phone Inquiry", not {values!r}')
    return {i.SELECTIVE_SYNC: {_object(objects): Criteria(
        tuple((field, value) for value in wanted), "any" if len(wanted) > 1 else "all")}}


@given(parsers.parse("only {objects} whose {field:w} is {values} are synced"))
@when(parsers.parse("only {objects} whose {field:w} is {values} are synced"))
def selectively_sync(world, objects, field, values):
    """Selectively sync an object: records whose field is one of the quoted values."""
    world.adapter.configure(_criteria(objects, field, values))


@given('"Auto-archive contacts that no longer meet the criteria" is selected')
def auto_archive(world):
    """Archive people whose polled record stops meeting the criteria (rule 32)."""
    world.adapter.configure({i.AUTO_ARCHIVE: True})


# -- custom objects (Set identifiers) ----------------------------------------------------------
LINKED = (r'the custom object "(?P<name>\w+)" is synced with its field (?P<field>\w+), linked to '
          r'people by the (?P<method>relationship|unique identifier) (?P<identifier>[\w.]+)'
          r'(?P<email>, matching their email)?(?:, (?P<create>creating|not creating) people)?')


@given(parsers.re(LINKED))
def custom_object_linked(world, name, field, method, identifier, email, create):
    """Sync a custom object whose records link to people by a relationship or a unique identifier."""
    world.adapter.configure({i.CUSTOM_OBJECTS: {name: CustomObject(
        (field,), identify_by=method, identifier=identifier, match_on="email" if email else None,
        create_people=None if create is None else create == "creating")}})


@given(parsers.parse('the custom object "{name}" is synced as {kind}:'))
def custom_object_as(world, name, kind, datatable):
    """Sync a custom object as ``an organization`` or ``a person``, its fields landing in the
    CDP fields of the table (``Salesforce field | CDP field``)."""
    sync_as = {"an organization": "organization", "a person": "person"}[kind]
    fields = {row[0].strip(): row[1].strip() for row in datatable[1:]}
    world.adapter.configure({i.CUSTOM_OBJECTS: {name: CustomObject(fields, sync_as=sync_as)}})


# -- the rest of the data source's view --------------------------------------------------------
@given(parsers.parse('"{kind}" is chosen to sync to Salesforce'))
def outbound_chosen(world, kind):
    """Choose a CDP activity to send to Salesforce (rule 49)."""
    world.adapter.configure({i.OUTBOUND: [kind]})


@when(parsers.parse("{count:d} activities are chosen to sync to Salesforce"),
      target_fixture="configuration_error")
def many_outbound(world, count):
    """Try to choose many CDP activity types to send to Salesforce."""
    return _try(world, {i.OUTBOUND: [f"type-{n}" for n in range(count)]})


@given(parsers.parse("the data retention period is {days:d} days"))
def retention(world, days):
    """How long activities are kept (rule 25)."""
    world.adapter.configure({i.RETENTION_DAYS: days})


@given(parsers.parse("the data source syncs every {minutes:d} minutes"))
def poll_interval(world, minutes):
    """The poll interval (rule 35; 15 minutes by default)."""
    world.adapter.configure({i.POLL_MINUTES: minutes})


@given("the daily refresh of formula and roll-up fields is turned on")
def formula_refresh(world):
    """Re-read formula and roll-up fields once a day (rule 40; off by default)."""
    world.adapter.configure({i.FORMULA_REFRESH: True})


@then("the configuration is refused")
def configuration_refused(configuration_error):
    """The last configuration attempt was refused."""
    assert configuration_error is not None, "the configuration was accepted"


@then(parsers.parse('the configuration is refused, mentioning "{words}"'))
def configuration_refused_mentioning(configuration_error, words):
    """The last configuration attempt was refused with a message that names ``words``."""
    assert configuration_error is not None, "the configuration was accepted"
    assert words.lower() in configuration_error.lower(), configuration_error


@then("the configuration is accepted")
def configuration_accepted(configuration_error):
    """The last configuration attempt was accepted."""
    assert configuration_error is None, configuration_error
