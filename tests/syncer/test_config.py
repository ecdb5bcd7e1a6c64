"""The configuration file: defaults, validation messages, mapping of UI names."""
import pytest

from syncer.cdp import FindStrategy, MergeStrategy
from syncer.cdp import fields as f
from syncer.cdp.fieldmap import DEFAULT_FIELDS
from syncer.config import PRODUCTION_LOGIN, SANDBOX_LOGIN, ConfigurationError, from_dict, load


def test_defaults_follow_the_seed():
    settings = from_dict({})
    assert settings.objects == ("Contact", "Lead", "Account", "Opportunity", "Campaign", "Task")
    assert settings.people.merge.strategy is MergeStrategy.OVERWRITE
    assert settings.people.merge.find_strategy is FindStrategy.PREVIOUS_KEY_EMPTY
    assert settings.poll_interval_minutes == 15 and settings.activity_retention_days == 90
    assert (settings.bulk_api, settings.bulk_threshold) == (True, 2000)  # rule 43: Airbyte's 2,000


def test_sandbox_uses_the_sandbox_login_host():
    assert from_dict({"source": {"sandbox": True}}).connection.login_url == SANDBOX_LOGIN


def test_production_uses_the_production_login_host():
    assert from_dict({}).connection.login_url == PRODUCTION_LOGIN


def test_the_sandbox_box_picks_between_overridden_login_hosts():
    hosts = {"login_url": "https://login.mock:8443", "sandbox_login_url": "https://test.mock:8444"}
    assert from_dict({"source": hosts}).connection.login_url == "https://login.mock:8443"
    checked = from_dict({"source": {**hosts, "sandbox": True}}).connection
    assert checked.login_url == "https://test.mock:8444" and checked.sandbox


def test_custom_fields_are_mapped_to_custom_cdp_fields():
    settings = from_dict({"objects": {"Contact": {"custom_fields": ["Tier__c"]},
                                      "Account": {"custom_fields": ["Region__c"]}}})
    assert settings.fields["Contact"]["Tier__c"] == "str:cm:tier"
    assert settings.fields["Account"]["Region__c"] == "str:oc:region"


def test_each_synced_object_has_one_mapping_standard_or_custom():
    settings = from_dict({"objects": {"Contact": {"custom_fields": ["Tier__c"]}},
                          "custom_objects": {"Company__c": {"sync_as": "organization",
                                                            "fields": ["Name", "Region__c"]}}})
    assert settings.mapping("Contact") == {**DEFAULT_FIELDS["Contact"], "Tier__c": "str:cm:tier"}
    assert settings.mapping("Company__c") == {"Name": f.ORG_NAME, "Region__c": "str:oc:region"}
    assert settings.mapping("Task") == {}


@pytest.mark.parametrize("document,message", [
    ({"sync": {"objects": ["Lead"]}}, "the Contact object is required"),
    ({"merge": {"people": {"strategy": "merge-all"}}}, "strategy 'merge-all' is not one of"),
    ({"merge": {"people": {"key_strategy": "all"}}}, "key_strategy 'all' is not one of"),
    ({"sync": {"poll_interval_minutes": 0}}, "poll_interval_minutes must be a positive number"),
    ({"sync": {"bulk_api": "yes"}}, "[sync] bulk_api must be true or false, not 'yes'"),
    ({"sync": {"bulk_threshold": 0}}, "[sync] bulk_threshold must be a positive number"),
    ({"souce": {}}, "unknown setting(s) souce"),
    ({"permissions": {"email": {"value_for_false": True}}}, "needs the Salesforce field"),
    ({"objects": {"Task__c": {"custom_fields": []}}}, "configures an object that is not in"),
    ({"filters": {"Contact": [["Email", "!=", None]]}}, "[filters.Contact] must be a table"),
    ({"filters": {"Task": {"conditions": [{"field": "Status"}]}}}, "unknown setting(s) Task"),
    ({"filters": {"Contact": {"conditions": [{"field": "Email", "operator": "like"}]}}},
     "operator 'like' is not one of"),
    ({"filters": {"Contact": {"conditions": [{"field": "Email", "operator": "="}]}}}, "= needs a value"),
    ({"outbound": {"activities": [f"type-{n}" for n in range(21)]}},
     "at most 20 activity types can be sent to Salesforce; 21 are chosen"),
])
def test_bad_configuration_is_refused_with_a_clear_message(document, message):
    with pytest.raises(ConfigurationError) as caught:
        from_dict(document)
    assert message in str(caught.value)


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(ConfigurationError, match="no such configuration file"):
        load(tmp_path / "nope.toml")


def test_load_reports_bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[source\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load(path)
