"""Hot-path binding: what ``fastpath`` stores is the text SQLAlchemy's own processors store."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from syncer.cdp import CDP
from syncer.cdp.fastpath import bind_processor
from syncer.cdp.models import link_table

MOMENTS = [datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC),
           datetime(2026, 12, 4, 23, 22, 10, 985000, UTC), datetime(9999, 12, 31, 23, 59, 59, 7, UTC),
           datetime(2026, 12, 4, 23, 22, 10, 1, timezone(timedelta(hours=-3))),  # stored in UTC
           datetime(2026, 12, 5, 4, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))]


def test_datetimes_bind_to_the_text_sqlalchemy_stores(db_url):
    cdp = CDP(db_url)
    dialect = cdp.engine.dialect
    ours = bind_processor(dialect, link_table, "modstamp")
    theirs = link_table.c.modstamp.type.dialect_impl(dialect).bind_processor(dialect)
    assert [ours(moment) for moment in MOMENTS] == [theirs(moment) for moment in MOMENTS]
    assert ours(None) is None
    with pytest.raises(ValueError, match="timezone"):  # a naive datetime is refused, as before
        ours(datetime(2026, 12, 4))
    source = cdp.create_data_source("s").id
    with cdp.engine.begin() as conn:  # the stored values read back as the moments, in UTC
        conn.execute(sa.insert(link_table), [
            {"data_source_id": source, "sf_object": "Contact", "sf_id": f"003{n:015d}", "modstamp": moment}
            for n, moment in enumerate(MOMENTS)])
        core = conn.exec_driver_sql("SELECT modstamp FROM cdp_sf_link ORDER BY id").scalars().all()
        if dialect.name == "sqlite":  # SQLite stores the text itself
            assert core == [ours(moment) for moment in MOMENTS]
        stored = conn.execute(sa.select(link_table.c.modstamp).order_by(link_table.c.id)).scalars().all()
    assert stored == [moment.astimezone(UTC) for moment in MOMENTS]
    cdp.close()
