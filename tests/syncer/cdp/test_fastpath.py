"""Hot-path reads: candidates read through ``fastpath`` are the rows Core reads."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from syncer.cdp import CDP, PeopleSettings, writer
from syncer.cdp import fields as f
from syncer.cdp.candidates import IncomingRecord
from syncer.cdp.models import person_table

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
