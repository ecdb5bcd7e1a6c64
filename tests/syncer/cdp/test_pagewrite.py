"""Set-based page writes: the rows ``pagewrite`` stores are the ones Core statements store."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from syncer.cdp import CDP
from syncer.cdp.models import person_table
from syncer.cdp.pagewrite import insert_rows, update_rows

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DOCUMENT = {"str:cm:tier": "gold", "str:cm:note": "é\n\"q\"", "num:cm:score": 1.5,
            "lst:cm:tags": ["a", None, {"b": -0.0}]}


def _person(i: int, **values) -> dict:
    row = {"first_name": f"Ann{i}", "last_name": None, "email": f"p{i}@x.org", "phone": None,
           "field_values": DOCUMENT if i % 2 else {}, "email_permission": bool(i % 3),
           "sms_permission": False, "email_unsubscribed_in_cdp": False,
           "sms_unsubscribed_in_cdp": False, "archived": i == 2, "organization_id": None,
           "created_by_source_id": None, "created_at": T0}
    row.update(values)
    return row


def _stored(conn: sa.Connection) -> list[tuple]:
    columns = [c for c in person_table.c if c.name != "updated_at"]
    return [tuple(row) for row in conn.execute(sa.select(*columns).order_by(person_table.c.id))]


def _columns(rows: list[dict]) -> dict[str, list]:
    return {name: [row[name] for row in rows] for name in rows[0]}


def test_inserted_and_updated_rows_match_core_statements(db_url):
    cdp = CDP(db_url)
    rows = [_person(i, id=i) for i in range(1, 6)]
    changes = [{"_id": 2, "email": None, "field_values": DOCUMENT, "archived": False},
               {"_id": 4, "email": "new@x.org", "field_values": {}, "archived": True}]
    with cdp.engine.begin() as conn:
        insert_rows(conn, person_table, _columns(rows), {"updated_at": T0})
        update_rows(conn, person_table, _columns(changes), {"updated_at": T0})
        set_based = _stored(conn)
        conn.execute(sa.delete(person_table))
        conn.execute(sa.insert(person_table).values(updated_at=T0), rows)
        conn.execute(sa.update(person_table).where(person_table.c.id == sa.bindparam("_id"))
                     .values(email=sa.bindparam("email"), archived=sa.bindparam("archived"),
                             field_values=sa.bindparam("field_values"), updated_at=T0), changes)
        assert set_based == _stored(conn)
    cdp.close()


def test_a_page_of_updates_is_one_statement(db_url):
    """One statement on PostgreSQL (not a driver executemany, which runs one a row on the
    server); one executemany, a loop in C, on SQLite."""
    cdp = CDP(db_url)
    statements = []
    with cdp.engine.begin() as conn:
        insert_rows(conn, person_table, _columns([_person(i, id=i) for i in range(1, 801)]),
                    {"updated_at": T0})
        sa.event.listen(conn, "before_cursor_execute",
                        lambda *args: statements.append(args[-1]))  # executemany?
        update_rows(conn, person_table, {"_id": list(range(1, 801)),
                                         "organization_id": [None] * 800,
                                         "last_name": ["Lee"] * 800}, {"updated_at": T0})
        written = list(statements)
        renamed = conn.execute(sa.select(sa.func.count()).where(person_table.c.last_name == "Lee"))
        assert (written, renamed.scalar_one()) == ([conn.dialect.name == "sqlite"], 800)
    cdp.close()


def test_a_rejected_insert_raises_sqlalchemys_error(db_url):
    """PostgreSQL inserts by COPY, outside SQLAlchemy's execute: its errors still arrive as
    SQLAlchemy's (the CLI maps ``OperationalError``s), and the transaction is rolled back."""
    cdp = CDP(db_url)
    with cdp.engine.begin() as conn:
        insert_rows(conn, person_table, _columns([_person(1, id=1)]), {"updated_at": T0})
    with pytest.raises(sa.exc.IntegrityError), cdp.engine.begin() as conn:
        insert_rows(conn, person_table, _columns([_person(i, id=i) for i in (2, 1)]),
                    {"updated_at": T0})
    with cdp.engine.connect() as conn:
        assert [row[0] for row in _stored(conn)] == [1]
    cdp.close()
