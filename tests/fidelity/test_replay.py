"""Every corpus entry, replayed against the real mock over HTTPS, compared by shape.

An entry without a known difference must match. An entry with one must still differ, and only
where its ``difference`` says: when the mock starts matching, the test says so (drop the
difference), and an unexplained difference fails like any other.
"""
import pytest

from .corpus import load
from .replay import replay, session_vars

ENTRIES = load()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_entry_answers_as_recorded(entry, salesforce_org):
    outcome = replay(entry, salesforce_org, session_vars(salesforce_org))
    if entry.difference is None:
        assert outcome.differences == [], "\n".join(outcome.differences)
        return
    assert outcome.differences, (f"{entry.id} now matches the recording: remove its "
                                 f"{entry.difference['kind']} difference from the corpus")
    where = entry.difference["where"]
    unexplained = [line for line in outcome.differences if not any(w in line for w in where)]
    assert unexplained == [], "\n".join(unexplained)
