"""Records created apart from the planner (``merge.split_fresh``): which ones, and that a page
merged that way decides and stores exactly what planning every record does."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.cdp import CDP, FindStrategy, MergeSettings, PeopleSettings, writer
from syncer.cdp import fields as f
from syncer.cdp.candidates import IncomingRecord
from syncer.cdp.merge import plan_batch, split_fresh
from syncer.cdp.models import link_table, person_table
from syncer.cdp.settings import PermissionDirection, PermissionMapping

from .builders import people_index, person

NOW = datetime(2024, 6, 1, tzinfo=UTC)
CONVERTING = PeopleSettings(merge_converted_leads=True)


def record(sf_id: str, email: str | None = None, phone: str | None = None,
           sf_object: str = "Contact", **extra) -> IncomingRecord:
    return IncomingRecord.from_mapping({"sf_id": sf_id, "sf_object": sf_object, f.EMAIL: email,
                                        f.PHONE: phone, **extra})


def fresh_ids(page: list[IncomingRecord], index=None, settings=PeopleSettings()) -> list[str]:
    planned, fresh = split_fresh(page, index or people_index(), settings)
    assert sorted([*planned, *(p.position for p in fresh)]) == list(range(len(page)))
    return [p.record.sf_id for p in fresh]


def test_records_sharing_no_key_with_anything_are_fresh():
    page = [record("003A", "a@x.org"), record("003B", None, "+61 400 000 001"), record("003C")]
    assert fresh_ids(page) == ["003A", "003B", "003C"]


def test_a_key_repeated_in_the_page_sends_every_record_holding_it_to_the_planner():
    page = [record("003A", "a@x.org"), record("003B", "A@x.org "), record("003C", None, "+611"),
            record("003D", "d@x.org", "+611"), record("003E"), record("003E"), record("003F")]
    assert fresh_ids(page) == ["003F"]


def test_a_key_a_stored_person_holds_sends_the_record_to_the_planner():
    index = people_index(person(1, "003L", email="held@x.org", phone="+612"),
                         person(2, email="csv@x.org"))
    page = [record("003L"), record("003A", "held@x.org"), record("003B", None, "+612"),
            record("003C", "csv@x.org"), record("003D", "d@x.org")]
    assert fresh_ids(page, index) == ["003D"]


def test_skip_non_existing_plans_every_record():
    skipping = PeopleSettings(merge=MergeSettings(skip_non_existing=True))
    assert fresh_ids([record("003A", "a@x.org")], settings=skipping) == []


def test_lead_conversion_sends_the_lead_and_its_contact_to_the_planner():
    lead = record("00QA", "l@x.org", sf_object="Lead", converted_contact_id="003C")
    contact, other = record("003C", "c@x.org"), record("003D", "d@x.org")
    assert fresh_ids([lead, contact, other], settings=CONVERTING) == ["003D"]
    assert fresh_ids([lead, contact, other]) == ["00QA", "003C", "003D"]  # rule 12 off
    stored = people_index(converted={"003D": person(1, email="lead@x.org")[0]})
    assert fresh_ids([other], stored, CONVERTING) == []


def _page() -> list[dict]:
    """Fresh records between records the planner must see together (each comment: why)."""
    def contact(sf_id, email=None, phone=None, **extra):
        return {"sf_id": sf_id, "sf_object": "Contact", f.EMAIL: email, f.PHONE: phone,
                f.FIRST: "Ann", f.CITY: "Perth", f.EMAIL_PERMISSION: "No", **extra}
    return [
        contact("003A", "a@x.org", modstamp=NOW),  # fresh
        contact("003B", "dup@x.org"),  # the email repeats in the page
        contact("003C", None, "+61 400 000 003", account_id="001A"),  # fresh, linked to Acme
        contact("003D", "dup@x.org", "+61 400 000 004"),
        contact("003E", "csv@x.org"),  # a CSV person's email
        {"sf_id": "00QF", "sf_object": "Lead", f.EMAIL: "f@x.org", f.LAST: "Lead",
         "converted_contact_id": "003G"},  # rule 12
        contact("003G", "g@x.org"),  # joins the lead's person
        contact("003H", account_id="001Z"),  # fresh, an Account not synced
        contact("003I", None, "+61 499 999 999"),  # a CSV person's phone
        contact("003J", "j@x.org", "+61 400 000 010"),  # fresh
    ]


def _merge(cdp: CDP, settings: PeopleSettings, fast: bool) -> list[tuple]:
    """Seed, merge ``_page`` (with or without the fresh split), return outcomes and rows."""
    source = cdp.create_data_source("Salesforce", org_id="00DA").id
    cdp.add_person({f.EMAIL: "csv@x.org", f.FIRST: "Csv"}, created_at=NOW)
    cdp.add_person({f.PHONE: "+61 499 999 999"}, created_at=NOW)
    cdp.merge_organizations_page(source, [{"sf_id": "001A", f.ORG_NAME: "Acme"}], now=NOW)
    page = [IncomingRecord.from_mapping(r) for r in _page()]
    if fast:
        summary = cdp.merge_people_page(source, page, settings, NOW)
        outcomes = summary.outcomes
        actions = [o.action for o in outcomes]
        assert (summary.created, summary.merged, summary.skipped) == tuple(
            actions.count(action) for action in ("created", "merged", "skipped"))
    else:  # the planner for every record: what the store did before ``split_fresh``
        with cdp.writing() as conn:
            index = writer.load_people_candidates(conn, source, page, settings, NOW)
            outcomes = plan_batch(page, index, settings)
            writer.apply_people(conn, source, outcomes, NOW)
    decided = [(o.label, o.target.id, o.changes, o.target.fields, o.target.sf_sources,
                o.target.stored, o.link.sf_id, o.link.account_id, o.link.modstamp)
               for o in outcomes]
    with cdp.engine.connect() as conn:
        rows = [conn.execute(sa.select(table).order_by(table.c.id)).all()
                for table in (person_table, link_table)]
    return [*decided, *rows]


def test_a_page_with_fresh_records_decides_and_stores_what_planning_every_record_does(tmp_path):
    mapping = PermissionMapping(PermissionDirection.TO_CDP, "Yes", "No")
    for i, settings in enumerate([
            PeopleSettings(), CONVERTING,
            PeopleSettings(merge=MergeSettings(find_strategy=FindStrategy.ANY_KEY),
                           email_permission=mapping, merge_converted_leads=True)]):
        fast, planned = (CDP(f"sqlite:///{tmp_path / f'{name}{i}.db'}") for name in "fp")
        try:
            assert _merge(fast, settings, True) == _merge(planned, settings, False)
        finally:
            fast.close()
            planned.close()
