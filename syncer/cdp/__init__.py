"""The reference customer data platform (CDP) and its merge engine.

Usage::

    from syncer.cdp import CDP, MergeSettings, PeopleSettings, FindStrategy

    cdp = CDP("sqlite:///cdp.db")                  # or "postgresql+psycopg://…"
    source = cdp.create_data_source("Salesforce", org_id="00D000000000001")
    settings = PeopleSettings(merge=MergeSettings.from_ui("overwrite",
                                                          FindStrategy.PREVIOUS_KEY_EMPTY))
    cdp.merge_organizations_page(source, [{"sf_id": "001A", "str:o:name": "Rainy Day"}])
    summary = cdp.merge_people_page(source, [
        {"sf_id": "003A", "sf_object": "Contact", "account_id": "001A",
         "modstamp": stamp, "str::email": "A@x.org ", "phn::phone": "+61 400 000 001",
         "str:cm:tier": "gold"},
    ], settings)
    summary.counts                                   # Counter({"created": 1})
    cdp.add_activities(source, [{"sf_id": "006X", "type": "opportunity",
                                 "occurred_at": when, "person_sf_id": "003A"}])
    for person in cdp.people(source):                # generators, paged by id
        print(person.email, person.organization_id, person.sf_ids)

Modules: ``fields`` (ids, normalisation), ``settings`` (strategies, permissions, system
fields), ``merge`` (the pure merge engine: ``plan_batch``/``plan_org_batch``), ``candidates``
(incoming records, snapshots, indexes), ``models`` (tables, schema version), ``writer`` / ``orgwriter``
(page load/apply for people / organisations), ``fastpath`` (batched statement execution),
``store`` (``CDP``), ``readers`` (views), ``activities``, ``custom_objects`` (custom-object
records, rule 53), ``limits`` (rules 26–27).
"""
from .activities import ActivityRecord, ActivitySummary
from .candidates import CandidateIndex, IncomingRecord, OrgIndex
from .limits import ConfigurationError, validate_selection
from .merge import Outcome, plan_batch, plan_org_batch
from .models import DataSource
from .readers import ActivityView, OrganizationView, PersonView, SfId
from .settings import (
                       FindStrategy,
                       MergeSettings,
                       MergeStrategy,
                       PeopleSettings,
                       PermissionDirection,
                       PermissionMapping,
                       SystemFieldPolicy,
)
from .store import CDP, PageSummary

__all__ = [
                       "CDP",
                       "ActivityRecord",
                       "ActivitySummary",
                       "ActivityView",
                       "CandidateIndex",
                       "ConfigurationError",
                       "DataSource",
                       "FindStrategy",
                       "IncomingRecord",
                       "MergeSettings",
                       "MergeStrategy",
                       "OrgIndex",
                       "OrganizationView",
                       "Outcome",
                       "PageSummary",
                       "PeopleSettings",
                       "PermissionDirection",
                       "PermissionMapping",
                       "PersonView",
                       "SfId",
                       "SystemFieldPolicy",
                       "plan_batch",
                       "plan_org_batch",
                       "validate_selection",
]
