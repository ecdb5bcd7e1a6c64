"""Lower bound of a merge decided wholly in SQL on SQLite (prints figures; not a test).

The scenario of ``bench/merge_bench.py`` (a SQLite CDP of 100,000 people, half synced from this
source and half imported by CSV; 100,000 incoming contacts in pages of 2,000: half renamed
people matched by hidden Id, a quarter CSV people matched by email, a quarter new). Each page
runs only the raw SQL a fully set-based merge would need, with no Python decision at all:
stage the page into a TEMP table (one executemany; keys normalised, custom fields as JSON),
find each record's person by hidden Id of this source, else by email, else by phone among the
people holding no Id of this source ("previous key empty", rule 7), ``UPDATE cdp_person … FROM``
the stage for the matched people (only rows whose values differ; ``field_values`` merged with
``json_patch``; the indexed email and phone set by statements of their own, only where they
differ, as the planner's writer does), update changed links, ``INSERT … SELECT`` the new
people (ids past ``max(id)`` in page order) and the new links, commit. It stores the people
and links the merge stores here (each round checks it: every column but the timestamps of
every person and link row, and which people's ``updated_at`` changed), but it is an optimistic
bound: no snapshots, outcomes, per-record errors, other strategies or within-page rules.
Beside it, in the same process and on copies of the same seeded file, the current merge
(``CDP.merge_people_page``) and the plain-insert floor of ``merge_bench``.

    python bench/merge_sql_bound.py [--records 100000] [--page 2000] [--rounds 2]
                                    [--only by-id|email|new] [--statements]

``--only`` merges only one kind of the incoming records (by-id: the renamed half matched by
hidden Id; email: the quarter matching a CSV person; new: the new quarter), so the gap between
the two runs is the most that deciding that kind in SQL could save. ``--statements`` prints
the CPU seconds of each step of the bound.

Each round runs the bound, the merge and the floor, alternating which of the first two goes
first, and prints CPU and wall rates and the ratios to that round's floor.

Measured (2026-12-04, the shared 2-vCPU VM busy with other agents; the conclusions are in the
"Issue 17, the set-based bound" paragraph of ``bench/merge_bench.py``): 18 rounds of the mixed
page, floor/bound 1.63–2.39x CPU (median 1.8x), floor/merge 1.97–3.01x CPU (median 2.33x);
the bound was ahead by 0.1–0.8x in every round. Of the bound's ~2.4 s of CPU for 100,000
records: commit 0.65 (the WAL pages of ~75,000 scattered updates), the updates of matched
people 0.5, building and staging the rows 0.6, matching 0.3, inserts 0.28.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from merge_bench import TIER, Clock, floor, incoming, pages, seed  # noqa: E402

from syncer.cdp import CDP  # noqa: E402
from syncer.cdp import fields as f  # noqa: E402
from syncer.cdp.store import create_engine  # noqa: E402

STAGE = """CREATE TEMP TABLE IF NOT EXISTS stage (
    pos INTEGER PRIMARY KEY, sf_id TEXT NOT NULL, sf_object TEXT NOT NULL, first_name TEXT,
    last_name TEXT, email TEXT, phone TEXT, field_values TEXT NOT NULL, account_id TEXT,
    modstamp TEXT, link_id INTEGER, person_id INTEGER, new_id INTEGER)"""
INSERT_STAGE = ("INSERT INTO stage (pos, sf_id, sf_object, first_name, last_name, email, phone, "
                "field_values, account_id, modstamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

# Which person each staged record matches: by hidden Id of this source, else by email among
# people holding no Id of this source ("previous key empty"), else by phone among those with
# no email either (rule 7).
MATCH_BY_ID = """UPDATE stage SET (link_id, person_id) = (
        SELECT l.id, l.person_id FROM cdp_sf_link AS l
        WHERE l.sf_id = stage.sf_id AND l.data_source_id = :src)"""
MATCH_BY_EMAIL = """UPDATE stage SET person_id = (
        SELECT p.id FROM cdp_person AS p WHERE p.email = stage.email
        AND NOT EXISTS (SELECT 1 FROM cdp_sf_link AS h
                        WHERE h.person_id = p.id AND h.data_source_id = :src)
        ORDER BY p.id LIMIT 1)
    WHERE link_id IS NULL AND email IS NOT NULL"""
MATCH_BY_PHONE = """UPDATE stage SET person_id = (
        SELECT p.id FROM cdp_person AS p WHERE p.phone = stage.phone AND p.email IS NULL
        AND NOT EXISTS (SELECT 1 FROM cdp_sf_link AS h
                        WHERE h.person_id = p.id AND h.data_source_id = :src)
        ORDER BY p.id LIMIT 1)
    WHERE link_id IS NULL AND person_id IS NULL AND phone IS NOT NULL"""
# The matched people: unindexed columns in one statement, indexed ones apart, only if changed.
UPDATE_PLAIN = """UPDATE cdp_person SET
        first_name = coalesce(s.first_name, cdp_person.first_name),
        last_name = coalesce(s.last_name, cdp_person.last_name),
        field_values = json_patch(cdp_person.field_values, s.field_values), updated_at = :now
    FROM stage AS s WHERE s.person_id = cdp_person.id AND (
        cdp_person.first_name IS NOT coalesce(s.first_name, cdp_person.first_name)
        OR cdp_person.last_name IS NOT coalesce(s.last_name, cdp_person.last_name)
        OR json(cdp_person.field_values) != json_patch(cdp_person.field_values, s.field_values))"""
UPDATE_KEY = """UPDATE cdp_person SET {column} = s.{column}, updated_at = :now
    FROM stage AS s WHERE s.person_id = cdp_person.id AND s.{column} IS NOT NULL
    AND cdp_person.{column} IS NOT s.{column}"""
UPDATE_MODSTAMP = """UPDATE cdp_sf_link SET modstamp = s.modstamp, account_id = s.account_id
    FROM stage AS s WHERE cdp_sf_link.id = s.link_id
    AND (cdp_sf_link.modstamp IS NOT s.modstamp OR cdp_sf_link.account_id IS NOT s.account_id)"""
# New people get ids past max(id) in page order, then every unlinked record gets its link.
NUMBER_NEW = """UPDATE stage SET new_id = n.base + n.rn FROM (
        SELECT pos, row_number() OVER (ORDER BY pos) AS rn,
               (SELECT coalesce(max(id), 0) FROM cdp_person) AS base
        FROM stage WHERE person_id IS NULL) AS n
    WHERE n.pos = stage.pos"""
INSERT_PEOPLE = """INSERT INTO cdp_person (id, first_name, last_name, email, phone, field_values,
        email_permission, sms_permission, email_unsubscribed_in_cdp, sms_unsubscribed_in_cdp,
        archived, created_by_source_id, created_at, updated_at)
    SELECT new_id, first_name, last_name, email, phone, field_values, 1, 0, 0, 0, 0, :src,
        :now, :now FROM stage WHERE new_id IS NOT NULL ORDER BY pos"""
INSERT_LINKS = """INSERT INTO cdp_sf_link (data_source_id, sf_object, sf_id, person_id,
        account_id, modstamp)
    SELECT :src, s.sf_object, s.sf_id, coalesce(s.person_id, s.new_id), s.account_id, s.modstamp
    FROM stage AS s WHERE s.link_id IS NULL
    ORDER BY s.pos"""


KINDS = ("by-id", "email", "new")


def kind(record: dict, n: int) -> str:
    """How ``merge_bench.incoming(n)`` meant ``record`` to match: one of ``KINDS``."""
    number = int(record["sf_id"][3:])
    return "new" if number >= n else "by-id" if record[f.FIRST] == "Renamed" else "email"


def staged(chunk: list[dict]) -> list[tuple]:
    """A page's stage rows: the least Python any set-based merge needs (one tuple a record,
    keys normalised as ``IncomingRecord`` does)."""
    dumps, email, phone = json.dumps, f.normalize_email, f.normalize_phone
    return [(pos, r["sf_id"], r["sf_object"], r.get(f.FIRST), r.get(f.LAST), email(r.get(f.EMAIL)),
             phone(r.get(f.PHONE)), dumps({TIER: r[TIER]}), r.get("account_id"), r.get("modstamp"))
            for pos, r in enumerate(chunk)]


#: A page's statements after staging, in order (label, SQL).
STEPS = (("match by Id", MATCH_BY_ID), ("match by email", MATCH_BY_EMAIL),
         ("match by phone", MATCH_BY_PHONE),
         ("update people", UPDATE_PLAIN), ("update emails", UPDATE_KEY.format(column="email")),
         ("update phones", UPDATE_KEY.format(column="phone")), ("update links", UPDATE_MODSTAMP),
         ("number new", NUMBER_NEW), ("insert people", INSERT_PEOPLE),
         ("insert links", INSERT_LINKS), ("commit", "COMMIT"))


def bound_page(conn, params: dict, chunk: list[dict], times: dict[str, float] | None) -> None:
    """One page merged by the SQL alone, in one transaction (``conn`` is a DB-API connection);
    with ``times``, each step's CPU seconds are added to it."""
    clock = time.process_time
    start = clock()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM stage")
    rows = staged(chunk)
    if times is not None:
        times["begin, stage rows"] = times.get("begin, stage rows", 0.0) + clock() - start
        start = clock()
    conn.executemany(INSERT_STAGE, rows)
    if times is not None:
        times["stage"] = times.get("stage", 0.0) + clock() - start
    for label, sql in STEPS:
        start = clock()
        conn.execute(sql, params)
        if times is not None:
            times[label] = times.get(label, 0.0) + clock() - start


def run_bound(url: str, src: int, records: list[dict], page: int,
              times: dict[str, float] | None = None) -> tuple[float, float, int]:
    """(wall, CPU records/s, people after) of the SQL-only merge of ``records``."""
    engine = create_engine(url)  # the CDP's pragmas (2 KB pages, WAL, cache, checkpoints)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    conn.execute(STAGE)
    params = {"src": src, "now": datetime.now(UTC).isoformat(sep=" ")}
    clock = Clock()
    for chunk in pages(records, page):
        bound_page(conn, params, chunk, times)
    wall, cpu = clock.rates(len(records))
    total = conn.execute("SELECT count(*) FROM cdp_person").fetchone()[0]
    raw.close()
    engine.dispose()
    return wall, cpu, total


def run_merge(url: str, src: int, records: list[dict], page: int) -> tuple[float, float, int]:
    """(wall, CPU records/s, people after) of today's ``CDP.merge_people_page``."""
    cdp = CDP(url)
    clock = Clock()
    for chunk in pages(records, page):
        cdp.merge_people_page(src, chunk)
    wall, cpu = clock.rates(len(records))
    total = sum(1 for _ in cdp.people())
    cdp.close()
    return wall, cpu, total


def stored_rows(path: Path, seeded: Path) -> tuple[list, list, list]:
    """What a merge stored: every person and link row without timestamps (``field_values``
    parsed: SQLite's ``json_patch`` writes JSON without spaces), and the ids of the people whose
    ``updated_at`` changed from the ``seeded`` file."""
    conn = sqlite3.connect(path)
    conn.execute("ATTACH DATABASE ? AS seeded", (str(seeded),))
    people = [(*row[:5], json.loads(row[5]), *row[6:]) for row in conn.execute(
        "SELECT id, first_name, last_name, email, phone, field_values, email_permission,"
        " sms_permission, email_unsubscribed_in_cdp, sms_unsubscribed_in_cdp, archived,"
        " organization_id, created_by_source_id FROM main.cdp_person ORDER BY id")]
    links = conn.execute(
        "SELECT id, data_source_id, sf_object, sf_id, person_id, organization_id, account_id,"
        " converted_contact_id, modstamp FROM main.cdp_sf_link ORDER BY id").fetchall()
    touched = [row[0] for row in conn.execute(
        "SELECT p.id FROM main.cdp_person AS p LEFT JOIN seeded.cdp_person AS o ON o.id = p.id"
        " WHERE o.id IS NULL OR o.updated_at != p.updated_at ORDER BY p.id")]
    conn.close()
    return people, links, touched


def main() -> None:
    """Seed once, then per round: the bound and the merge (alternating) and the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=KINDS, help="merge only this kind of record")
    parser.add_argument("--statements", action="store_true",
                        help="print the CPU seconds of each step of the bound (last round)")
    args = parser.parse_args()
    n, page = args.records, args.page
    records = incoming(n)
    if args.only:
        records = [r for r in records if kind(r, n) == args.only]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "seed.db"
        cdp = CDP(f"sqlite:///{base}")
        src = cdp.create_data_source("Salesforce", org_id="00D000000000001").id
        seed(cdp, src, n, page)
        cdp.close()  # checkpoints the WAL: the file alone is the seeded CDP
        print(f"{'round':<6}{'run':<8}{'wall/s':>10}{'CPU/s':>10}{'floor/x wall':>14}"
              f"{'floor/x CPU':>13}  people after")
        for number in range(args.rounds):
            times: dict[str, float] | None = {} if args.statements else None
            runners = [("bound", partial(run_bound, times=times)), ("merge", run_merge)]
            results, stored = [], []
            for name, runner in runners if number % 2 == 0 else runners[::-1]:
                copy = Path(tmp) / f"{name}{number}.db"
                shutil.copy(base, copy)
                results.append((name, *runner(f"sqlite:///{copy}", src, records, page)))
                stored.append(stored_rows(copy, base))
                copy.unlink()
            floor_path = Path(tmp) / f"floor{number}.db"
            floor_wall, floor_cpu = floor(f"sqlite:///{floor_path}", len(records), page)
            floor_path.unlink()
            print(f"{number:<6}{'floor':<8}{floor_wall:>10,.0f}{floor_cpu:>10,.0f}")
            for name, wall, cpu, total in results:
                print(f"{number:<6}{name:<8}{wall:>10,.0f}{cpu:>10,.0f}{floor_wall / wall:>13.2f}x"
                      f"{floor_cpu / cpu:>12.2f}x  {total:,}")
            print(f"{number:<6}bound and merge stored the same rows: {stored[0] == stored[1]}")
    if args.statements:
        print("bound, CPU seconds by step (last round):")
        for label, seconds in times.items():
            print(f"  {label:<18}{seconds:>7.3f}")


if __name__ == "__main__":
    main()
