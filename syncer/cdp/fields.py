"""CDP field ids (``type:namespace:name``) and the normalisation applied to incoming values.

Conventions, as in the product: a person's built-in ("system") fields have an empty namespace
(``str::email``), custom person fields live in ``cm`` (``str:cm:tier``), organisation built-ins in
``o`` (``str:o:name``) and custom organisation fields in ``oc`` (``str:oc:region``).

Normalisation happens once, when a record enters the CDP, so that every comparison afterwards
is a plain equality:
- ``""`` becomes ``None`` for every field: Bulk API CSV yields ``""`` for null (rule 2);
- emails are trimmed and lower-cased (rule 11);
- phones are reduced to E.164 digits: spaces, dashes, dots and parentheses are removed and a
  leading ``+`` is kept. A number written without a country code (``(02) 9999 1234``) stays as
  its bare national digits (``0299991234``): we do not guess a country, so such a number only
  matches the same national digits. A value that is not a phone number at all is kept trimmed.

``record_values`` normalises a whole incoming record the same way; records of a sync share one
key layout, so it classifies (and checks) a layout's keys once, not every record's.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

FIRST = "str::first"
LAST = "str::last"
EMAIL = "str::email"
PHONE = "phn::phone"
CITY = "geo::city"
COUNTRY = "geo::country"
EMAIL_PERMISSION = "bol::p"
SMS_PERMISSION = "bol::sp"

ORG_NAME = "str:o:name"
ORG_WEBSITE = "str:o:website"
ORG_INDUSTRY = "str:o:industry"

PERSON_NAMESPACE = ""
CUSTOM_PERSON_NAMESPACE = "cm"
ORG_NAMESPACE = "o"
CUSTOM_ORG_NAMESPACE = "oc"

#: Permission fields have their own rules (18–21) and are never merged like other fields.
PERMISSION_FIELDS = frozenset({EMAIL_PERMISSION, SMS_PERMISSION})
#: The person merge keys after the hidden Salesforce Id, in order (rule 6/7).
PERSON_KEY_FIELDS = (EMAIL, PHONE)
#: The built-in fields a Salesforce Contact maps by default; they never count against caps.
DEFAULT_PERSON_FIELDS = frozenset({FIRST, LAST, EMAIL, PHONE, CITY, COUNTRY,
                                   EMAIL_PERMISSION, SMS_PERMISSION})
DEFAULT_ORG_FIELDS = frozenset({ORG_NAME, ORG_WEBSITE, ORG_INDUSTRY})

#: Keys of an incoming record mapping that are not CDP fields.
RECORD_KEYS = frozenset({"sf_id", "sf_object", "account_id", "converted_contact_id", "modstamp"})
_LINK_KEYS = frozenset({"account_id", "converted_contact_id", "modstamp"})

_TYPES = frozenset({"str", "phn", "bol", "int", "dbl", "tme", "geo", "txt", "dtz"})
_PHONE_PUNCTUATION = str.maketrans("", "", " \t\n\r\f\v-().")


class FieldId(NamedTuple):
    """A parsed field id."""

    type: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}:{self.namespace}:{self.name}"


def parse(field_id: str) -> FieldId:
    """Split ``type:namespace:name``; raise ``ValueError`` for anything else."""
    parts = field_id.split(":")
    if len(parts) != 3 or parts[0] not in _TYPES or not parts[2]:
        raise ValueError(f"not a CDP field id: {field_id!r} (expected type:namespace:name)")
    return FieldId(*parts)


def custom_person(name: str, type_: str = "str") -> str:
    """The id of a custom person field, e.g. ``str:cm:tier``."""
    return str(FieldId(type_, CUSTOM_PERSON_NAMESPACE, name))


def custom_org(name: str, type_: str = "str") -> str:
    """The id of a custom organisation field, e.g. ``str:oc:region``."""
    return str(FieldId(type_, CUSTOM_ORG_NAMESPACE, name))


def is_system_person_field(field_id: str) -> bool:
    """True for built-in person fields (empty namespace), the ones rule 28 governs."""
    return field_id.split(":", 2)[1:2] == [PERSON_NAMESPACE]


def is_custom_person_field(field_id: str) -> bool:
    """True for ``*:cm:*`` fields."""
    return field_id.split(":", 2)[1:2] == [CUSTOM_PERSON_NAMESPACE]


def is_custom_org_field(field_id: str) -> bool:
    """True for ``*:oc:*`` fields."""
    return field_id.split(":", 2)[1:2] == [CUSTOM_ORG_NAMESPACE]


def normalize_email(value: Any) -> str | None:
    """Trim and lower-case an email; blank becomes ``None``."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


def normalize_phone(value: Any) -> str | None:
    """E.164-style digits with an optional leading ``+`` (see the module docstring)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.isprintable():
        # No tab or newline inside (they are not printable), so only " -()." can be removed,
        # and plain replaces cost a fraction of the general translate below.
        compact = text.replace(" ", "")
        digits = compact[1:] if compact[0] == "+" else compact
        if digits.isdigit() and digits.isascii() and len(digits) >= 3:
            return compact  # the usual case: nothing but digits (and spaces) after the "+"
        if "-" in compact or "(" in compact or ")" in compact or "." in compact:
            compact = compact.replace("-", "").replace("(", "").replace(")", "").replace(".", "")
    else:
        compact = text.translate(_PHONE_PUNCTUATION)
    digits = compact[1:] if compact[:1] == "+" else compact
    return compact if len(digits) >= 3 and digits.isascii() and digits.isdigit() else text


def name_key(name: Any) -> str | None:
    """The comparison form of an organisation name: trimmed, single-spaced, case-folded."""
    if name is None:
        return None
    # ``str.split()`` splits at the same whitespace as ``\s+`` and drops it at both ends: the
    # same key as ``re.sub(r"\s+", " ", name).strip()``, at half the cost.
    key = " ".join(str(name).split()).casefold()
    return key or None


def normalize(field_id: str, value: Any) -> Any:
    """Normalise one incoming value for ``field_id`` (``""`` → ``None``, email, phone)."""
    if value == "":
        return None
    if field_id == EMAIL:
        return normalize_email(value)
    if field_id.startswith("phn:"):
        return normalize_phone(value)
    return value


def normalize_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise a whole mapped record (keys are CDP field ids)."""
    return {field_id: normalize(field_id, value) for field_id, value in values.items()}


# --- whole records ------------------------------------------------------------------------

class RecordLayout(NamedTuple):
    """What normalising a record needs to know about its keys (shared by records alike)."""

    fields: tuple[str, ...]  # the field ids, in record order
    others: tuple[str, ...]  # the ``RECORD_KEYS`` present
    email: bool  # the email field is mapped
    phones: tuple[str, ...]  # phone fields (``phn:*``)
    links: bool  # any of ``account_id``, ``converted_contact_id``, ``modstamp`` is present


#: Key layout → layout. A sync maps the same fields on every record, so a page of records shares
#: one or two layouts: each record's keys are classified (and checked) once, not key by key.
_LAYOUTS: dict[tuple[str, ...], RecordLayout] = {}
_MAX_LAYOUTS = 256


def record_layout(keys: tuple[str, ...]) -> RecordLayout:
    """The layout of a record with these keys; a key neither a field id nor a record key raises."""
    layout = _LAYOUTS.get(keys)
    if layout is not None:
        return layout
    for key in keys:
        if ":" not in key and key not in RECORD_KEYS:
            raise ValueError(f"unknown record key {key!r}: neither a CDP field id "
                             f"nor one of {sorted(RECORD_KEYS)}")
    names = tuple(key for key in keys if ":" in key)
    others = tuple(key for key in keys if ":" not in key)
    layout = RecordLayout(names, others, EMAIL in names,
                          tuple(key for key in names if key.startswith("phn:")),
                          not _LINK_KEYS.isdisjoint(others))
    if len(_LAYOUTS) < _MAX_LAYOUTS:  # bounded: odd callers cannot grow it without end
        _LAYOUTS[keys] = layout
    return layout


def record_values(record: Mapping[str, Any]) -> tuple[dict[str, Any], RecordLayout]:
    """A record's field values, normalised as ``normalize`` does, and its layout."""
    keys = tuple(record)
    layout = _LAYOUTS.get(keys) or record_layout(keys)
    if type(record) is dict:
        values = record.copy()  # a C-level copy, then the few non-field keys go
        for key in layout.others:
            del values[key]
    else:
        values = {name: record[name] for name in layout.fields}
    return normalized(values, layout), layout


def normalized(values: dict[str, Any], layout: RecordLayout) -> dict[str, Any]:
    """A record's field values (keys: ``layout.fields``) normalised as ``normalize`` does; the
    caller's own dict, changed in place unless a value is ``""``."""
    # Every field turns "" into None (rule 2); only emails and phones change shape.
    if "" in values.values():
        values = {key: None if value == "" else value for key, value in values.items()}
    if layout.email:
        email = values[EMAIL]
        if email is not None:
            values[EMAIL] = normalize_email(email)
    for key in layout.phones:
        phone = values[key]
        if phone is not None:
            values[key] = normalize_phone(phone)
    return values
