"""Field values between JSON and the store: validation on the way in, Salesforce shapes on the way out."""
from __future__ import annotations

import re
from datetime import date

from .. import errors
from ..clock import format_datetime, parse_datetime, to_millis
from . import ids
from .schema import COMPOUND_TYPES, FieldDef, SObjectDef

# What an email field takes (a loose check; Salesforce's own is not recorded).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEXT = {"string", "textarea", "phone", "url", "email", "picklist", "multipicklist", "combobox",
         "encryptedstring"}


def _parser_error(field: FieldDef, value: object, kind: str) -> errors.SalesforceError:
    return errors.JSON_PARSER_ERROR(
        f"Cannot deserialize instance of {kind} from {type(value).__name__.upper()} value "
        f"{value!r} or request may be missing a required field", [field.name])


def to_store(field: FieldDef, value: object) -> object:
    """Validate one incoming JSON value and convert it to its stored form."""
    if value is None:
        return None
    kind = field.type
    if kind in _TEXT and isinstance(value, str):
        return _text(field, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(field, value, "boolean")
    if kind in ("int", "long"):
        if isinstance(value, bool):
            raise _parser_error(field, value, kind)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _parser_error(field, value, kind) from None
        if number != int(number):
            raise _parser_error(field, value, kind)
        return int(number)
    if kind in ("double", "currency", "percent"):
        if isinstance(value, bool):
            raise _parser_error(field, value, "double")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _parser_error(field, value, "double") from None
    if kind == "date":
        if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value[:10]):
            raise _parser_error(field, value, "date")
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            raise _parser_error(field, value, "date") from None
    if kind == "datetime":
        if not isinstance(value, str):
            raise _parser_error(field, value, "datetime")
        try:
            return to_millis(parse_datetime(value))
        except ValueError:
            raise _parser_error(field, value, "datetime") from None
    if kind in ("id", "reference"):
        if not isinstance(value, str) or not ids.is_valid(value):
            raise errors.MALFORMED_ID(f"{field.label}: id value of incorrect type: {value}",
                                      [field.name])
        return ids.to18(value)
    if isinstance(value, (dict, list)):
        raise _parser_error(field, value, "string")
    return _text(field, str(value).lower() if isinstance(value, bool) else str(value))


def _text(field: FieldDef, text: str) -> str:
    kind = field.type
    if kind in _TEXT and field.length and len(text) > field.length:
        raise errors.STRING_TOO_LONG(
            f"{field.label}: data value too large: {text[:60]} (max length={field.length})",
            [field.name])
    if kind == "email" and text and not EMAIL.match(text):
        raise errors.INVALID_EMAIL_ADDRESS(f"{field.label}: invalid email address: {text}",
                                           [field.name])
    if kind == "picklist" and field.restricted_picklist and text not in field.picklist_values:
        raise errors.INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST(
            f"{field.label}: bad value for restricted picklist field: {text}", [field.name])
    return text


def to_json(field: FieldDef, value: object) -> object:
    """A stored value as Salesforce serialises it."""
    if value is None:
        return None
    if field.type == "datetime":
        return format_datetime(int(value))
    if field.type in ("int", "long"):
        return int(value)
    if field.type in ("double", "currency", "percent"):
        return float(value)
    return value


def compound_value(sobject: SObjectDef, field: FieldDef, row: dict) -> dict | None:
    """An address or location value assembled from its component columns (None when all empty)."""
    prefix = field.name[: -len("Address")] if field.type == "address" else field.name
    value = {key: row.get(prefix + suffix) for key, suffix in _ADDRESS_PARTS}
    if all(v is None for v in value.values()):
        return None
    return value


_ADDRESS_PARTS = (("street", "Street"), ("city", "City"), ("state", "State"),
                  ("postalCode", "PostalCode"), ("country", "Country"), ("latitude", "Latitude"),
                  ("longitude", "Longitude"), ("geocodeAccuracy", "GeocodeAccuracy"))


def record_url(version: str, sobject: str, record_id: str) -> str:
    """The ``attributes.url`` of a record."""
    return f"/services/data/{version}/sobjects/{sobject}/{record_id}"


def serialise(sobject: SObjectDef, row: dict, version: str,
              fields: list[FieldDef] | None = None) -> dict:
    """A record as the REST API returns it: ``attributes`` first, then fields in describe order."""
    body: dict = {"attributes": {"type": sobject.name,
                                 "url": record_url(version, sobject.name, row["Id"])}}
    for field in fields if fields is not None else sobject.fields.values():
        if field.type in COMPOUND_TYPES:
            body[field.name] = compound_value(sobject, field, row)
        else:
            body[field.name] = to_json(field, row.get(field.name))
    return body
