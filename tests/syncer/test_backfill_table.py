"""A backfill's cursor lives in the CDP's ``sync_backfill`` table, made by the schema migrations."""
from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.cdp import CDP, models
from syncer.cdp import sources as housekeeping
from syncer.sync import backfill, state

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def at_version_3(cdp: CDP, keep_backfill_table: bool) -> None:
    """Turn the database back into version 3 (an earlier syncer made the table at its first backfill)."""
    with cdp.engine.begin() as conn:
        if not keep_backfill_table:
            conn.execute(sa.text("DROP TABLE sync_backfill"))
        conn.execute(sa.update(models.version_table).values(version=3))


def test_a_version_3_database_gets_the_backfill_table(db_url, cdp):
    at_version_3(cdp, keep_backfill_table=False)
    again = CDP(db_url)
    with again.engine.connect() as conn:
        assert sa.inspect(conn).has_table("sync_backfill")
        assert models.database_version(conn) == models.SCHEMA_VERSION == 4
    again.close()


def test_a_backfill_made_before_the_migration_is_resumed(db_url, cdp):
    source = cdp.create_data_source("Salesforce A")
    running = state.BackfillState(T0, {"Contact": state.BackfillCursor("003B", 2000, total=5000)})
    housekeeping.save_backfill(cdp, source.id, running.to_row(), fresh=True)
    at_version_3(cdp, keep_backfill_table=True)
    again = CDP(db_url)
    assert backfill.progress(again, source.id) == running and running.percent() == 40
    again.close()


def test_a_new_backfill_replaces_a_finished_one(cdp):
    source = cdp.create_data_source("Salesforce A")
    assert backfill.progress(cdp, source.id) is None  # never backfilled
    done = state.BackfillState(T0, {"Contact": state.BackfillCursor(done=True)}, finished=True)
    housekeeping.save_backfill(cdp, source.id, done.to_row(), fresh=True)
    later = state.BackfillState(T0.replace(day=2), {})
    housekeeping.save_backfill(cdp, source.id, later.to_row(), fresh=True)
    assert backfill.progress(cdp, source.id) == later
