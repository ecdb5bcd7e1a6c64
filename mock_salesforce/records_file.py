"""Records to load into a mock org, from a mapping, a JSON file or CSV files.

One shape for ``patch(records=...)`` and the pytest marker ``salesforce_org(records=...)``:

- a mapping ``{"Account": [{"Name": "Acme"}], "Contact": [...]}``;
- a ``.json`` file holding that mapping;
- a ``.csv`` file named after its object (``Contact.csv``: a header row of field names; an empty
  cell leaves the field unset; ``true`` / ``false`` become booleans, as in Data Loader files);
- a list of any of these, loaded in order (so parents come before children).

Rows go through the control plane's load (``POST /_mock/orgs/{org}/records/{T}``): the REST API's
validation, audit fields allowed.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

Records = Mapping[str, list[dict]]


def read_records(source) -> list[tuple[str, list[dict]]]:
    """``(sobject, rows)`` pairs from a mapping, a ``.json`` / ``.csv`` path, or a list of those."""
    if isinstance(source, Mapping):
        return [(str(name), list(rows)) for name, rows in source.items()]
    if isinstance(source, (str, Path)):
        return _read_file(Path(source))
    pairs: list[tuple[str, list[dict]]] = []
    for item in source:
        pairs += read_records(item)
    return pairs


def _read_file(path: Path) -> list[tuple[str, list[dict]]]:
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise ValueError(f'{path}: expected {{"<SObject>": [{{...}}, ...]}}')
        return [(name, rows) for name, rows in data.items()]
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [{k: _cell(v) for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]
        return [(path.stem, rows)]
    raise ValueError(f"{path}: records come from .json or .csv files (named after the object)")


def _cell(value: str):
    lowered = value.lower()
    return {"true": True, "false": False}.get(lowered, value)


def load_records(org, source) -> dict[str, list[str]]:
    """Insert the records into an org (an ``OrgAccess``); the new ids by object."""
    ids: dict[str, list[str]] = {}
    for sobject, rows in read_records(source):
        if rows:
            created = org.control("POST", f"records/{sobject}", json={"records": rows}).json()["ids"]
            ids.setdefault(sobject, []).extend(created)
    return ids
