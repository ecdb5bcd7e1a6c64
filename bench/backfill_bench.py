"""Bench: a backfill of N contacts beside 15-minute polls that each change K records.

What it reports: backfill records/s (wall), how many polls ran during the backfill, and for every
live change the delay from its modification to its arrival in the CDP — in poll intervals and in
seconds — against the target "live changes still land within one poll interval" (the seed: a
backfill puts the source in "Connected and Updating"; live events are still synced). It also
checks that no live change was overwritten by older backfill data (every changed contact ends
with Salesforce's value), that the backfill missed nothing, and counts the API calls of the
backfill and of the polls.

The scenario, as in real use, is a backfill of an already-connected source after a field was
newly mapped:

1. The mock (its own process, TLS) is loaded with N contacts (with a ``Title``) and N/5 accounts,
   stamped 30 days ago. ``syncer connect`` + ``syncer sync`` do the initial sync with the default
   field mapping (Title not mapped).
2. The configuration now maps ``Contact.Title`` (→ ``str:cm:title``), so the CDP lacks it for
   every contact until the backfill brings it.
3. A few *baseline* poll cycles run without a backfill. Then ``syncer backfill`` starts in its own
   process and poll cycles go on beside it until it exits.
4. A poll cycle, driven by this script: K contacts get a new Title through the REST API
   (composite/sobjects PATCH) in B batches spread over the interval — after each batch the org
   clock moves on interval/B (``POST /_mock/clock``) — then one ``syncer sync`` process polls.
   During the backfill, part of each batch (``--ahead``) is taken from the 2,000 contacts just
   past the backfill's committed cursor: the page it is reading or merging right now, where an
   older backfill copy could race a live change. Above ``bulk_threshold`` rows the backfill reads
   through one Bulk API 2.0 job (rule 43), which has no Id cursor: those changes then go to the
   first 2,000 contacts by Id, records of the job's snapshot that its result pages race.
5. After each poll the script reads the CDP for every change still in flight; a change has
   landed when its contact's Title there equals the value written. Its delay is measured to the
   end of that poll, on the org clock (the interval the user sees) and on the wall clock.

Clock compression, honestly: the org clock moves 15 minutes per cycle (plus the real seconds
that pass), while the wall time of a cycle is only what the changes and the poll take — a few
seconds. A backfill of W wall seconds therefore overlaps ~W/cycle polls here, against ~W/900
in real use: the bench compresses a backfill's real-time overlap with polls many times over,
which makes the contention (SQLite locks, API budget, CPU) much denser than in production. The
org-clock delay of a change is its distance to the end of the poll that brought it; "1 poll" means
it landed in the first poll after it. The delay *added* by the backfill is the poll's extra wall
time (a poll in real use runs on the same schedule; only its duration can grow).

Run: ``python bench/backfill_bench.py --contacts 200000 [--changes 500] [--cdp-url URL]``.
``--cdp-url postgresql+psycopg://postgres@127.0.0.1:5432/test`` creates a scratch database
beside the named one and drops it afterwards.
"""
from __future__ import annotations

import argparse
import bisect
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from _db import scratch_database
from _server import serve
from syncer.cdp.fieldmap import PERSON, auto_field_id
from syncer.cdp.models import backfill_table, link_table, person_table
from syncer.cdp.store import create_engine

TITLE = auto_field_id(PERSON, "Title")  # str:cm:title
PAGE = 2000


@dataclass
class Change:
    """One live change: a contact's new Title, when it was written, and when it reached the CDP."""

    sf_id: str
    value: str
    cycle: int
    during_backfill: bool
    ahead: bool             # taken from the page just past the backfill cursor
    wall: float             # time.time() when the PATCH returned
    org: float              # org clock (epoch seconds) at that moment
    landed_cycle: int | None = None
    landed_wall: float | None = None
    landed_org: float | None = None


@dataclass
class PollRun:
    """One ``syncer sync`` of a cycle."""

    cycle: int
    phase: str              # before | during | after (the backfill)
    seconds: float
    api_calls: int | None
    ok: bool
    output: str


class Org:
    """The mock org: its control plane, a REST client, and the org clock's offset from the wall clock."""

    def __init__(self, server) -> None:
        self.server = server
        self.headers = {"X-Mock-Secret": server.control_secret}
        self.session = server.session()
        self.sf = server.client()
        state = self.session.get(f"{server.url}/_mock/clock", headers=self.headers).json()
        self.offset = state["offsetSeconds"]  # org clock − wall clock, seconds

    def advance(self, seconds: float) -> None:
        """Move the org clock on."""
        state = self.session.post(f"{self.server.url}/_mock/clock", headers=self.headers,
                                  json={"advance": seconds})
        state.raise_for_status()
        self.offset = state.json()["offsetSeconds"]

    def now(self) -> float:
        """The org clock, in epoch seconds."""
        return time.time() + self.offset

    def load(self, contacts: int) -> list[str]:
        """N/5 accounts and N contacts stamped 30 days ago; the contact Ids in Id order."""
        stamp = datetime.fromtimestamp(self.now(), timezone.utc) - timedelta(days=30)
        audit = {k: stamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
                 for k in ("CreatedDate", "LastModifiedDate", "SystemModstamp")}
        url = f"{self.server.url}/_mock/orgs/org1/records"
        accounts = max(1, contacts // 5)
        for start in range(0, accounts, 10000):
            self.session.post(f"{url}/Account", headers=self.headers, json={"records": [
                {"Name": f"Account {n}", **audit} for n in range(start, min(start + 10000, accounts))]}
            ).raise_for_status()
        ids = []
        for start in range(0, contacts, 10000):
            response = self.session.post(f"{url}/Contact", headers=self.headers, json={"records": [
                {"LastName": f"L{n}", "FirstName": f"F{n}", "Email": f"c{n}@bench.example",
                 "Phone": f"+6140{n:07d}", "Title": f"T{n}", **audit}
                for n in range(start, min(start + 10000, contacts))]})
            response.raise_for_status()
            ids += response.json()["ids"]
        return sorted(ids)

    def set_titles(self, values: dict[str, str]) -> None:
        """Live changes: new Titles through composite/sobjects PATCH, 200 a request."""
        items = list(values.items())
        for start in range(0, len(items), 200):
            results = self.sf.restful("composite/sobjects", method="PATCH", json={
                "allOrNone": True, "records": [
                    {"attributes": {"type": "Contact"}, "id": i, "Title": v} for i, v in items[start:start + 200]]})
            failed = [r for r in results if not r.get("success")]
            if failed:
                raise SystemExit(f"PATCH failed: {failed[:3]}")

    def titles(self) -> dict[str, str | None]:
        """Every contact's Title in Salesforce."""
        return {r["Id"]: r["Title"] for r in self.sf.query_all_iter("SELECT Id, Title FROM Contact")}


class CDPReader:
    """Reads the CDP the syncer writes (a plain read connection; WAL lets it read beside writers)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.source_id: int | None = None

    def titles(self, sf_ids: list[str] | None = None) -> dict[str, str | None]:
        """Title in the CDP by Contact Id (all Contacts of the source when ``sf_ids`` is None)."""
        found = {}
        base = (sa.select(link_table.c.sf_id, person_table.c.field_values)
                .join(person_table, person_table.c.id == link_table.c.person_id)
                .where(link_table.c.data_source_id == self.source_id,
                       link_table.c.sf_object == "Contact"))
        chunks = [None] if sf_ids is None else [sf_ids[i:i + 500] for i in range(0, len(sf_ids), 500)]
        with self.engine.connect() as conn:
            for chunk in chunks:
                query = base if chunk is None else base.where(link_table.c.sf_id.in_(chunk))
                for sf_id, values in conn.execute(query):
                    found[sf_id] = (values or {}).get(TITLE)
        return found

    def backfill_after(self) -> tuple[bool, str | None] | None:
        """(Contact stream started?, last committed Contact Id) of the running backfill, or None."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("sync_backfill"):
                return None
            row = conn.execute(sa.select(backfill_table).where(
                backfill_table.c.data_source_id == self.source_id)).mappings().first()
        if row is None or row["finished"]:
            return None
        contact = row["progress"].get("Contact")
        return (contact is not None, contact.get("after") if contact else None)


def write_config(path: Path, server, cdp_url: str, map_title: bool) -> None:
    """The syncer's configuration: Contact and Account, with or without Contact.Title mapped."""
    server.write_syncer_config(path, cdp_url,
                               '[objects.Contact]\ncustom_fields = ["Title"]\n' if map_title else "")


def syncer_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "syncer.cli", "--config", str(config), *args]


def run_syncer(config: Path, *args: str) -> tuple[int, str, float]:
    """Run a syncer command to its end: (exit code, output, wall seconds)."""
    started = time.perf_counter()
    result = subprocess.run(syncer_command(config, *args), capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr, time.perf_counter() - started


def api_calls(output: str) -> int | None:
    """The ``API calls: N`` line of a summary."""
    found = re.search(r"API calls: (\d+)", output)
    return int(found.group(1)) if found else None


def records_read(output: str) -> int:
    """The ``read`` column of a summary table."""
    return sum(int(n) for n in re.findall(r"^\W*(?:Contact|Account)\W+(\d+)", output, re.M))


def outcome_counts(output: str, label: str) -> int:
    """How many records a summary table counts under an outcome label (e.g. ``stale``)."""
    return sum(int(n) for n in re.findall(rf"\b{re.escape(label)} (\d+)", output))


class Bench:
    """The driver: poll cycles of live changes, and the measurements."""

    def __init__(self, args, org: Org, cdp: CDPReader, config: Path, ids: list[str]) -> None:
        self.args, self.org, self.cdp, self.config, self.ids = args, org, cdp, config, ids
        self.random = random.Random(7)
        self.changes: list[Change] = []
        self.pending: dict[str, Change] = {}
        self.polls: list[PollRun] = []
        self.cycle_no = 0
        self.backfill_started: float | None = None
        self.backfill_ended: float | None = None
        self.cycle_wall = float("nan")

    def backfill_running(self) -> bool:
        """True between the backfill process's start and its exit."""
        return self.backfill_started is not None and self.backfill_ended is None

    def pick(self, count: int, ahead: int) -> list[tuple[str, bool]]:
        """``count`` contacts not in flight; ``ahead`` of them from the page past the backfill cursor."""
        chosen: list[tuple[str, bool]] = []
        taken = set(self.pending)
        cursor = self.cdp.backfill_after() if ahead and self.backfill_running() else None
        if cursor is not None:
            _, after = cursor
            first = bisect.bisect_right(self.ids, after) if after else 0
            window = [i for i in self.ids[first:first + PAGE] if i not in taken]
            for sf_id in self.random.sample(window, min(ahead, len(window))):
                chosen.append((sf_id, True))
                taken.add(sf_id)
        while len(chosen) < count:
            sf_id = self.ids[self.random.randrange(len(self.ids))]
            if sf_id not in taken:
                chosen.append((sf_id, False))
                taken.add(sf_id)
        return chosen

    def cycle(self, changes: int | None = None) -> None:
        """Change contacts in batches across one interval (moving the org clock), then poll once."""
        self.cycle_no += 1
        during = self.backfill_running()
        changes = self.args.changes if changes is None else changes
        batches = self.args.batches
        for batch in range(batches):
            size = changes // batches + (1 if batch < changes % batches else 0)
            ahead = round(size * self.args.ahead / max(self.args.changes, 1)) if during else 0
            picked = self.pick(size, ahead)
            value = f"live-{self.cycle_no}.{batch}"
            if picked:
                self.org.set_titles({sf_id: value for sf_id, _ in picked})
                wall, org = time.time(), self.org.now()
                for sf_id, is_ahead in picked:
                    change = Change(sf_id, value, self.cycle_no, during, is_ahead, wall, org)
                    self.changes.append(change)
                    self.pending[sf_id] = change
            self.org.advance(self.args.interval / batches)
        during = during or self.backfill_running()
        phase = "during" if during else ("after" if self.backfill_ended else "before")
        code, output, seconds = run_syncer(self.config, "sync")
        self.polls.append(PollRun(self.cycle_no, phase, seconds, api_calls(output), code == 0, output))
        wall, org = time.time(), self.org.now()
        landed = self.cdp.titles(list(self.pending))
        for sf_id, change in list(self.pending.items()):
            if landed.get(sf_id) == change.value:
                change.landed_cycle, change.landed_wall, change.landed_org = self.cycle_no, wall, org
                del self.pending[sf_id]
        print(f"  cycle {self.cycle_no:3d} ({phase} backfill): poll {seconds:5.2f} s"
              f"{'' if code == 0 else ' FAILED'}, {api_calls(output)} API calls, "
              f"{len(self.pending)} changes still in flight", flush=True)
        if code:
            print("    " + output.strip().replace("\n", "\n    ")[-2000:], flush=True)


def stats(values: list[float]) -> str:
    """``median m, max x`` of some seconds."""
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f}, max {max(values):.2f}"


def report(bench: Bench, args, backfill: dict, org: Org, cdp: CDPReader, initial: tuple[float, int]) -> None:
    """Print the figures, then check every contact in the CDP against Salesforce."""
    interval = args.interval
    print("\n== results ==")
    seconds, total = initial
    print(f"initial sync: {total:,} records in {seconds:.1f} s = {total / seconds:,.0f} records/s "
          f"(default mapping; process start-up included)")
    b_seconds = backfill["seconds"]
    print(f"backfill: {backfill['records']:,} records in {b_seconds:.1f} s wall = "
          f"{backfill['records'] / b_seconds:,.0f} records/s (process start-up included); "
          f"exit {backfill['code']}; API calls {backfill['api_calls']}; "
          f"stale records skipped {backfill['stale']}")
    during = [p for p in bench.polls if p.phase == "during"]
    baseline = [p for p in bench.polls if p.phase == "before"]
    print(f"polls during the backfill: {len(during)} (failed: {sum(not p.ok for p in during)}); "
          f"baseline polls without it: {len(baseline)} (failed: {sum(not p.ok for p in baseline)})")
    print(f"poll wall time, seconds (process start-up included): during backfill {stats([p.seconds for p in during])}; "
          f"baseline {stats([p.seconds for p in baseline])}")
    added = (statistics.median([p.seconds for p in during]) - statistics.median([p.seconds for p in baseline])
             if during and baseline else float("nan"))
    print(f"delay the backfill adds to a poll (median wall time during − baseline): {added:+.2f} s "
          f"= {added / interval:+.4f} intervals")
    calls = [p.api_calls or 0 for p in bench.polls]
    print(f"API calls: backfill {backfill['api_calls']}; polls {sum(calls)} in {len(calls)} polls "
          f"({sum(calls) / max(len(calls), 1):.1f} per poll)")
    print(f"clock compression: each cycle moves the org clock {interval / 60:g} min; its wall time is "
          f"~{bench.cycle_wall:.1f} s (changes + poll), so the bench runs ~{interval / bench.cycle_wall:,.0f}× "
          f"more polls per backfill than real time would (a {b_seconds:.0f} s backfill overlaps "
          f"{max(1, -(-int(b_seconds) // int(interval)))} real 15-minute poll(s), here {len(during)})")
    for label, group in (("during backfill", [c for c in bench.changes if c.during_backfill]),
                         ("  of which just ahead of the backfill cursor",
                          [c for c in bench.changes if c.during_backfill and c.ahead]),
                         ("baseline (no backfill)", [c for c in bench.changes if not c.during_backfill])):
        landed = [c for c in group if c.landed_cycle is not None]
        if not group:
            continue
        polls = [c.landed_cycle - c.cycle + 1 for c in landed]
        org_delay = [c.landed_org - c.org for c in landed]
        wall_delay = [c.landed_wall - c.wall for c in landed]
        first = sum(1 for p in polls if p == 1)
        print(f"live changes {label}: {len(group)}; landed {len(landed)}; in the first poll after the change "
              f"{first} ({100 * first / len(group):.1f} %); polls needed max {max(polls, default=0)}")
        print(f"    delay on the org clock: median {statistics.median(org_delay):.0f} s "
              f"({statistics.median(org_delay) / interval:.2f} intervals), max {max(org_delay):.0f} s "
              f"({max(org_delay) / interval:.2f} intervals); on the wall clock: {stats(wall_delay)} s"
              if landed else "    none landed")
    # Final state: every contact in the CDP against Salesforce.
    sf_titles, cdp_titles = org.titles(), cdp.titles()
    changed = {c.sf_id for c in bench.changes}
    wrong = {i for i, v in sf_titles.items() if cdp_titles.get(i) != v}
    lost = sorted(wrong & changed)
    print(f"final check against Salesforce: {len(sf_titles):,} contacts; live-changed contacts whose CDP "
          f"value differs (lost or overwritten by older backfill data): {len(lost)}; other contacts "
          f"missing the backfilled Title: {len(wrong - changed)}")
    for sf_id in lost[:5]:
        print(f"    {sf_id}: Salesforce {sf_titles[sf_id]!r}, CDP {cdp_titles.get(sf_id)!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=500, help="contacts changed per poll cycle")
    parser.add_argument("--batches", type=int, default=5, help="change batches spread over a cycle")
    parser.add_argument("--ahead", type=int, default=100,
                        help="of each cycle's changes, how many from the page just past the backfill cursor")
    parser.add_argument("--interval", type=float, default=900, help="org-clock seconds per poll cycle")
    parser.add_argument("--baseline", type=int, default=3, help="poll cycles before the backfill")
    parser.add_argument("--cdp-url", help="CDP database (default: a SQLite file in a scratch directory)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="backfill-bench-"))
    cdp_url, drop = scratch_database(args.cdp_url, workdir / 'cdp.db', 'backfill_bench')
    server = serve()
    try:
        org = Org(server)
        started = time.perf_counter()
        ids = org.load(args.contacts)
        print(f"loaded {args.contacts:,} contacts and {max(1, args.contacts // 5):,} accounts "
              f"in {time.perf_counter() - started:.1f} s; CDP {sa.engine.make_url(cdp_url).get_backend_name()}",
              flush=True)
        config = workdir / "syncer.toml"
        write_config(config, server, cdp_url, map_title=False)
        code, output, _ = run_syncer(config, "connect", "--username", server.username, "--password", server.password)
        if code:
            raise SystemExit(output)
        code, output, seconds = run_syncer(config, "sync")
        if code:
            raise SystemExit(output)
        initial = (seconds, args.contacts + max(1, args.contacts // 5))
        print(f"initial sync: {seconds:.1f} s, {api_calls(output)} API calls", flush=True)
        write_config(config, server, cdp_url, map_title=True)
        cdp = CDPReader(cdp_url)
        with cdp.engine.connect() as conn:
            cdp.source_id = conn.execute(sa.text("SELECT max(id) FROM cdp_data_source")).scalar_one()
        bench = Bench(args, org, cdp, config, ids)
        print("baseline poll cycles (Title newly mapped, no backfill yet):", flush=True)
        for _ in range(args.baseline):
            bench.cycle()
        backfill_log = workdir / "backfill.log"
        with open(backfill_log, "w") as log:
            bench.backfill_started = time.time()
            process = subprocess.Popen(syncer_command(config, "backfill"), stdout=log, stderr=subprocess.STDOUT)

            def wait() -> None:
                process.wait()
                bench.backfill_ended = time.time()
            waiter = threading.Thread(target=wait, daemon=True)
            waiter.start()
            # Live changes start once the backfill has fixed its upper bound (SystemModstamp <= start).
            while cdp.backfill_after() is None and process.poll() is None:
                time.sleep(0.1)
            print("poll cycles beside `syncer backfill`:", flush=True)
            cycle_started = time.time()
            while bench.backfill_running():
                bench.cycle()
            bench.cycle_wall = (time.time() - cycle_started) / max(1, sum(p.phase == "during" for p in bench.polls))
            waiter.join()
        # Changes of the last cycle landed in its own poll; one quiet poll catches any straggler.
        bench.cycle(changes=0)
        output = backfill_log.read_text()
        backfill = {"seconds": bench.backfill_ended - bench.backfill_started, "code": process.returncode,
                    "api_calls": api_calls(output), "stale": outcome_counts(output, "stale"),
                    "records": records_read(output) or initial[1]}
        if process.returncode:
            print(output[-3000:])
        report(bench, args, backfill, org, cdp, initial)
        cdp.engine.dispose()
    finally:
        server.stop()
        drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")


if __name__ == "__main__":
    main()
