"""The field mapping's one home: standard objects, built-in fields, defaults, automatic ids."""
from __future__ import annotations

from syncer.cdp import fields as f
from syncer.cdp import fieldmap
from syncer.cdp.fieldmap import ORGANIZATION, PERSON
from syncer.sync.streams import STREAMS


def test_every_stream_reads_a_standard_object_and_every_chosen_object_has_a_stream():
    assert {s.name for s in STREAMS} | {s.config_object for s in STREAMS} == fieldmap.STANDARD_OBJECTS
    assert {s.config_object for s in STREAMS} == set(fieldmap.DEFAULT_OBJECTS)


def test_a_listed_field_gets_a_custom_id_of_what_its_record_becomes():
    assert fieldmap.auto_field_id(PERSON, "Annual_Tier__c") == "str:cm:annual-tier"
    assert fieldmap.auto_field_id(ORGANIZATION, "Region__c") == "str:oc:region"
    assert [fieldmap.kind_of(o) for o in ("Contact", "Lead", "Account")] == [PERSON, PERSON, ORGANIZATION]


def test_built_in_names_map_to_built_in_fields_only_when_asked():
    assert fieldmap.listed(ORGANIZATION, ["Name", "Region__c"], built_in=True) == {
        "Name": f.ORG_NAME, "Region__c": "str:oc:region"}
    assert fieldmap.listed(PERSON, ["Email"]) == {"Email": "str:cm:email"}


def test_defaults_are_a_fresh_copy():
    fresh = fieldmap.defaults()
    fresh["Contact"]["Tier__c"] = "str:cm:tier"
    assert "Tier__c" not in fieldmap.DEFAULT_FIELDS["Contact"]
    assert fresh["Account"] == fieldmap.BUILT_IN[ORGANIZATION]
