"""Randomised old-vs-new comparison of the merge engine (prints differences; not a timed test).

Runs the same random scenarios through the CDP code of a git revision (``--old``, extracted with
``git archive`` into a temporary directory) and of the working tree, each in its own process on
its own SQLite file, and compares what they decided and stored: every page's outcome labels and
target ids, and the final people, organisations and hidden-Id links (all columns but
``updated_at``, which CSV-style adds stamp with the wall clock). A speed change must leave them
identical.

A scenario: two data sources; CSV people and organisations (colliding emails and phones, blanks,
case and punctuation variants); Account and Contact/Lead pages from both sources with small Id,
email, phone and Account pools (so keys repeat inside a page and across pages; one scenario in
four draws from a wide pool, where most records match nothing, as in an initial sync),
modstamps that go backwards (stale), lead conversions, archived and CDP-unsubscribed people; every page with
random settings (find strategy, merge strategy, skip_non_existing, system-field policy,
permission mappings, converted-lead merging).

``--per-pair N`` instead gives every scenario one (merge strategy, find strategy) pair for all
its pages (scenario ``seed`` takes pair ``seed % 6``) and adds scenarios until every pair has
merged at least N incoming records; it prints the records compared per pair.

``--cdp-url`` runs both sides on PostgreSQL instead (a scratch database each, made beside the one
the URL names; every scenario drops its tables when done).

    python bench/merge_compare.py --old <rev> [--seeds 40] [--first 1] [--per-pair 10000]
                                  [--cdp-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _db import scratch_database  # noqa: E402 - the bench directory, found through ROOT
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def pairs() -> list[tuple[int, int]]:
    """Every (merge strategy, find strategy) pair, as the product's API numbers."""
    return [(strategy, find) for strategy in (1, 2, 3) for find in (0, 1)]


def _merge(rng: random.Random, pair: tuple[int, int] | None):
    """Random merge settings; ``pair`` fixes the merge and find strategies."""
    from syncer.cdp.settings import FindStrategy, MergeSettings, MergeStrategy
    strategy, skip, find = (rng.choice(list(MergeStrategy)), rng.random() < 0.2,
                            rng.choice(list(FindStrategy)))
    if pair is not None:
        strategy, find = MergeStrategy(pair[0]), FindStrategy(pair[1])
    return MergeSettings(strategy, skip, find)


def _settings(rng: random.Random, pair: tuple[int, int] | None):
    """Random people settings (every rule the planner branches on)."""
    from syncer.cdp import fields as f
    from syncer.cdp.settings import (PeopleSettings, PermissionDirection, PermissionMapping,
                                     SystemFieldPolicy)
    merge = _merge(rng, pair)
    policy = rng.choice([SystemFieldPolicy.all(), SystemFieldPolicy.none(),
                         SystemFieldPolicy.only(f.FIRST, f.EMAIL),
                         SystemFieldPolicy.only(f.LAST, f.PHONE)])

    def mapping():
        if rng.random() < 0.5:
            return None
        return PermissionMapping(rng.choice(list(PermissionDirection)),
                                 *rng.choice([(True, False), ("Yes", "No")]))
    return PeopleSettings(merge, policy, mapping(), mapping(), rng.random() < 0.5)


def _contact(rng: random.Random, n: int) -> dict:
    """A random Contact or Lead mapping over small key pools."""
    from syncer.cdp import fields as f
    obj = rng.choice(["Contact", "Contact", "Lead"])
    record: dict = {"sf_id": f"{'003' if obj == 'Contact' else '00Q'}{rng.randrange(n):015d}",
                    "sf_object": obj}
    email = rng.choice([None, "", f"p{rng.randrange(n)}@x.org", f" P{rng.randrange(n)}@X.org "])
    phone = rng.choice([None, "", f"+61 4{rng.randrange(n):08d}", f"(02) {rng.randrange(n):04d}",
                        "n/a"])
    for key, value in ((f.EMAIL, email), (f.PHONE, phone),
                       (f.FIRST, rng.choice([None, "", "Ann", "Bob", "Cy"])),
                       (f.LAST, rng.choice([None, "Lee", "Ng"])),
                       (f.CITY, rng.choice([None, "", "Perth"])),
                       ("str:cm:tier", rng.choice([None, "", "gold", "silver"])),
                       (f.EMAIL_PERMISSION, rng.choice([None, True, False, "Yes", "No"])),
                       (f.SMS_PERMISSION, rng.choice([None, True, False, "Yes", "No"]))):
        if rng.random() < 0.8:
            record[key] = value
    if rng.random() < 0.6:
        record["account_id"] = rng.choice([None, "", f"001{rng.randrange(6):015d}"])
    if obj == "Lead" and rng.random() < 0.3:
        record["converted_contact_id"] = f"003{rng.randrange(n):015d}"
    if rng.random() < 0.7:
        record["modstamp"] = NOW + timedelta(minutes=rng.randrange(-50, 50))
    return record


def run_scenario(seed: int, fixed: bool = False, url: str | None = None) -> dict:
    """Run scenario ``seed`` with the ``syncer`` package first on sys.path; return what it did.

    ``fixed``: every page uses the scenario's one (merge, find) strategy pair (``pairs``);
    ``url``: an empty PostgreSQL database to run in (its CDP tables are dropped afterwards)."""
    import sqlalchemy as sa

    from syncer.cdp import CDP
    from syncer.cdp import fields as f
    from syncer.cdp.models import link_table, org_table, person_table
    rng = random.Random(seed)
    # Key pool size: small pools repeat keys inside a page; the wide one leaves most records
    # matching nothing, as in an initial sync (created apart from the planner, ``split_fresh``).
    n = rng.choice([8, 20, 60, 400])
    pair = pairs()[seed % len(pairs())] if fixed else None
    pages: list = []
    merged = 0  # incoming people records
    fresh = 0  # of them, created apart from the planner (``merge.split_fresh``; new code only)
    with tempfile.TemporaryDirectory() as tmp:
        cdp = CDP(url or f"sqlite:///{Path(tmp) / 'cdp.db'}")
        sources = [cdp.create_data_source(f"Salesforce {i}", org_id=f"00D{i}").id for i in (1, 2)]
        for i in range(rng.randrange(n)):
            cdp.add_person({f.EMAIL: rng.choice([None, f"P{rng.randrange(n)}@x.org"]),
                            f.PHONE: rng.choice([None, f"+614{rng.randrange(n):08d}"]),
                            f.FIRST: "Csv"}, created_at=NOW - timedelta(days=rng.randrange(3)),
                           email_permission=rng.random() < 0.8)
        for i in range(rng.randrange(4)):
            cdp.add_organization({f.ORG_NAME: rng.choice(["Acme", "acme ", "Beta"])},
                                 created_at=NOW - timedelta(days=i))
        for step in range(rng.randrange(4, 10)):
            source = rng.choice(sources)
            now = NOW + timedelta(hours=step)
            if rng.random() < 0.25:
                accounts = [{"sf_id": f"001{rng.randrange(6):015d}",
                             f.ORG_NAME: rng.choice(["Acme", "Beta", "Gamma", ""])}
                            for _ in range(rng.randrange(1, 6))]
                summary = cdp.merge_organizations_page(source, accounts, _merge(rng, pair), now)
            else:
                records = [_contact(rng, n) for _ in range(rng.randrange(1, 3 * min(n, 60)))]
                summary = cdp.merge_people_page(source, records, _settings(rng, pair), now)
                merged += len(records)
                fresh += len(getattr(summary, "fresh", ()))
            pages.append([[o.label, o.target.id if o.target is not None else None]
                          for o in summary.outcomes])
            people = [p.id for p in cdp.people()]
            if people and rng.random() < 0.3:
                cdp.unsubscribe(rng.choice(people), rng.choice(["email", "sms"]))
            if rng.random() < 0.2:
                cdp.archive(source, [f"003{rng.randrange(n):015d}"])
        with cdp.engine.connect() as conn:
            tables = {}
            for table in (person_table, org_table, link_table):
                columns = [c for c in table.c if c.name != "updated_at"]
                rows = conn.execute(sa.select(*columns).order_by(table.c.id)).all()
                tables[table.name] = [[str(v) if isinstance(v, datetime) else v for v in row]
                                      for row in rows]
        if url:
            person_table.metadata.drop_all(cdp.engine)
        cdp.close()
    return {"pages": pages, "tables": tables, "pair": pair, "records": merged, "fresh": fresh}


def _extract(rev: str, into: Path) -> None:
    """The ``syncer`` package of ``rev``, written under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "syncer"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _run(root: Path, seeds: list[int], fixed: bool, url: str | None) -> list[dict]:
    """Scenario results computed by the code under ``root`` (in a fresh process)."""
    out = subprocess.run([sys.executable, __file__, "--run", str(root),
                          json.dumps({"seeds": seeds, "fixed": fixed, "url": url})],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _per_pair(first: int, per_pair: int, url: str | None) -> tuple[list[int], list[dict]]:
    """Seeds from ``first`` until every strategy pair has merged ``per_pair`` records, and the
    working tree's results for them."""
    counts = {pair: 0 for pair in pairs()}
    seeds: list[int] = []
    kept: list[dict] = []
    seed = first
    while min(counts.values()) < per_pair:
        batch = list(range(seed, seed + 60))
        for s, result in zip(batch, _run(ROOT, batch, True, url)):
            pair = tuple(result["pair"])
            if counts[pair] < per_pair:
                counts[pair] += result["records"]
                seeds.append(s)
                kept.append(result)
        seed += len(batch)
    return seeds, kept


def _decided(result: dict) -> dict:
    """What a scenario decided and stored (not how: ``fresh`` counts a code path)."""
    return {key: value for key, value in result.items() if key != "fresh"}


def main() -> None:
    """Compare the working tree with ``--old`` over the seeds; exit 1 on any difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="git revision to compare with")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--per-pair", type=int, help="fixed strategy pairs, records per pair")
    parser.add_argument("--cdp-url", help="a PostgreSQL server to compare on; default: SQLite")
    parser.add_argument("--run", nargs=2, help=argparse.SUPPRESS)  # ROOT JOB (child process)
    args = parser.parse_args()
    if args.run:
        sys.path.insert(0, args.run[0])
        job = json.loads(args.run[1])
        print(json.dumps([run_scenario(seed, job["fixed"], job["url"]) for seed in job["seeds"]]))
        return
    fixed = args.per_pair is not None
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = scratch_database(args.cdp_url, Path(tmp) / "unused.db", "merge_compare")
        url = url if args.cdp_url else None
        try:
            if fixed:
                seeds, new = _per_pair(args.first, args.per_pair, url)
            else:
                seeds = list(range(args.first, args.first + args.seeds))
                new = _run(ROOT, seeds, fixed, url)
            _extract(args.old, Path(tmp))
            old = _run(Path(tmp), seeds, fixed, url)
        finally:
            drop()
    different = [seed for seed, a, b in zip(seeds, old, new) if _decided(a) != _decided(b)]
    outcomes = sum(len(page) for result in new for page in result["pages"])
    people = sum(len(result["tables"]["cdp_person"]) for result in new)
    if fixed:
        per_pair: dict[str, int] = {}
        for result in new:
            key = "merge {} × find {}".format(*result["pair"])
            per_pair[key] = per_pair.get(key, 0) + result["records"]
        print("records per pair: " + ", ".join(f"{k}: {v:,}" for k, v in per_pair.items()))
    fresh = sum(result["fresh"] for result in new)
    print(f"{len(seeds)} scenarios, {outcomes:,} outcomes ({fresh:,} records created apart "
          f"from the planner), {people:,} people: "
          f"{'identical' if not different else f'DIFFERENT in seeds {different}'}")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
