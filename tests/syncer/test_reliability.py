"""Reliability: a syncer killed at random points, and a flaky org, end with the same CDP as a
clean sync — no record lost, none duplicated (issues 6 and 15). The killed syncer writes to the
storage under test (SQLite, and PostgreSQL when ``SF_TEST_POSTGRES_URL`` is set); the long runs
are marked ``slow`` (``pytest -m slow``)."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from syncer.cli import main  # noqa: F401 - the CLI under test must import

import configs

CONTACTS = 12000  # the long runs and the faults run: two Bulk results pages of 10,000 rows
SMALL = 6000      # the default run's kills: one results page of three chunks, above bulk_threshold
CHUNK = 2000  # rows merged in one transaction (syncer.sync.run.PAGE_SIZE)


def cdp_snapshot(url):
    """Every person (email, names) and every hidden id of a CDP, sorted."""
    engine = sa.create_engine(url if "://" in str(url) else f"sqlite:///{url}")
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT email, first_name, last_name FROM cdp_person")).all()
        links = conn.execute(sa.text("SELECT sf_id FROM cdp_sf_link")).scalars().all()
    engine.dispose()
    return sorted(map(tuple, people)), sorted(links)  # sorted here: collations differ


def truth(org):
    """What a complete sync of a loaded org gives (``cdp_snapshot``'s shape), from the org itself."""
    ids = [r["Id"] for r in org.client().query_all("SELECT Id FROM Contact")["records"]]
    count = len(ids)
    return sorted((f"p{n}@example.org", f"F{n}", f"L{n}") for n in range(count)), sorted(ids)


def source_row(engine):
    """The data source's bookmarks and settings (None before ``syncer connect`` made it)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT bookmarks, settings FROM cdp_data_source")).first()
    if row is None:
        return None
    import json
    return tuple(json.loads(v) if isinstance(v, str) else (v or {}) for v in row)


def people_count(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM cdp_person")).scalar_one()


def load(org, count):
    records = [{"LastName": f"L{n}", "FirstName": f"F{n}", "Email": f"p{n}@example.org"} for n in range(count)]
    org.control("POST", "orgs/org1/records/Contact", json={"records": records})
    return org


@pytest.fixture
def loaded_org(salesforce_org):
    return load(salesforce_org, CONTACTS)


@pytest.fixture
def small_org(salesforce_org):
    return load(salesforce_org, SMALL)


def syncer_command(config, *args):
    return [sys.executable, "-m", "syncer.cli", "--config", str(config), *args]


def connect(config, server):
    subprocess.run(syncer_command(config, "connect", "--username", server.config.username,
                                  "--password", server.config.password), check=True, capture_output=True)


def connected_folders(tmp_path, server, *names, bulk_api=True, cdp_urls=None, poll_minutes=15):
    """One connected syncer configuration (and CDP) per name."""
    folders = []
    for name in names:
        folder = tmp_path / name
        folder.mkdir()
        url = (cdp_urls or {}).get(name)
        configs.write(folder / "syncer.toml", server, folder, cdp={"url": url} if url else {},
                      sync={"objects": ["Contact", "Account"], "bulk_api": bulk_api,
                            "poll_interval_minutes": poll_minutes})
        connect(folder / "syncer.toml", server)
        folders.append(folder)
    return folders


def kill_at_random_points(org, tmp_path, db_url, api, kills):
    """Sync into a CDP on ``db_url`` killed ``kills`` times at random points, then to its end:
    it holds every contact once, as a complete sync does."""
    (folder,) = connected_folders(tmp_path, org, "killed", bulk_api=api == "bulk", cdp_urls={"killed": db_url})
    expected = truth(org)
    started = time.monotonic()
    subprocess.run(syncer_command(folder / "syncer.toml", "sync"), check=True, capture_output=True)
    duration = time.monotonic() - started  # one whole sync, process start-up included …
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # … and its result undone, so the killed runs start afresh
        for table in ("cdp_sf_link", "cdp_person", "cdp_organization"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
        conn.execute(sa.text("UPDATE cdp_data_source SET bookmarks = '{}'"))
    engine.dispose()
    rng = random.Random(kills)
    real_kills = 0
    for _ in range(kills):
        process = subprocess.Popen(syncer_command(folder / "syncer.toml", "sync"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Early points, so most runs die mid-sync rather than finishing the rest of the org.
        time.sleep(rng.uniform(0.1, 0.35) * duration)
        if process.poll() is None:  # else it finished before the kill point: a valid restart
            process.send_signal(signal.SIGKILL)
            process.wait()
            real_kills += 1
    assert real_kills >= kills // 2, f"only {real_kills} of {kills} runs were killed mid-sync"
    final = subprocess.run(syncer_command(folder / "syncer.toml", "sync"), capture_output=True, text=True)
    assert final.returncode == 0, final.stdout + final.stderr
    assert cdp_snapshot(db_url) == expected


@pytest.mark.parametrize("api", ["bulk", "rest"])
def test_sigkill_at_random_points_then_finish(small_org, tmp_path, db_url, api):
    # A first sync reads the contacts through a Bulk API 2.0 job (rule 43), resumed after its
    # last committed chunk; with bulk_api = false through REST keyset pages, resumed after the
    # last committed record.
    kill_at_random_points(small_org, tmp_path, db_url, api, kills=4)


@pytest.mark.slow
@pytest.mark.parametrize("api", ["bulk", "rest"])
def test_sigkill_at_random_points_60_times_then_finish(loaded_org, tmp_path, db_url, api):
    kill_at_random_points(loaded_org, tmp_path, db_url, api, kills=60)


def kill_after_each_chunk(org, tmp_path, db_url):
    """Kill each run as soon as it merged one chunk past the saved position, until one finishes.

    The saved position must never pass merged rows, lag them by one chunk at most (the kill can
    fall between a chunk's merge and its position's save), and grow with every run. Returns the
    number of runs."""
    (folder,) = connected_folders(tmp_path, org, "killed", cdp_urls={"killed": db_url})
    expected, engine = truth(org), sa.create_engine(db_url)
    saved, runs = 0, 0
    while True:
        runs += 1
        assert runs <= len(expected[0]) // CHUNK + 2, "no progress"
        process = subprocess.Popen(syncer_command(folder / "syncer.toml", "sync"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and people_count(engine) <= saved + CHUNK:
            time.sleep(0.02)
        if process.poll() is not None:
            break  # it finished: the last chunks came in before it could be killed
        process.send_signal(signal.SIGKILL)
        process.wait()
        merged, cursor = people_count(engine), source_row(engine)[0]["Contact"]
        if "bulk" not in cursor:
            # Killed after the last chunk: the Contact window committed and its position was
            # cleared with it, so every contact is in; the next run finishes what is left.
            assert merged == len(expected[0]), (cursor, merged)
            saved = merged
            continue
        position = cursor["bulk"]
        assert merged - CHUNK <= position["rows"] <= merged, (position, merged)
        assert position["rows"] > saved
        saved = position["rows"]
    engine.dispose()
    assert process.returncode == 0
    assert cdp_snapshot(db_url) == expected
    return runs


def test_sigkill_after_each_chunk_progress_strictly_grows(small_org, tmp_path, db_url):
    # Every kill falls inside the one Bulk results page (6,000 rows, three chunks).
    assert kill_after_each_chunk(small_org, tmp_path, db_url) >= 2


@pytest.mark.slow
def test_sigkill_after_each_chunk_across_results_pages(loaded_org, tmp_path, db_url):
    assert kill_after_each_chunk(loaded_org, tmp_path, db_url) >= 4


def test_two_run_workers_share_one_cdp_and_one_is_killed(small_org, tmp_path, db_url):
    # Two `syncer run` workers on one CDP: one wins the data source's poll lease; it is killed
    # mid-sync; the other takes the lease over (its holder's process is gone) and finishes.
    (shared_dir,) = connected_folders(tmp_path, small_org, "shared", cdp_urls={"shared": db_url},
                                      poll_minutes=0.02)
    expected = truth(small_org)
    workers = [subprocess.Popen(syncer_command(shared_dir / "syncer.toml", "run"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    engine = sa.create_engine(db_url)
    try:
        deadline = time.monotonic() + 120
        holder = None
        while holder is None or people_count(engine) < CHUNK:
            assert time.monotonic() < deadline and all(w.poll() is None for w in workers)
            lease = source_row(engine)[1].get("_lease")
            holder = next((w for w in workers if lease and f":{w.pid}:" in lease["worker"]), None)
            time.sleep(0.02)
        assert people_count(engine) < SMALL, "the first worker finished before the kill"
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        survivor = next(w for w in workers if w is not holder)
        while not finished(source_row(engine)[0]):  # only the survivor can finish it
            assert time.monotonic() < deadline and survivor.poll() is None
            time.sleep(0.1)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
        engine.dispose()
    assert cdp_snapshot(db_url) == expected


def finished(bookmarks) -> bool:
    """Both streams have committed a whole window (the initial sync is over)."""
    return all((bookmarks.get(name) or {}).get("committed") for name in ("Contact", "Account"))


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
