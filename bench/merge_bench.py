"""Merge throughput against a plain-insert floor (prints figures; not a test).

Scenario: a SQLite-file CDP already holds 100,000 people — 50,000 synced from this Salesforce
source (hidden Ids) and 50,000 imported by CSV (no Id). 100,000 incoming contacts are merged in
pages of 2,000 with the Salesforce defaults (overwrite, "Match only if previous merge key is
empty"): half match by Salesforce Id (their name changed), a quarter match a CSV person by email,
a quarter are new. The floor is a plain SQLAlchemy Core batched insert of the same number of
rows into the same ``cdp_person`` table (same indexes) of a fresh SQLite file, one transaction
per page of 2,000, through the CDP's own engine settings. CPU rates are printed beside wall
rates because shared machines make wall time noisy.

    python bench/merge_bench.py [--records 100000] [--page 2000] [--profile] [--cdp-url URL]
                                [--all-new]

``--all-new`` benches an initial sync instead: the n contacts all new, merged into an empty CDP
(every record creates a person), beside the same floor.

Where the time goes (2 vCPU VM, shared with other work, so compare several runs and the CPU
columns). The merge does about 2.5 row operations per incoming record (a joined read of its
hidden Id and person, a quarter email and phone lookups, an update or insert of the person,
half a link insert) where the floor does one insert. On a quiet machine the merge takes
~3.7–4.0 s of CPU for the 100,000 records with 4 KB pages (~2.6–3.1 s with 2 KB) and the floor
~1.2–1.4 s. With 4 KB pages SQLite and its driver were ~45% of the merge (reads ~0.5 s; writes
~0.5 s; commits ~0.6 s, which write ~1,200 WAL frames per page of 2,000 — 95% of them
``cdp_person`` table pages, because 1,500 updates land on people scattered over the table's
~3,300 pages); halving the page size halves those bytes.
Python is ~50%: building records ~8%, loading candidates ~10%, planning ~11%, writing ~8%,
the rest the driver building rows and binding parameters and the page being freed; the
collector's one pass over a page's outcomes is ~3% (it is paused for the rest of the page; see
``syncer/cdp/fastpath.py``).

Before the first tuning pass it ran ~16k records/s (~4.5x the floor); after the second (one
collector pause per page, a leaner planner; ~5% less CPU) ten runs on this VM gave 17–27k
records/s and 2.0–3.7x the floor, six of ten meeting both targets. The third pass changed the
CDP's SQLite page size from 4 KB to 2 KB (``syncer/cdp/store.py``): each touched page is written to
the WAL whole, so the ~1,500 scattered updates of a page write half the bytes (1 KB pages gave
the same speed; 2 KB keeps rows of ~2 KB, people with many custom fields, on one page). Ten runs
after it (2026-12-02, idle VM; three runs with 4 KB pages just before gave 24–26k and 2.2–3.2x): 30.6–37.0k records/s wall and 2.1–2.8x the floor; all ten met
both targets. The floor and the merge are slowed at different moments, so the ratio of one run
is noisy. Tried and not kept: checkpointing every 40,000 WAL pages instead of 10,000
(2 checkpoints instead of 7, ~0.1 s of wall time, no CPU); IN lists and link inserts in key
order (no steady gain); one statement for the email and phone reads (the phone read costs
~0.06 s in all). ``--profile`` prints the top hot spots; ``bench/merge_compare.py`` checks that
a speed change leaves every decision and stored row as it was.

On PostgreSQL (``--cdp-url postgresql+psycopg://postgres@127.0.0.1:5432/test``, the local server,
scratch databases; the targets are for SQLite): 14.4k records/s wall (client CPU 25k/s; the rest
waits on the server) vs a 48.5k floor, 3.4x. The email lookup's anti-join (people without a
hidden Id of this source) hashed the source's links once per 500-key chunk; binding a page's
keys as one array builds that hash once: 16.6–19.2k records/s, 2.7x (2026-12-02).

Issue 17, part 1 (2026-12-04; the VM shared by seven busy agents, so wall figures swing 2x from
run to run and the client-CPU ratio is the steadier one). The planner keeps every decision;
the page's rows are written set-based (``syncer/cdp/pagewrite.py``): on PostgreSQL one
``INSERT … SELECT FROM unnest`` / ``UPDATE … FROM unnest`` per table and shape of change, and one
statement for the people waiting for new Accounts, where a driver executemany ran one statement a
row on the server. Alternating runs, old then new code: PostgreSQL floor/merge 2.29x / 2.83x wall
and 2.43x / 2.09x CPU before, 2.06x / 1.89x wall and 1.33x / 1.23x CPU after. SQLite is unchanged
(an executemany there is already a loop in C; staging a page and ``UPDATE … FROM`` it would bind
the same values once more): 1.8–2.7x CPU before and after, 18.6k records/s of CPU both. Where the
SQLite merge's CPU goes (µs a record, 40,000 records, stages timed in process): loading
candidates 14.5 (SQLite reads ~8.7), planning 5.4, writing 14.0 (SQLite ~8.5), building records,
begin and commit the remaining ~14, of ~48. A set-based merge that also decided in SQL would save
at most the planning and the Python side of loading and writing (~15 µs of 48): ``Outcome.changes``
and the snapshots each outcome carries need every matched person's old values in Python anyway,
and records of one page see each other (rules 7–8 within a page). ``bench/merge_compare.py
--per-pair 10000`` (and with ``--cdp-url`` on PostgreSQL): 293 scenarios, 62,702 outcomes, ≥ 10,000
records for each of the six (merge, find) strategy pairs, identical to the code before.

Issue 17, part 1, second step (2026-12-04, the same busy VM; alternating runs of the code before
and after, 100,000 records each). Records that match nothing and share no key with their page
are created apart from the planner (``merge.split_fresh``): no snapshot, link object, outcome
or index entry each; their outcomes are built only if ``PageSummary.outcomes`` is read.
``--all-new`` (an initial sync's merge) on SQLite: 48–55k → 62.5–62.8k records/s of CPU,
floor/merge 1.40–1.59x → 1.18–1.20x CPU (1.37–1.86x → 1.00–1.36x wall), three runs each. The
mixed page gains nothing measurable (its quarter of new records cost a tenth of its CPU):
2.38–2.77x → 2.10–3.13x CPU, 3.0–3.1x → 2.2–3.3x wall, within the noise.
On PostgreSQL most of the client CPU was psycopg quoting every element of the text-format column
arrays (``pagewrite``) and key arrays (``fastpath.fetch_in``) by regular expressions; they are
bound in binary now. With both changes, alternating runs: ``--all-new`` 29–31k → 61–64k
records/s of client CPU, floor/merge 1.66–2.08x → 1.32–1.65x wall (0.75x CPU: the floor's Core
executemany dumps its rows the slow way); the mixed page 30–33k → 38–44k records/s of CPU,
floor/merge 1.96–2.11x → 1.67–2.02x wall and 1.50–1.57x → 1.13–1.28x CPU.
``bench/merge_compare.py --per-pair 10000`` (SQLite and PostgreSQL; a quarter of the scenarios
now draw keys from a wide pool, so ~14,000 of the records compared are created apart from the
planner): 243 scenarios, 62,907 outcomes, identical to the code before.

Issue 17, the set-based bound (2026-12-04, the same busy VM). ``bench/merge_sql_bound.py``
runs, on copies of this scenario's seeded file, only the SQL a merge decided wholly in SQL
would run (stage the page into a TEMP table, match by hidden Id, email and phone,
``UPDATE … FROM`` the matched people where they differ, ``INSERT … SELECT`` the new people and
links, commit; no Python decision), beside today's merge and this floor, alternating; each
round checks that both stored the same rows. 18 rounds of the mixed page: floor/bound
1.63–2.39x CPU, median 1.8x (1.73–2.90x wall), against floor/merge 1.97–3.01x CPU, median
2.33x (2.01–3.51x wall); the bound was ahead by 0.1–0.8x in every round. So on SQLite even a
merge with no Python decision at all misses 1.5x here: its commit (the WAL pages of ~75,000
scattered updates, 0.65 s of ~2.4) and the updates themselves (0.5 s) are what the floor never
does. By kind of record (``--only``, the floor inserting as many rows; CPU, medians): matched
by hidden Id (14 rounds) bound 1.64x, merge 2.02x, 0.40x (~5 µs a record) apart; matched by
email (6) 1.6x and 2.37x, 0.77x (~10 µs) apart; new (6) 1.23x and 1.73x, 0.47x (~6 µs: building
``IncomingRecord``s, ``split_fresh`` and the candidate reads in Python) apart. Deciding only
the by-Id matches in SQL could therefore save at most ~0.2x of the mixed page's ratio (~2.3x
to ~2.1x, far from 1.5x), so it was not attempted.

End of day, quiet VM, one run each of the final code (floor/merge, CPU / wall): SQLite mixed
2.52x / 2.64x, SQLite ``--all-new`` 1.21x / 1.20x; PostgreSQL mixed 1.09x / 2.32x,
PostgreSQL ``--all-new`` 0.71x / 1.74x (on PostgreSQL the rest of the wall time is the server's).

Issue 17, part 1, PostgreSQL's server time (2026-12-04, late; the VM shared with other agents).
On PostgreSQL the bench also prints the server's CPU (its backends' ``/proc`` times) and the sum
of client and server CPU, the steady figures here. What the statements of a page cost (timed
one by one, and ``auto_explain``): the email read's anti-join hashed every link of the source
(~80,000) once a page, ~20 ms of ~60 — the bench's tables are filled in seconds and never
analysed, and a generic plan's estimates chose the hash; with ``OFFSET 0`` the NOT EXISTS stays a
per-candidate probe of the person_id index (2,000 keys: 19 → 4.5 ms unanalysed, 3.4 analysed;
a LATERAL form matched it unanalysed but took 7.5 ms analysed). Its costed-up plan then made
JIT compile it for ~0.1 s, so CDP write transactions run without JIT (``SET LOCAL``, in the
lock statement). Allocating ids looked the sequence up once a row (9.5 → 0.6 ms a page).
New rows go by binary COPY (``syncer/cdp/pagewrite.py``), JSON documents read come as text
decoded once per distinct document, and documents written are encoded by the reused encoder.
Alternating runs of main (71923eb) and this code, three each, records/s (client CPU, server CPU,
client+server CPU; floor/merge of client+server CPU and of wall):
mixed 38.7–42.0k → 48.9–49.2k, 35.3–36.4k → 43.9–44.6k, 18.5–19.5k → 23.1–23.4k; 1.50–1.57x →
1.15–1.32x CPU, 1.39–1.91x → 1.07–2.51x wall. ``--all-new`` 63.5–67.7k → 91.7–98.7k,
44.1–44.6k → 52.4–53.5k, 26.0–26.9k → 33.3–34.7k; 1.12–1.19x → 0.90–0.93x CPU, 0.85–1.43x →
0.90–1.01x wall. ``merge_compare.py --per-pair 2000`` (SQLite and PostgreSQL): identical.
SQLite is unchanged (two alternating runs each, records/s of CPU): mixed 31.7–32.3k before,
31.7–32.8k after; ``--all-new`` 63.8–64.4k before, 62.1–63.2k after.
What is left, mixed: the floor's wall swings 24–41k records/s because psycopg's executemany
pipelines its rows, so its client and server overlap on the two cores; a merge page reads,
then plans, then writes, so its ~20 µs of client and ~23 µs of server CPU a record add up
(~23k records/s, 1.8x a quiet floor). The server's share: COPY ~10 µs, half of it the link
table's foreign keys (data source and person) checked row by row (measured with triggers
disabled in a scratch run: mixed COPY 1.02 → 0.51 s, ``--all-new`` 1.64 → 0.81 s), the Id
read 4.4, updates 5.2 (82% already HOT; ``fillfactor`` 85 changed nothing), the email read 1.8.
The client's (µs a record, one run): building records 3.4, candidates 5.1, planning 2.9,
writing 5.6, the rest (checkout, ping, begin, commit, freeing the page) ~4. Tried, no gain:
text-format COPY; candidates read in binary result format (2,000 joined rows: the same client
and server time).

End of the day (2026-12-05, quiet VM, one run each, every change of the day in): SQLite mixed
2.66x wall / 2.52x CPU, ``--all-new`` 1.19x / 1.20x; PostgreSQL mixed 1.90x wall (1.21x of
client+server CPU), ``--all-new`` 1.28x wall (0.82x). ``merge_compare.py --old 71923eb
--per-pair 10000`` on SQLite and on PostgreSQL: 243 scenarios, 62,907 outcomes (13,804 created
apart from the planner), at least 10,081 records per strategy pair: identical.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _db import scratch_database
from syncer.cdp import CDP
from syncer.cdp import fields as f
from syncer.cdp.models import org_table, person_table
from syncer.cdp.store import create_engine

TIER = f.custom_person("tier")


def contact(i: int, first: str = "Ann") -> dict:
    """Incoming contact number ``i`` (Id, email, phone, names, a custom field)."""
    return {"sf_id": f"003{i:015d}", "sf_object": "Contact", f.EMAIL: f"person{i}@example.org",
            f.PHONE: f"+61 4{i:08d}", f.FIRST: first, f.LAST: f"Lee{i}", TIER: "gold"}


def csv_row(i: int, now: datetime) -> dict:
    """A CSV-imported person with contact ``i``'s email and no hidden Id."""
    return {"email": f"person{i}@example.org", "phone": f"+614{i:08d}", "first_name": "Csv",
            "last_name": f"Lee{i}", "field_values": {}, "email_permission": True,
            "sms_permission": False, "email_unsubscribed_in_cdp": False,
            "sms_unsubscribed_in_cdp": False, "archived": False, "created_at": now,
            "updated_at": now}


def pages(rows: list, size: int):
    """Consecutive pages of ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def seed(cdp: CDP, source_id: int, n: int, page: int) -> float:
    """Fill the CDP with n/2 Salesforce people and n/2 CSV people; return the SF-load rate."""
    clock = Clock()
    for chunk in pages([contact(i) for i in range(n // 2)], page):
        cdp.merge_people_page(source_id, chunk)
    rate = clock.rates(n // 2)[0]
    now = datetime.now(UTC)
    with cdp.engine.begin() as conn:
        for chunk in pages([csv_row(i, now) for i in range(n // 2, n)], page):
            conn.execute(sa.insert(person_table), chunk)
    return rate


def incoming(n: int) -> list[dict]:
    """Half known Ids (renamed), a quarter CSV emails, a quarter new; shuffled."""
    half, quarter = n // 2, n // 4
    records = [contact(i, first="Renamed") for i in range(half)]
    records += [contact(i) for i in range(half, half + quarter)]  # CSV people, by email
    records += [contact(i) for i in range(n, n + n - half - quarter)]  # brand new
    random.Random(7).shuffle(records)
    return records


class Clock:
    """Wall and CPU time since creation: on a shared machine CPU time is the steadier figure."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rates(self, n: int) -> tuple[float, float]:
        """(records per wall second, records per CPU second)."""
        return n / (time.perf_counter() - self.wall), n / (time.process_time() - self.cpu)


class ServerClock:
    """CPU seconds the PostgreSQL backends of an engine have used (a local server's ``/proc``).

    With client CPU, the steady figures on a shared machine: wall time adds whatever the other
    processes take. ``None`` on SQLite or where the server's processes cannot be read.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.pids: set[int] = set()
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_connection, _record) -> None:
        self.pids.add(dbapi_connection.info.backend_pid)

    def cpu(self) -> float | None:
        """Seconds of CPU (user and system) of the backends seen so far."""
        ticks = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK") if self.pids else None


def server_rate(n: int, before: float | None, after: float | None) -> float | None:
    """Records per second of server CPU, when both readings exist."""
    return None if before is None or after is None else n / max(after - before, 1e-9)


def floor(url: str, n: int, page: int) -> tuple[float, float, float | None]:
    """Records/s (wall, client CPU, server CPU) of a plain batched Core insert of n person rows."""
    engine = create_engine(url)  # the CDP's own engine settings
    server = ServerClock(engine)
    with engine.begin() as conn:
        person_table.metadata.create_all(conn, tables=[org_table, person_table])  # (its foreign key)
    now = datetime.now(UTC)
    rows = [csv_row(i, now) for i in range(n)]
    clock, before = Clock(), server.cpu()
    for chunk in pages(rows, page):
        with engine.begin() as conn:
            conn.execute(sa.insert(person_table), chunk)
    rates = (*clock.rates(n), server_rate(n, before, server.cpu()))
    engine.dispose()
    return rates


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true", help="print the top merge hot spots")
    parser.add_argument("--all-new", action="store_true",
                        help="an initial sync instead: every contact new, into an empty CDP")
    parser.add_argument("--cdp-url", help="a PostgreSQL server to bench on (scratch databases are "
                                          "made beside the one it names); default: SQLite files")
    args = parser.parse_args()
    n, page = args.records, args.page
    with tempfile.TemporaryDirectory() as tmp:
        merge_url, drop_merge = scratch_database(args.cdp_url, Path(tmp) / "cdp.db", "merge_bench")
        floor_url, drop_floor = scratch_database(args.cdp_url, Path(tmp) / "floor.db", "merge_floor")
        try:
            run(merge_url, floor_url, n, page, args.profile, args.all_new)
        finally:
            drop_merge()
            drop_floor()


def run(merge_url: str, floor_url: str, n: int, page: int, profile: bool,
        all_new: bool = False) -> None:
    """Seed (unless ``all_new``), merge, measure the floor and print the figures."""
    cdp = CDP(merge_url)
    server = ServerClock(cdp.engine)
    cdp.engine.dispose()  # (migrated already: reconnect, so the clock sees the backend)
    source = cdp.create_data_source("Salesforce", org_id="00D000000000001")
    load_rate = None if all_new else seed(cdp, source.id, n, page)
    records = [contact(i) for i in range(n)] if all_new else incoming(n)
    profiler = cProfile.Profile() if profile else None
    counts: dict[str, int] = {}
    clock, before = Clock(), server.cpu()
    if profiler:
        profiler.enable()
    for chunk in pages(records, page):
        for label, count in cdp.merge_people_page(source.id, chunk).counts.items():
            counts[label] = counts.get(label, 0) + count
    if profiler:
        profiler.disable()
    merge_wall, merge_cpu = clock.rates(n)
    merge_server = server_rate(n, before, server.cpu())
    total = sum(1 for _ in cdp.people())
    cdp.close()
    floor_wall, floor_cpu, floor_server = floor(floor_url, n, page)
    print(f"outcomes        {dict(sorted(counts.items()))}; people after: {total:,}")
    if load_rate is not None:
        print(f"initial load    {load_rate:>10,.0f} records/s wall  ({n // 2:,} new contacts)")
    servers = merge_server is not None and floor_server is not None
    print(f"                {'wall':>10}  {'CPU':>10}  "
          f"{'server CPU  client+server CPU  ' if servers else ''}(records/s)")
    print(f"merge           {merge_wall:>10,.0f}  {merge_cpu:>10,.0f}  "
          f"{_server_columns(merge_cpu, merge_server)}"
          f"({n:,} {'new ' if all_new else ''}contacts, pages of {page:,})")
    print(f"floor (insert)  {floor_wall:>10,.0f}  {floor_cpu:>10,.0f}  "
          f"{_server_columns(floor_cpu, floor_server)}"
          f"(Core executemany of {n:,} rows, same table)")
    ratios = ""
    if servers:
        both = (1 / merge_cpu + 1 / merge_server) / (1 / floor_cpu + 1 / floor_server)
        ratios = f"{floor_server / merge_server:>9.2f}x  {both:>17.2f}x  "
    print(f"floor / merge   {floor_wall / merge_wall:>9.2f}x  {floor_cpu / merge_cpu:>9.2f}x  "
          f"{ratios}(issue 17 target: within 1.5x)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def _server_columns(client: float, server: float | None) -> str:
    """The server CPU and client+server CPU rates, or nothing where the server is not read."""
    if server is None:
        return ""
    return f"{server:>10,.0f}  {1 / (1 / client + 1 / server):>17,.0f}  "


if __name__ == "__main__":
    main()
