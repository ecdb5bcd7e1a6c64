"""Hot-path reads and binds: candidates read through ``fastpath`` are the rows Core reads, and
the values it binds are the ones SQLAlchemy's own processors store."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from syncer.cdp import CDP, PeopleSettings, writer
from syncer.cdp import fields as f
from syncer.cdp.candidates import IncomingRecord
from syncer.cdp.fastpath import bind_processor
from syncer.cdp.models import link_table, person_table

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
#: Documents that could tell decoders apart: nesting, non-ASCII, floats, an empty one, repeats
#: (PostgreSQL reads documents as text and decodes each distinct one once).
DOCUMENTS = [{"str:cm:tier": "gold"}, {}, {"str:cm:tier": "gold"},
             {"str:cm:note": "é\n\"q\"", "num:cm:score": 1.5e-7,
              "num:cm:big": 12345678901234567890},
             {"lst:cm:tags": ["a", None, {"b": -0.0}]}, {"lst:cm:tags": ["a", None, {"b": -0.0}]}]


def test_candidates_hold_the_documents_core_reads(db_url):
    cdp = CDP(db_url)
    source = cdp.create_data_source("Salesforce A", org_id="00DA")
    rows = [{"email": f"p{i}@x.org", "field_values": document, "email_permission": True,
             "sms_permission": False, "email_unsubscribed_in_cdp": False,
             "sms_unsubscribed_in_cdp": False, "archived": False, "created_at": T0,
             "updated_at": T0} for i, document in enumerate(DOCUMENTS)]
    incoming = [IncomingRecord.from_mapping({"sf_id": f"003{i:015d}", "sf_object": "Contact",
                                             f.EMAIL: row["email"]})
                for i, row in enumerate(rows)]
    with cdp.engine.begin() as conn:
        conn.execute(sa.insert(person_table), rows)
        read = conn.execute(sa.select(person_table).order_by(person_table.c.id)).mappings().all()
        index = writer.load_people_candidates(conn, source.id, incoming, PeopleSettings())
    core = [writer.person_snapshot(row) for row in read]
    fast = [index.by_email[row["email"]][0] for row in read]
    assert [(p.id, p.fields, p.stored) for p in fast] == [(p.id, p.fields, p.stored) for p in core]
    assert [p.stored.field_values for p in fast] == DOCUMENTS
    cdp.close()


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
