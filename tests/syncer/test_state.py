"""Cursor state: windows, checkpoints and advance, as pure functions."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from syncer.sync import state

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_first_window_reads_from_the_beginning_to_server_time_rounded_up():
    cursor, window = state.open_window(state.Cursor(), T0 + timedelta(milliseconds=400))
    assert window.start is None and window.end == T0 + timedelta(seconds=1)
    assert cursor.window_end == window.end and cursor.committed is None


def test_next_window_starts_a_lookback_before_the_committed_cursor():
    _, window = state.open_window(state.Cursor(committed=T0), T0 + timedelta(minutes=15))
    assert window.start == T0 - timedelta(minutes=10)


def test_unfinished_window_is_resumed_after_its_checkpoint():
    cursor = state.Cursor(committed=T0, window_end=T0 + timedelta(minutes=15),
                          checkpoint=(T0 + timedelta(minutes=3), "003X"))
    resumed, window = state.open_window(cursor, T0 + timedelta(hours=2))
    assert resumed == cursor
    assert window.end == T0 + timedelta(minutes=15) and window.after == (T0 + timedelta(minutes=3), "003X")


def test_page_commit_moves_only_the_checkpoint():
    cursor, _ = state.open_window(state.Cursor(committed=T0), T0 + timedelta(minutes=15))
    after = state.checkpoint_committed(cursor, (T0 + timedelta(minutes=1), "003A"))
    assert after.committed == T0 and after.checkpoint == (T0 + timedelta(minutes=1), "003A")


def test_window_commit_moves_the_cursor_to_the_window_end():
    cursor, window = state.open_window(state.Cursor(committed=T0), T0 + timedelta(minutes=15))
    assert state.window_committed(cursor) == state.Cursor(committed=window.end)


def test_window_filter_without_checkpoint_starts_at_the_window():
    window = state.Window(T0, T0 + timedelta(minutes=15), None)
    assert state.window_filter(window) == (
        "SystemModstamp >= 2026-01-01T12:00:00.000Z AND SystemModstamp < 2026-01-01T12:15:00.000Z")


def test_cursor_survives_json_round_trip():
    cursor = state.Cursor(T0, T0 + timedelta(minutes=15), (T0 + timedelta(minutes=1), "003A"))
    assert state.Cursor.from_json(cursor.to_json()) == cursor


def test_window_filter_is_keyset_on_stamp_and_id():
    window = state.Window(T0, T0 + timedelta(minutes=15), (T0 + timedelta(seconds=5), "003A"))
    assert state.window_filter(window) == (
        "SystemModstamp >= 2026-01-01T12:00:05.000Z AND SystemModstamp < 2026-01-01T12:15:00.000Z "
        "AND (SystemModstamp > 2026-01-01T12:00:05.000Z OR (SystemModstamp = 2026-01-01T12:00:05.000Z "
        "AND Id > '003A'))")


# --- QUERY_TIMEOUT: halve the date window, then read the rest in parts (rule 43) --------------

def test_a_timed_out_window_is_halved_to_the_millisecond():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert state.halved(start, start + timedelta(hours=2)) == start + timedelta(hours=1)
    assert state.halved(start, start + timedelta(seconds=3, milliseconds=1)) == \
        start + timedelta(seconds=1, milliseconds=500)


def test_a_window_from_the_beginning_is_halved_from_the_earliest_stamp():
    end = datetime(2025, 1, 1, tzinfo=UTC)
    assert state.halved(None, end) == state.EARLIEST + (end - state.EARLIEST) / 2


def test_a_second_is_not_halved_again():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert state.halved(start, start + timedelta(seconds=1)) is None


def test_the_next_part_is_twice_as_wide_and_stops_at_the_window_end():
    start, window_end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    end = start + timedelta(hours=1)
    assert state.following_span(start, end, window_end) == end + timedelta(hours=2)
    assert state.following_span(start, start + timedelta(hours=20), window_end) == window_end


def test_a_read_part_resumes_at_its_end_with_no_id():
    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    cursor, _ = state.open_window(state.Cursor(), now)
    part_end = datetime(2024, 2, 1, tzinfo=UTC)
    cursor = state.checkpoint_committed(cursor, (part_end, None))
    restored = state.Cursor.from_json(cursor.to_json())
    assert restored.checkpoint == (part_end, None)
    _, window = state.open_window(restored, now)
    assert state.window_filter(window) == (
        "SystemModstamp >= 2024-02-01T00:00:00.000Z AND SystemModstamp < 2024-03-01T12:00:01.000Z")


def test_a_refused_bulk_job_reads_its_window_through_rest_from_the_start():
    cursor, window = state.open_window(state.Cursor(), T0)
    cursor = state.bulk_page_committed(cursor, {"job": "750A", "locator": None, "rows": 2000})
    cursor = state.checkpoint_committed(cursor, (T0 - timedelta(days=1), "003A"))
    cursor, window = state.bulk_refused(cursor, replace(window, after=cursor.checkpoint))
    assert (cursor.bulk, cursor.checkpoint, window.after) == (None, None, None)
    assert cursor.window_end == window.end


# --- the data source's bookmarks: cursors and poll bookkeeping ----------------------------------

def test_bookmarks_keep_each_stream_cursor_in_its_json_shape():
    cursor = state.Cursor(T0, T0 + timedelta(minutes=15), (T0 + timedelta(minutes=1), "003A"))
    bookmarks = state.Bookmarks({"Account": {"committed": None}})
    bookmarks.set_cursor("Contact", cursor)
    saved = bookmarks.to_json()
    assert saved["Contact"] == cursor.to_json() and saved["Account"] == {"committed": None}
    assert state.Bookmarks(saved).cursor("Contact") == cursor
    assert state.Bookmarks(saved).cursor("Lead") == state.Cursor()  # never synced


def test_bookmarks_remember_when_the_last_poll_started():
    bookmarks = state.Bookmarks()
    assert bookmarks.last_poll() is None
    bookmarks.poll_started(T0)
    assert state.Bookmarks(bookmarks.to_json()).last_poll() == T0
    assert bookmarks.to_json()[state.POLL] == {"started": T0.isoformat()}


# --- backfill cursors (rule 34) -------------------------------------------------------------------

def test_a_backfill_cursor_keeps_its_json_shape():
    fresh = state.BackfillCursor()
    assert fresh.to_json() == {"after": None, "read": 0, "done": False}
    moved = state.BackfillCursor("003B", 4000, False, 9000, {"job": "750A", "rows": 4000})
    assert moved.to_json() == {"after": "003B", "read": 4000, "done": False, "total": 9000,
                               "bulk": {"job": "750A", "rows": 4000}}
    assert state.BackfillCursor.from_json(moved.to_json()) == moved


def test_a_backfill_counts_what_it_read_of_what_it_counted():
    backfill = state.BackfillState(T0, {"Account": state.BackfillCursor(read=100, done=True, total=100)})
    backfill = backfill.with_cursor("Contact", state.BackfillCursor("003B", 500, total=900))
    backfill = backfill.with_cursor("Lead", state.BackfillCursor())  # not counted yet
    assert backfill.counts() == (600, 1000) and backfill.percent() == 60
    assert state.BackfillState.from_row(backfill.to_row()) == backfill
    assert replace(backfill, finished=True).percent() is None
    assert state.BackfillState(T0, {}).percent() == 0


def test_a_backfill_reads_up_to_the_second_after_it_started():
    assert state.backfill_start(T0 + timedelta(milliseconds=400)) == T0 + timedelta(seconds=1)
