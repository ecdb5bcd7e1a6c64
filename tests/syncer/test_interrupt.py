"""Ctrl-C during ``syncer sync``: a real process and a real SIGINT (issue 14).

It exits at once with 130, says how to resume, leaves the data source *Connected* with its lease
released, keeps every committed page, and the next ``syncer sync`` carries on from there. The
held-interrupt rule (never inside a CDP database call) is tested on its own below.
"""
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from syncer.cli import main
from syncer.interrupt import between_database_calls

import configs

CONTACTS = 4500  # three REST keyset pages of 2,000


def people(db) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return conn.execute("SELECT count(*) FROM cdp_person").fetchone()[0]
        except sqlite3.OperationalError:  # tables not created yet
            return 0


def data_source(db) -> tuple[str, str, str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT state, status_note, settings FROM cdp_data_source WHERE id = 1").fetchone()


@pytest.fixture
def slow_org_config(salesforce_org, tmp_path):
    records = [{"LastName": f"L{n}", "Email": f"p{n}@example.org"} for n in range(CONTACTS)]
    salesforce_org.control("POST", "orgs/org1/records/Contact", json={"records": records})
    config = salesforce_org.config
    path = configs.write(tmp_path / "syncer.toml", salesforce_org, tmp_path, sync={"bulk_api": False})
    result = CliRunner().invoke(main, ["--config", str(path), "connect", "--username", config.username,
                                       "--password", config.password])
    assert result.exit_code == 0, result.output
    # Every query page takes a second: the sync is surely mid-way when Ctrl-C comes.
    salesforce_org.control("POST", "faults", json={"kind": "delay", "count": 100, "path": "queryAll",
                                                   "delay": 1.0})
    return path


def test_ctrl_c_during_sync_exits_at_once_and_the_next_sync_resumes(slow_org_config, salesforce_org, tmp_path):
    db = tmp_path / "cdp.db"
    process = subprocess.Popen([sys.executable, "-m", "syncer.cli", "--config", str(slow_org_config), "sync"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while people(db) < 2000:  # the first page is committed
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    output, _ = process.communicate(timeout=30)
    elapsed = time.monotonic() - interrupted
    assert process.returncode == 130, output
    assert elapsed < 1.5, f"took {elapsed:.1f} s to stop"  # ~0.2 s measured; slack for a busy CI
    assert "interrupted: every page committed so far is kept; run syncer sync to resume" in output
    assert "Traceback" not in output
    state, note, settings = data_source(db)
    assert state == "Connected" and "interrupted" in note
    assert "_lease" not in settings  # released: the next poll need not wait for it to lapse
    kept = people(db)
    assert 2000 <= kept < CONTACTS

    salesforce_org.control("DELETE", "faults")
    result = CliRunner().invoke(main, ["--config", str(slow_org_config), "sync"])
    assert result.exit_code == 0, result.output
    assert people(db) == CONTACTS
    assert f"created {CONTACTS - kept}" in result.output  # the committed pages were not read again
    assert data_source(db)[1] is None  # the note goes with the next good poll


def test_ctrl_c_is_held_while_a_database_call_runs(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}", connect_args={"timeout": 0})
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with between_database_calls(engine) as interrupts:
        with pytest.raises(KeyboardInterrupt):
            with engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                signal.raise_signal(signal.SIGINT)  # held: the write goes on
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
                conn.exec_driver_sql("COMMIT")
            pytest.fail("the held Ctrl-C was not delivered when the connection came back")
        assert interrupts.by_signal
        # Nothing holds the write lock (timeout 0 would fail at once), and both rows are there.
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (3)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 3
        with pytest.raises(KeyboardInterrupt):  # between database calls: at once
            signal.raise_signal(signal.SIGINT)
    engine.dispose()
