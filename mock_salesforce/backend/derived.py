"""Read-only fields Salesforce computes when a record is written, from the values being written.

Each standard object names its rule in ``data/standard_objects.json`` (``"derived": "person"``);
the rules here know fields, never object names, so a new object with a person's name fields
reuses ``person``. ``derive(sobject, row, merged, now)`` sees the columns being written (``row``)
and the record as it will be (``merged``: the stored record updated by ``row``) and adds the
derived columns to ``row``. Fields not derived here stay null (``LastViewedDate``, ``PushCount``…) or keep the value
written on create (booleans false, roll-up counts 0).
Not emulated: values that need another record (a task's ``AccountId`` through its opportunity
or contact, a campaign member's copies of its contact's or lead's fields), fiscal years that do
not start in January, ``LastStageChangeDate``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from ..clock import to_millis
from .schema import SObjectDef
from .standard_objects import stage_defaults

FORECAST_CATEGORY = {"Omitted": "Omitted", "Pipeline": "Pipeline", "Best Case": "BestCase",
                     "Commit": "Forecast", "Closed": "Closed"}
ACCOUNT_PREFIX = "001"


def derive(sobject: SObjectDef, row: dict, merged: dict, now: datetime) -> None:
    """Add to ``row`` the fields Salesforce derives from what it writes."""
    rule = rule_of(sobject)
    if rule is not None:
        rule(row, merged, now)


def rule_of(sobject: SObjectDef) -> Callable[[dict, dict, datetime], None] | None:
    """The object's rule (``rule(row, merged, now)`` is :func:`derive`), None if it has none."""
    return RULES.get(sobject.derived) if sobject.derived else None


def from_id(row: dict, templates: tuple[tuple[str, str], ...]) -> None:
    """Set the fields a new record derives from its id (``templates``: field → template with
    ``{Id}``, from :func:`.dml_rules.id_templates`)."""
    for name, template in templates:
        row[name] = template.replace("{Id}", row["Id"])


def _set(row: dict, merged: dict, name: str, value: object) -> None:
    row[name] = merged[name] = value


def _person(row: dict, merged: dict, now: datetime) -> None:
    if "FirstName" in row or "LastName" in row:
        first, last = merged.get("FirstName"), merged.get("LastName")
        _set(row, merged, "Name", f"{first} {last}" if first and last else first or last or "")


def _opportunity(row: dict, merged: dict, now: datetime) -> None:
    if "StageName" in row:
        stage = row["StageName"]
        _set(row, merged, "IsClosed", stage in ("Closed Won", "Closed Lost"))
        _set(row, merged, "IsWon", stage == "Closed Won")
        probability, category = stage_defaults().get(stage, (None, None))
        # A stage brings its default probability and forecast category unless the same write
        # sets them, as a real org's sales process does.
        if "Probability" not in row and probability is not None:
            _set(row, merged, "Probability", probability)
        if "ForecastCategoryName" not in row and category is not None:
            _set(row, merged, "ForecastCategoryName", category)
    if "ForecastCategoryName" in row:
        _set(row, merged, "ForecastCategory", FORECAST_CATEGORY.get(row["ForecastCategoryName"]))
    if {"Amount", "Probability", "StageName"} & row.keys():
        amount, probability = merged.get("Amount"), merged.get("Probability")
        _set(row, merged, "ExpectedRevenue", None if amount is None or probability is None
             else float(amount) * float(probability) / 100)
    if "CloseDate" in row:
        close = row["CloseDate"]
        year, quarter = (int(close[:4]), (int(close[5:7]) - 1) // 3 + 1) if close else (None, None)
        _set(row, merged, "FiscalYear", year)
        _set(row, merged, "FiscalQuarter", quarter)
        _set(row, merged, "Fiscal", f"{year} {quarter}" if close else None)


def _activity_account(row: dict, merged: dict) -> None:
    if "WhatId" in row:
        what = row["WhatId"]
        _set(row, merged, "AccountId", what if what and what.startswith(ACCOUNT_PREFIX) else None)


def _task(row: dict, merged: dict, now: datetime) -> None:
    if "Status" in row:
        _set(row, merged, "IsClosed", row["Status"] == "Completed")
        _set(row, merged, "CompletedDateTime", to_millis(now) if row["IsClosed"] else None)
    if "Priority" in row:
        _set(row, merged, "IsHighPriority", row["Priority"] == "High")
    _activity_account(row, merged)


def _event(row: dict, merged: dict, now: datetime) -> None:
    _activity_account(row, merged)
    if "EndDateTime" in row:
        end = row["EndDateTime"]
        _set(row, merged, "EndDate", None if end is None else
             datetime.fromtimestamp(end / 1000, timezone.utc).date().isoformat())


def _campaign_member(row: dict, merged: dict, now: datetime) -> None:
    if "Status" in row:
        _set(row, merged, "HasResponded", row["Status"] == "Responded")
        if row["HasResponded"] and merged.get("FirstRespondedDate") is None:
            _set(row, merged, "FirstRespondedDate", now.date().isoformat())
    if {"ContactId", "LeadId"} & row.keys():
        who = merged.get("ContactId") or merged.get("LeadId")
        _set(row, merged, "LeadOrContactId", who)
        _set(row, merged, "Type", None if who is None else
             "Contact" if merged.get("ContactId") else "Lead")


# The rules by the name an object's "derived" key gives in the data file.
RULES = {"person": _person, "opportunity": _opportunity, "task": _task, "event": _event,
         "campaignMember": _campaign_member}
