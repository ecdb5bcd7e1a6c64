"""A poll keeps its data source up to date while a backfill merges pages beside it (rule 34)."""
from __future__ import annotations

import threading
import time

from syncer.cdp import CDP


def test_a_poll_saves_its_cursor_while_a_backfill_page_merge_holds_the_write_lock(db_url):
    backfill, poll = CDP(db_url), CDP(db_url)  # two processes: two connection pools
    source = poll.create_data_source("Salesforce", org_id="00DA")
    merging = threading.Event()

    def merge_page() -> None:
        with backfill.writing():  # what a backfill holds while it merges one page
            merging.set()
            time.sleep(0.3)

    thread = threading.Thread(target=merge_page)
    thread.start()
    try:
        merging.wait(5)
        poll.update_data_source(source.id, state="Updating", bookmarks={"Contact": {"committed": "x"}})
    finally:
        thread.join()
    saved = poll.get_data_source(source.id)
    assert (saved.state, saved.bookmarks) == ("Updating", {"Contact": {"committed": "x"}})
    backfill.close()
    poll.close()
