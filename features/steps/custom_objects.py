"""Steps about custom objects: objects and records in the org, custom-object records in the CDP."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .world import assert_fields, rows


@given(parsers.parse('Salesforce has the custom object "{name}" with these fields:'))
def custom_object(world, name, datatable):
    """Create a custom object in the org (``field | type | references`` rows; control plane).

    A ``reference`` field gets the relationship name Salesforce gives it (``Member__c`` →
    ``Member__r``), so parent fields can be read through it.
    """
    fields = []
    for row in rows(datatable):
        entry = {"name": row["field"], "type": row["type"]}
        if row.get("references"):
            entry.update(referenceTo=[row["references"]],
                         relationshipName=row["field"].removesuffix("__c") + "__r")
        fields.append(entry)
    world.sf.add_object(name, fields)


@given(parsers.parse("these {sobject} records are in Salesforce:"))
@when(parsers.parse("these {sobject} records are in Salesforce:"))
def custom_records_in_salesforce(world, sobject, datatable):
    """Create records of an object; columns are API names, ``ref`` labels a record, and a value
    that is the label of an earlier record (``C1``) becomes that record's id."""
    for row in rows(datatable):
        body = {column: world.labels.get(value, value) if isinstance(value, str) else value
                for column, value in row.items() if column != "ref" and value is not None}
        created = world.sf.create(sobject, body)
        if row.get("ref"):
            world.labels[row["ref"]] = created


@when(parsers.parse('the {sobject} record "{label}" changes in Salesforce:'))
def custom_record_changes(world, sobject, label, datatable):
    """Update a labelled record with the field/value pairs of the table (API names, one row)."""
    for row in rows(datatable):
        world.sf.update(sobject, world.sf_id(label), {k: v for k, v in row.items() if k != "ref"})


@when(parsers.parse('the {sobject} record "{label}" is deleted in Salesforce'))
def custom_record_deleted(world, sobject, label):
    """Delete a labelled record (it goes to the recycle bin)."""
    world.sf.delete(sobject, world.sf_id(label))


@then(parsers.parse("the CDP has these {sobject} records:"))
def cdp_custom_records(world, sobject, datatable):
    """The object's records in the CDP, exactly (``ref | person | <field> … | deleted``):
    ``person`` is the email of the linked person, ``—`` when the record is unlinked."""
    stored = {r["sf_id"]: r for r in world.adapter.custom_records(sobject)}
    expected = rows(datatable)
    assert len(stored) == len(expected), stored
    for row in expected:
        record = stored.get(world.sf_id(row["ref"]))
        assert record is not None, f"{row['ref']} is not in the CDP: {stored}"
        for column, value in row.items():
            if column == "ref":
                continue
            key = "person_email" if column == "person" else column
            got = record.get(key, False if column == "deleted" else None)
            assert got == value, f"{row['ref']} {column}: {got!r} in {record}"


@then(parsers.parse('the person holding record "{label}" has:'))
def person_holding_record(world, label, datatable):
    """Field values (``field | value``) of the person holding a record's hidden id."""
    assert_fields(world.person_holding(label), datatable)


@then(parsers.parse('the organization holding record "{label}" has:'))
def organization_holding_record(world, label, datatable):
    """Field values (``field | value``) of the organization holding a record's hidden id."""
    assert_fields(world.organization_holding(label), datatable)
