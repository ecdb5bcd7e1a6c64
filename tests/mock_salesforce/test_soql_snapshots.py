"""Id snapshots: the first page's Ids come before the count, the rest stream in behind it."""
import threading

import sqlalchemy as sa

from mock_salesforce.backend.soql import snapshots


def ids(n, start=0):
    return [f"003{number:012d}AAA" for number in range(start, start + n)]


def test_ids_read_before_the_count_are_kept():
    snapshot = snapshots.Snapshot()
    snapshot._add("".join(ids(3)))
    assert snapshot.ids(0, 2) == ids(2)  # readable before the total is known
    snapshot._set_total(5)
    snapshot._add("".join(ids(2, start=3)))
    snapshot._finish()
    assert (snapshot.wait_total(), snapshot.ids(0, 5)) == (5, ids(5))


def test_readers_wait_for_the_positions_they_need():
    snapshot = snapshots.Snapshot()
    snapshot._set_total(4)
    snapshot._add("".join(ids(2)))
    seen = []
    reader = threading.Thread(target=lambda: seen.append(snapshot.ids(2, 4)))
    reader.start()
    reader.join(0.05)
    assert reader.is_alive()
    snapshot._add("".join(ids(2, start=2)))
    reader.join(5)
    assert seen == [ids(2, start=2)]


def test_finish_trims_to_the_ids_read():
    snapshot = snapshots.Snapshot()
    snapshot._set_total(10)
    snapshot._add("".join(ids(4)))
    snapshot._finish()
    assert (snapshot.wait_total(), snapshot.size) == (4, 4 * snapshots.ID_BYTES)


def test_take_streams_ids_in_order_with_limit_and_offset(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ids.db'}")
    table = sa.Table("t", sa.MetaData(), sa.Column("Id", sa.String(18), primary_key=True))
    table.create(engine)
    everything = ids(snapshots.FIRST_CHUNK + snapshots.CHUNK + 7)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"Id": i} for i in reversed(everything)])
    select = sa.select(table.c.Id).order_by(table.c.Id)
    count = sa.select(sa.func.count()).select_from(table)

    whole = snapshots.take(engine, count, select, None, 0)
    assert whole.wait_total() == len(everything)
    assert whole.ids(0, len(everything)) == everything

    window = snapshots.take(engine, count, select.limit(5).offset(3), 5, 3)
    assert window.wait_total() == 5 and window.ids(0, 5) == everything[3:8]
    engine.dispose()


def test_keyset_chunks_of_a_query_in_id_order(tmp_path):
    from mock_salesforce.backend.registry import Registry
    from mock_salesforce.backend.soql import engine
    from mock_salesforce.config import MockConfig
    registry = Registry(MockConfig(db_url=f"sqlite:///{tmp_path / 'org.db'}", data_dir=tmp_path,
                                   password="p", client_secret="s"))
    org = registry.default_org
    table = org.store.table(org.sobject("Contact"))
    with org.store.engine.connect() as conn:
        owner = conn.execute(sa.select(org.store.table(org.sobject("User")).c.Id)).scalar()
    everything = ids(snapshots.FIRST_CHUNK + 3)
    with org.store.engine.begin() as conn:
        conn.execute(table.insert(), [
            {"Id": i, "IsDeleted": n == 5, "LastName": "x", "OwnerId": owner}
            for n, i in enumerate(reversed(everything))])
    plan = engine.compile_soql(org, "SELECT Id FROM Contact", False)
    assert plan.id_chunks is not None
    assert engine.compile_soql(org, "SELECT Id FROM Contact WHERE LastName = 'x'", False) \
        .id_chunks is None
    statements = []
    sa.event.listen(org.store.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    snapshot = snapshots.take(org.store.engine, plan.count, plan.ids, None, 0, plan.id_chunks)
    live = [i for n, i in enumerate(reversed(everything)) if n != 5]
    assert snapshot.wait_total() == len(live)
    assert snapshot.ids(0, len(live) + 1) == sorted(live)  # (asking past the end waits for it)
    # A first page, then one chunk that comes back short: the end, no third statement.
    assert sum("group_concat" in statement for statement in statements) == 2
    registry.engine.dispose()
