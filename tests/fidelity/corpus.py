"""The fidelity corpus: request → response shapes derived from responses recorded from real orgs.

Each file under ``corpus/`` describes one recording source (``source``: name, repositories, how
the responses were captured) and its ``entries``. An entry holds:

- ``id``, ``family`` (the README table's row) and ``from`` (``repo``, ``path``, ``commit``):
  where the recorded response is;
- ``provenance``: ``captured`` (recorded from a real org by a tool: VCR, nock, WireMock) or
  ``hand-written`` (a test fixture someone typed or edited);
- ``adapted`` (optional): how the request was changed to fit the mock's org (a custom object of
  the recording org replaced by a standard one) — the response shape is still the recorded one;
- ``setup`` and ``request``: what the replay sends (see ``replay.py``);
- ``expect``: ``status``, ``headers`` (``=exact``, ``~regex``, a type token, ``present``),
  ``kind`` (json, csv, xml, empty) and ``body``, the shape (see ``shape.py``);
- ``difference`` (optional): a known difference, ``kind`` ``deliberate`` or ``pending``, its
  ``reason``, and ``where``: substrings every difference line contains (so an unexplained one
  still fails).

Only shapes are stored, never the recorded bodies.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
FAMILIES = ("REST records", "Query", "Composite", "Describe", "Errors", "Bulk 2.0", "Bulk 1.0",
            "OAuth and identity", "SOAP login")


@dataclass(frozen=True)
class Entry:
    """One recorded request and the shape of the real org's answer."""

    id: str
    source: str
    family: str
    origin: dict
    provenance: str
    request: dict
    expect: dict
    setup: list = field(default_factory=list)
    adapted: str | None = None
    difference: dict | None = None


def sources() -> list[dict]:
    """The ``source`` header of every corpus file."""
    return [json.loads(path.read_text())["source"] for path in sorted(CORPUS.glob("*.json"))]


def load() -> list[Entry]:
    """Every entry of every corpus file, in file order."""
    entries = []
    for path in sorted(CORPUS.glob("*.json")):
        data = json.loads(path.read_text())
        for raw in data["entries"]:
            entries.append(Entry(
                id=raw["id"], source=data["source"]["name"], family=raw["family"],
                origin=raw["from"], provenance=raw["provenance"], request=raw["request"],
                expect=raw["expect"], setup=raw.get("setup", []), adapted=raw.get("adapted"),
                difference=raw.get("difference")))
    return entries
