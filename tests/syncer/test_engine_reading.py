"""REST reads as ``(page, checkpoint)`` generators (``syncer.sync.reading``), on a scripted client."""
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from syncer.salesforce import FatalError
from syncer.sync import state
from syncer.sync.reading import WindowPages, id_pages
from syncer.sync.run import PAGE_SIZE, Query

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
QUERY = Query("Contact", ("Id", "SystemModstamp"), ("IsDeleted = false",))


class Scripted:
    """A client answering each query with the next page (or error) of its script."""

    def __init__(self, *answers) -> None:
        self.answers, self.queries = list(answers), []

    def query_pages(self, soql: str, include_deleted: bool):
        self.queries.append(soql)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return iter([answer])


def page(size: int, first: int = 0, stamp: str = "2026-01-01T11:00:00.000+0000") -> list[dict]:
    return [{"Id": f"003{n:06d}", "SystemModstamp": stamp} for n in range(first, first + size)]


def test_a_window_is_read_in_keyset_pages_each_checkpointed_after_its_last_record():
    client = Scripted(page(PAGE_SIZE), page(5, PAGE_SIZE))
    window = state.Window(T0 - timedelta(hours=2), T0)
    read = list(WindowPages(client, QUERY, window, Counter()))
    stamp = datetime(2026, 1, 1, 11, tzinfo=UTC)
    assert [(len(p), checkpoint) for p, checkpoint in read] == [
        (PAGE_SIZE, (stamp, f"003{PAGE_SIZE - 1:06d}")), (5, (stamp, f"003{PAGE_SIZE + 4:06d}"))]
    assert client.queries[0] == (
        "SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= 2026-01-01T10:00:00.000Z "
        f"AND SystemModstamp < 2026-01-01T12:00:00.000Z AND IsDeleted = false "
        f"ORDER BY SystemModstamp, Id LIMIT {PAGE_SIZE}")
    assert f"Id > '003{PAGE_SIZE - 1:06d}'" in client.queries[1]


def test_an_empty_window_moves_no_checkpoint():
    assert list(WindowPages(Scripted([]), QUERY, state.Window(None, T0), Counter())) == [([], None)]


def test_a_timed_out_query_is_asked_again_over_half_the_window_and_the_rest_follows():
    counts = Counter()
    start = T0 - timedelta(hours=4)
    client = Scripted(FatalError("took too long", "QUERY_TIMEOUT"), page(3), [])
    read = list(WindowPages(client, QUERY, state.Window(start, T0), counts))
    middle = T0 - timedelta(hours=2)
    assert read == [(page(3), (middle, None)), ([], None)]  # the second part reaches the window end
    assert "SystemModstamp < 2026-01-01T10:00:00.000Z" in client.queries[1]
    assert "SystemModstamp >= 2026-01-01T10:00:00.000Z" in client.queries[2]
    assert counts["query_timeout:window_halved"] == 1


def test_other_errors_stop_the_read():
    client = Scripted(FatalError("no such field", "INVALID_FIELD"))
    with pytest.raises(FatalError, match="no such field"):
        list(WindowPages(client, QUERY, state.Window(None, T0), Counter()))


def test_id_pages_follow_the_last_id_after_the_bound():
    client = Scripted(page(PAGE_SIZE), [])
    read = list(id_pages(client, QUERY, bound="SystemModstamp <= 2026-01-01T12:00:00.000Z"))
    assert [(len(p), last) for p, last in read] == [(PAGE_SIZE, f"003{PAGE_SIZE - 1:06d}"), (0, None)]
    assert client.queries == [
        "SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp <= 2026-01-01T12:00:00.000Z AND "
        f"IsDeleted = false ORDER BY Id LIMIT {PAGE_SIZE}",
        "SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp <= 2026-01-01T12:00:00.000Z AND "
        f"IsDeleted = false AND Id > '003{PAGE_SIZE - 1:06d}' ORDER BY Id LIMIT {PAGE_SIZE}"]


def test_a_query_without_conditions_has_no_where():
    assert Query("Account", ("Id",), ()).soql(order="Id", limit=10) == "SELECT Id FROM Account ORDER BY Id LIMIT 10"
