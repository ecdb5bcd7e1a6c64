"""What DML validation reads of an object's fields, gathered once per call (or per batch):
defaults, required fields, values the org writes itself, unique and reference fields, and what a
write does with each key of a body."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

from .schema import FieldDef, SObjectDef

AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                "SystemModstamp")


@dataclass
class Rules:
    """What validation reads of an object's fields, gathered once per call (or per batch)."""

    defaults: list[tuple[str, object]]
    required: list[str]
    initial: list[tuple[str, object]]
    unique: frozenset[str]
    references: frozenset[str]  # reference fields validation checks (not the audit ones)
    sobject: SObjectDef | None = None
    id_templates: tuple[tuple[str, str], ...] = ()  # fields a new record derives from its id
    _columns: dict = dc_field(default_factory=dict, repr=False)

    def column(self, name: str, creating: bool, audit: bool) -> tuple[FieldDef | None, str]:
        """The field a body key names and what a write does with it: ``write``, ``skip`` (an
        update's Id), ``readonly``, ``id-on-insert`` or ``unknown`` (remembered per key)."""
        known = self._columns.get((name, creating, audit))
        if known is None:
            known = self._columns[(name, creating, audit)] = self._judge(name, creating, audit)
        return known

    def written(self, names: list[str], creating: bool) -> list[FieldDef] | None:
        """The fields these body keys name when a write (no audit override) simply writes
        every one of them; None when any is unknown, read-only or the id."""
        fields = []
        for name in names:
            field, verdict = self.column(name, creating, False)
            if verdict != "write":
                return None
            fields.append(field)
        return fields

    def _judge(self, name: str, creating: bool, audit: bool) -> tuple[FieldDef | None, str]:
        field = self.sobject.field(name)
        if field is None:
            return None, "unknown"
        if field.name == "Id":
            if creating and not audit:
                return field, "id-on-insert"
            if not creating:
                return field, "skip"
        allowed = field.createable if creating else field.updateable
        if audit and (field.name in AUDIT_FIELDS or field.name == "Id"):
            allowed = True
        return field, "write" if allowed else "readonly"

    @classmethod
    def of(cls, sobject: SObjectDef) -> "Rules":
        """The rules of an object as its fields stand now (custom fields may come and go)."""
        fields = sobject.fields.values()
        return cls([(f.name, f.default_value) for f in fields
                    if f.default_value is not None and f.stored],
                   [f.name for f in fields if f.required],
                   [(f.name, f.initial) for f in fields if f.initial is not None],
                   frozenset(f.name for f in fields if f.unique),
                   frozenset(f.name for f in fields
                             if f.type == "reference" and f.name not in AUDIT_FIELDS), sobject,
                   id_templates(sobject))


def id_templates(sobject: SObjectDef) -> tuple[tuple[str, str], ...]:
    """The fields a new record derives from its id and their templates (the data file's
    ``"_fromId"``: an account's, contact's or lead's ``PhotoUrl`` is
    ``/services/images/photo/{Id}``, recorded from a real org)."""
    return tuple((f.name, f.extra["_fromId"]) for f in sobject.fields.values()
                 if f.extra.get("_fromId") is not None)
