"""Reliability: a syncer killed at random points, and a flaky org, end with the same CDP as a
clean sync — no record lost, none duplicated (issue 6)."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from syncer.cli import main  # noqa: F401 - the CLI under test must import

CONTACTS = 12000


def write_config(path, tmp, server, bulk_api=True):
    config = server.config
    path.write_text(f"""
[source]
login_url = "{server.url}"
client_id = "{config.client_id}"
client_secret = "{config.client_secret}"
ca_bundle = "{server.ca_path}"
[cdp]
url = "sqlite:///{tmp / 'cdp.db'}"
[sync]
objects = ["Contact", "Account"]
bulk_api = {"true" if bulk_api else "false"}
""")


def cdp_snapshot(db):
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT email, first_name, last_name FROM cdp_person ORDER BY email")).all()
        links = conn.execute(sa.text("SELECT sf_id FROM cdp_sf_link ORDER BY sf_id")).scalars().all()
    engine.dispose()
    return people, links


@pytest.fixture
def loaded_org(salesforce_org):
    records = [{"LastName": f"L{n}", "FirstName": f"F{n}", "Email": f"p{n}@example.org"} for n in range(CONTACTS)]
    salesforce_org.control("POST", "orgs/org1/records/Contact", json={"records": records})
    return salesforce_org


def syncer_command(config, *args):
    return [sys.executable, "-m", "syncer.cli", "--config", str(config), *args]


def connect(config, server):
    subprocess.run(syncer_command(config, "connect", "--username", server.config.username,
                                  "--password", server.config.password), check=True, capture_output=True)


def connected_folders(tmp_path, server, *names, bulk_api=True):
    """One connected syncer configuration (and CDP) per name."""
    folders = []
    for name in names:
        folder = tmp_path / name
        folder.mkdir()
        write_config(folder / "syncer.toml", folder, server, bulk_api)
        connect(folder / "syncer.toml", server)
        folders.append(folder)
    return folders


@pytest.mark.parametrize("api", ["bulk", "rest"])
def test_sigkill_at_random_points_20_times_then_finish(loaded_org, tmp_path, api):
    # 12,000 contacts: a first sync reads them through a Bulk API 2.0 job (rule 43), resumed at
    # its next results page; with bulk_api = false through REST keyset pages, resumed after the
    # last committed record.
    clean_dir, killed_dir = connected_folders(tmp_path, loaded_org, "clean", "killed", bulk_api=api == "bulk")
    started = time.monotonic()
    subprocess.run(syncer_command(clean_dir / "syncer.toml", "sync"), check=True, capture_output=True)
    duration = time.monotonic() - started  # process start-up included
    rng = random.Random(20)
    kills = real_kills = 0
    while kills < 20:
        process = subprocess.Popen(syncer_command(killed_dir / "syncer.toml", "sync"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Early points, so most runs die mid-sync rather than finishing the rest of the org.
        time.sleep(rng.uniform(0.1, 0.35) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            real_kills += 1
        else:
            kills += 1  # finished before the kill point: still a valid restart
    assert real_kills >= 10, f"only {real_kills} of 20 runs were killed mid-sync"
    final = subprocess.run(syncer_command(killed_dir / "syncer.toml", "sync"), capture_output=True, text=True)
    assert final.returncode == 0, final.stdout + final.stderr
    clean, killed = cdp_snapshot(clean_dir / "cdp.db"), cdp_snapshot(killed_dir / "cdp.db")
    assert len(clean[0]) == CONTACTS and killed == clean


def test_faults_ten_percent_then_identical(loaded_org, tmp_path):
    clean_dir, flaky_dir = connected_folders(tmp_path, loaded_org, "clean", "flaky")
    subprocess.run(syncer_command(clean_dir / "syncer.toml", "sync"), check=True, capture_output=True)
    for kind, seed in (("500", 1), ("401", 2), ("503", 3)):
        loaded_org.control("POST", "faults", json={"kind": kind, "count": 1000, "rate": 0.04,
                                                  "path": "/services/data", "seed": seed})
    loaded_org.control("POST", "faults", json={"kind": "delay", "delay": 3, "count": 1,
                                              "path": "/query"})
    loaded_org.control("POST", "faults", json={"kind": "403", "count": 1, "path": "/query"})
    env = {**os.environ, "SYNCER_HTTP_TIMEOUT": "2"}
    outcomes = []
    for _ in range(6):  # the limit error stops a poll; the next poll resumes
        result = subprocess.run(syncer_command(flaky_dir / "syncer.toml", "sync"), capture_output=True,
                                text=True, env=env)
        outcomes.append(result.stdout)
        if "poll: ok" in result.stdout:
            break
    assert any("api-limit" in out for out in outcomes), outcomes
    assert "poll: ok" in outcomes[-1], outcomes[-1]
    assert cdp_snapshot(flaky_dir / "cdp.db") == cdp_snapshot(clean_dir / "cdp.db")
