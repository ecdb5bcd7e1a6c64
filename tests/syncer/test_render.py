"""Liquid merge tags: person fields, organization, latest activity per type, strict errors."""
from datetime import datetime, timezone

import pytest

from syncer.cdp import CDP
from syncer.render import TemplateError, context, render


@pytest.fixture
def cdp(tmp_path):
    store = CDP(f"sqlite:///{tmp_path / 'cdp.db'}")
    source = store.create_data_source("Salesforce")
    store.merge_organizations_page(source, [{"sf_id": "001A", "str:o:name": "Globex"}])
    store.merge_people_page(source, [{"sf_id": "003A", "sf_object": "Contact", "account_id": "001A",
                                      "str::first": "Ann", "str::email": "ann@x.org", "str:cm:tier": "Gold"}])
    store.add_activities(source, [
        {"sf_id": "00T1", "type": "task", "person_sf_id": "003A", "attributes": {"Subject": "Old"},
         "occurred_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
        {"sf_id": "00T2", "type": "task", "person_sf_id": "003A", "attributes": {"Subject": "New"},
         "occurred_at": datetime(2026, 2, 1, tzinfo=timezone.utc)}])
    yield store
    store.close()


def test_person_organization_and_latest_activity(cdp):
    text = "{{ people.first-name }} ({{ people.tier }}) at {{ organization.name }}: {{ activity.task.Subject }}"
    assert render(text, context(cdp, "ANN@x.org ")) == "Ann (Gold) at Globex: New"


def test_activities_are_listed_newest_first(cdp):
    text = "{% for a in activities %}{{ a.Subject }};{% endfor %}"
    assert render(text, context(cdp, "ann@x.org")) == "New;Old;"


def test_unknown_tag_is_an_error_not_a_blank(cdp):
    with pytest.raises(TemplateError):
        render("{{ people.nickname }}", context(cdp, "ann@x.org"))


def test_unknown_person_is_an_error(cdp):
    with pytest.raises(TemplateError, match="0 people with email"):
        context(cdp, "nobody@x.org")
