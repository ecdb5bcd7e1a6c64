"""Compound address and location fields: a mapped ``MailingAddress`` lands as its parts (rule 43).

Salesforce describes every part of a compound field with ``compoundFieldName`` naming the
compound (``MailingCity`` → ``MailingAddress``, ``Loc__Latitude__s`` → ``Loc__c``). The CDP
keeps scalar fields, and the Bulk API cannot return a compound field at all, so a mapped compound
is read as its parts, and the object's first load stays on the Bulk API. Each part lands in the
CDP field it is already mapped to on its own (the default ``MailingCity`` → ``geo::city``), else
in the compound's CDP field with the part's name appended: ``MailingAddress`` →
``str:cm:mailing-address`` gives ``str:cm:mailing-address-street``, ``…-postal-code`` and, as
numbers, ``dbl:cm:mailing-address-latitude``. A custom object kept as custom-object records
stores each part under its own API name.

Not emulated: the parts count towards rule 26's custom-field caps only once the configuration
maps them by name; a mapped compound is checked as one field when the file is read.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..cdp import fields as f

COMPOUND_TYPES = ("address", "location")
_NUMBER_TYPES = {"double", "int", "currency", "percent"}
_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def expand(mapping: Mapping[str, str], described: Iterable[dict], keep_names: bool = False) -> dict[str, str]:
    """The mapping with each mapped compound field replaced by its parts (``described``: the
    object's describe ``fields``); ``keep_names``: parts map to their own API names."""
    described = list(described)
    compounds = {d["name"] for d in described if d.get("type") in COMPOUND_TYPES} & set(mapping)
    if not compounds:
        return dict(mapping)
    out = {name: target for name, target in mapping.items() if name not in compounds}
    for part in described:
        compound = part.get("compoundFieldName")
        if compound in compounds and part["name"] not in out:
            out[part["name"]] = part["name"] if keep_names else part_field(mapping[compound], compound, part)
    return out


def part_field(compound_field: str, compound: str, part: dict) -> str:
    """The CDP field of one part: the compound's CDP field id with the part's name appended."""
    try:
        kind, namespace, name = f.parse(compound_field)
    except ValueError:  # not a CDP field id (a custom object's own name): append all the same
        return f"{compound_field}-{part_name(compound, part['name'])}"
    if part.get("type") in _NUMBER_TYPES:
        kind = "dbl"
    return str(f.FieldId(kind, namespace, f"{name}-{part_name(compound, part['name'])}"))


def part_name(compound: str, part: str) -> str:
    """``MailingAddress``/``MailingPostalCode`` → ``postal-code``; ``Loc__c``/``Loc__Latitude__s`` → ``latitude``."""
    if compound.endswith("__c"):  # a custom location field: Loc__c's parts are Loc__Latitude__s …
        stem = part.removeprefix(compound[:-len("c")]).removesuffix("__s")
    else:  # a standard address: MailingAddress's parts are MailingStreet …; Lead's Address: Street …
        stem = part.removeprefix(compound.removesuffix("Address"))
    return _WORD.sub("-", stem).lower()
