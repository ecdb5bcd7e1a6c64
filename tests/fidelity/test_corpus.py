"""The corpus itself: enough entries, independent sources, every entry cited and well formed."""
import re
from pathlib import Path

from . import table
from .corpus import FAMILIES, load, sources

ENTRIES = load()
README = Path(__file__).resolve().parents[2] / "README.md"


def test_at_least_sixty_entries_from_three_recording_sources():
    captured = {e.source for e in ENTRIES if e.provenance == "captured"}
    assert len(ENTRIES) >= 60
    assert len(captured) >= 3


def test_every_entry_cites_a_file_at_a_commit():
    for entry in ENTRIES:
        assert entry.origin["repo"] and entry.origin["path"], entry.id
        assert re.fullmatch(r"[0-9a-f]{40}", entry.origin.get("commit", "")), entry.id
        assert entry.provenance in ("captured", "pasted", "hand-written"), entry.id
        assert entry.family in FAMILIES, entry.id


def test_entry_ids_are_unique():
    ids = [e.id for e in ENTRIES]
    assert len(ids) == len(set(ids))


def test_every_difference_gives_its_reason_and_where_it_shows():
    for entry in ENTRIES:
        if entry.difference:
            assert entry.difference["kind"] in ("deliberate", "pending"), entry.id
            assert entry.difference["reason"] and entry.difference["where"], entry.id


def test_every_source_names_its_repositories():
    for source in sources():
        assert source["name"] and source["repos"] and source["captured"]


def test_readme_fidelity_table_is_the_generated_one():
    assert table.section(README.read_text()) == table.render(ENTRIES), \
        "README's fidelity table is stale: run python -m tests.fidelity.table and paste it"
