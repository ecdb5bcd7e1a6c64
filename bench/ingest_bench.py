"""Bench (issue 17, part 2): Bulk ingest in the mock vs a plain ``executemany`` of the same rows.

Builds N Contacts and times, against a real served mock (``mock_salesforce.MockServer``, TLS,
SQLite unless ``--db`` names another database):
  (b) ``sf.bulk2.Contact.insert`` through simple-salesforce, from a CSV file;
  (c) sObject Collections, 200 records per ``POST /composite/sobjects``, then the same records
      updated (cu: ``PATCH /composite/sobjects``) and upserted by Id (cx:
      ``PATCH /composite/sobjects/Contact/Id``), two fields each;
  (d) control-plane loads (``POST /_mock/orgs/{org}/records/Contact``, 10,000 per call), the path
      ``--seed`` takes too;
and then (a), the floor: the rows (b) wrote, read back and inserted by one plain DB-API
``executemany`` into an empty copy of the org's Contact table, in one transaction.
Prints rows/s of each and its ratio to (a). Beside (c), (c0): the same calls' HTTPS and JSON
alone (the bodies POSTed to an endpoint that reads and refuses them), with the CPU a record both
cost this process (client and mock run in it). With ``--query``, after (b): (q) a Bulk API 2.0
query job of every Contact, from its creation to ``JobComplete`` (the mock writes the results
CSV meanwhile), beside (q0) a plain ``SELECT`` of the same columns written by ``csv.writer``;
``--jobs N`` runs N such jobs, ``--polls syncer`` polls them as the syncer does (at once, then
0.1 s growing 25% to 2 s apart) instead of every 20 ms.

Measured 2026-12-04 (2 cores shared with other benches: wall times swing by up to 2x; CPU a
record is steadier), old code and new in alternating runs,
``--contacts 1000000 --loads 0 --collections 20000 --query``:
  (q) 1M rows: 11.1 s (2.05x q0's 5.4 s) before, 4.0 s (0.96x q0's 4.2 s) after: the CSV is
      written a column at a time (a join per line instead of a call per value). In-process, same
      1M rows (scratch script): 6.6–6.9 s CPU before, 4.1–4.8 s after, q0 3.9–4.1 s; the
      bytes are identical.
  (c) into a table of 1M Contacts: 48.5 µs CPU a record before, 41.0 µs after; (c0) 11–12 µs;
      the plain executemany alone is ~22 µs a row there (46k rows/s), so 30,000 records/s
      (33 µs) is at or past this machine's floor however little the mock does between them.
``--contacts 0 --loads 0 --collections 20000`` (an empty table), 4–5 runs each, CPU a record:
(c) 44–61 µs before, 32–51 µs after (25k–29.5k records/s in the quieter runs): records of one
type with the same keys are judged a column at a time; (cu) 74–110 µs before, 65–84 µs after;
(cx) 454–569 µs before, 68–85 µs after (the upserts by Id read ahead); (c0) 8.6–16 µs,
55k–115k records/s. The mock's own share of a create of 200 (in-process, no HTTP): 5.1–7.0 ms
before, 3.7–5.8 ms after, of which 2.8–4.3 ms is the SQLite write (executemany and commit).

sObject Collections, 2026-12-05 (same machine, load average 1.3–2.3 from other benches), old
code and new in alternating runs, ``--contacts 0 --loads 0 --collections 20000``, 4 runs each,
CPU a record (client and server): (c) 30.8–38.6 µs before, 26.7–28.6 µs after (19.9k–30.5k
records/s before, 32.5k–35.7k after); (cu) 50.7–62.0 → 31.8–35.9 µs (13.4k–19.0k → 23.9k–30.2k
records/s); (cx) 60.6–68.3 → 31.4–35.6 µs (12.6k–15.5k → 24.9k–31.1k); (c0) 8.7–10.4 µs both.
Into a table of 1M Contacts (``--contacts 1000000 --loads 0``, one run each, before the last
step below): (c) 37.0 → 35.8 µs (21.5k → 26.5k records/s), (cu) 58.3 → 35.8 µs, (cx) 66.9 →
33.7 µs; (b)'s server time 19.4 → 17.7 s. The mock's share, in-process without HTTP (scratch
script, gc off, 20,000 Contacts), create / update / upsert by Id: 17.8–18.8 / 32.7–36.0 /
39.5–41.2 µs a record before, 13.2–13.3 / 16.3–16.4 / 15.0–15.1 after. What did it:
  - SQLite's booleans bound as its 1 and 0: the driver sends a bool (not quite an int) through
    its adapter lookup, 0.3 µs a value, five a Contact: create 17.9 → 16.0 µs;
  - runs of 200 (then 50) rows in one multi-row INSERT: the driver's executemany pays per
    execution; the statement of a Contact row 7.5 → 5.6 µs (its text is the same every call, so
    it is prepared once per connection; a fresh text would cost 4 µs a row to prepare);
  - a batch's new records (same keys, same order) made parameters a row at a time: 1.8 → 0.9
    µs a row; create 15.6 → 13.3 µs;
  - updates and upserts by Id judged a column at a time, reading only which ids are live: the
    whole records (61 columns of 200) cost 15 µs a record to read, more than the rest;
  - rows and live ids by id through one SELECT per table with an expanding IN (an IN of
    literals was coerced value by value each call): 4.2 → 3.2–3.8 µs a record of live ids.
  Tried, no gain: page size 8k/16k, synchronous=OFF, mmap, exclusive locking (each within
  ±0.4 µs a row); WITHOUT ROWID (13.3 µs a row against 11.4); skipping the OMIT test when
  finishing JSON rows; a larger WAL checkpoint interval only moves the checkpoint's cost.
  Not done: constants as literals in the INSERT text (0.5 µs a row more, but a new text, so a
  new prepare, whenever the clock moves). (a) stays a plain executemany, which the mock's
  multi-row INSERTs now beat row for row on SQLite. Where a create of Contacts goes now, µs a record: SQLite ~5 to
  insert and ~2.5 to commit (9 of its 11 b-trees are indexes), judging 3.6 (1.6 of it building
  the 20-key rows), rows to parameters 0.9, the request's JSON 1.3, the answer ~1, Flask, token,
  limits and journal ~1 (200 µs a call); the client, TLS and cheroot, (c0), ~9. Garbage
  collection: 0.4 µs a record for creates; a full collection now and then cost updates and
  upserts 3.5 µs a record in one run (``gc.freeze`` after start would avoid it; process-wide,
  so not done).

Query jobs that finish on their own (2026-12-04): the results CSV used to be started by the
first status poll after the Id snapshot was done; now it is written from the job's creation, a
chunk as soon as the snapshot has its Ids. ``--contacts 1000000 --loads 0 --collections 0
--query --polls syncer --jobs 4``, two runs of each, alternating, with the server's own times
(scratch instrumentation): the job done 3.15–4.78 s after creation before (median 3.4; its CSV
started 0.85–1.01 s in, at the poll after the snapshot's 0.69–0.99 s), 3.00–3.39 s after
(median 3.16); seen ``JobComplete`` by the polling client at 3.39–5.72 s before (median 3.53),
3.40–3.81 s after (median 3.47): the syncer's polls, ~0.3 s then ~1 s apart by then, hide most
of the gain. At 100k (one run each): seen at 0.40–0.51 s before, 0.40–0.48 s after (done
0.27–0.41 s in). ``bench/sync_bench.py --contacts 100000``, 5 runs each, alternating: 4.7–5.2 s
before (median 4.9; 2.57–3.05x the floor with writes, median 2.83), 4.7–4.9 s after (median
4.9; 2.49–2.85x, median 2.60), and 23–24 API calls instead of 26–27 (fewer status polls);
at 1M + 200k, one run each: 37.2 s (2.46x) before, 37.8 s (2.41x) after, 147 → 140 API calls.

End of the day (2026-12-05, quiet VM, one bench at a time): (c) into an empty table 28.4k–38.0k
records/s over four runs (median ~34k; the old code's one run beside them 29.1k), (cu)
28.2k–35.9k (old 17.0k), (cx) 29.0k–32.5k (old 15.9k), (c0) 103k–110k. ``--contacts 1000000
--loads 0 --collections 0``: (b) 45.8k rows/s end to end, 0.67x (a)'s 68.7k (the VM was quiet:
(a) ran at ~47k on the busy day before); the server processed the job in 14.96 s, 66.8k rows/s;
the rest is simple-salesforce splitting and uploading the 1M-row file and polling.

Run: ``python bench/ingest_bench.py [--contacts 100000] [--collections 20000] [--query]
[--polls fast|syncer] [--jobs N] [--db URL]``.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mock_salesforce.backend.store import Store, create_engine  # noqa: E402
from mock_salesforce.config import MockConfig  # noqa: E402
from mock_salesforce.server import MockServer  # noqa: E402


def contacts(count: int, tag: str) -> list[dict]:
    """``count`` Contacts with a name, email, phone and title."""
    return [{"FirstName": f"First{i}", "LastName": f"{tag}{i}", "Email": f"{tag}{i}@bench.example",
             "Phone": f"+1 555 {i:07d}", "Title": "Engineer"} for i in range(count)]


def write_csv(records: list[dict], path: Path) -> Path:
    """The records as a Bulk API CSV file."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    return path


def timed(action) -> float:
    """Seconds ``action()`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bulk2_insert(sf, path: Path, count: int) -> float:
    """Seconds to insert the CSV through Bulk API 2.0 (every row must succeed)."""
    results: list[dict] = []

    def run() -> None:
        results.extend(sf.bulk2.Contact.insert(csv_file=str(path), wait=0.2))
        assert sum(r["numberRecordsProcessed"] for r in results) == count, results
        assert sum(r["numberRecordsFailed"] for r in results) == 0, results
    seconds = timed(run)
    processing = sum(sf.bulk2.Contact._client.get_job(r["job_id"], False)["totalProcessingTime"]
                     for r in results) / 1000
    print(f"    (the server processed the job{'s' if len(results) > 1 else ''} in "
          f"{processing:.2f} s: {count / processing:.0f} rows/s)")
    return seconds


def collections_insert(sf, records: list[dict], made: list[str]) -> float:
    """Seconds to insert the records through sObject Collections, 200 per call (their ids are
    added to ``made``)."""
    bodies = [{"attributes": {"type": "Contact"}, **r} for r in records]
    return collections_call(sf, "composite/sobjects", "POST", bodies, made)


def collections_update(sf, record_ids: list[str], path: str = "composite/sobjects",
                       key: str = "id") -> float:
    """Seconds to change two fields of these Contacts through sObject Collections, 200 per call
    (``PATCH composite/sobjects``; with ``path`` ``composite/sobjects/Contact/Id`` and ``key``
    ``Id``, an upsert by Id)."""
    bodies = [{"attributes": {"type": "Contact"}, key: record_id, "Title": f"Lead {n}",
               "Phone": f"+44 20 {n:07d}"} for n, record_id in enumerate(record_ids)]
    return collections_call(sf, path, "PATCH", bodies, [])


def collections_call(sf, path: str, method: str, bodies: list[dict], made: list[str]) -> float:
    """Seconds to send the bodies 200 per call (every record must succeed)."""
    def run() -> None:
        for start in range(0, len(bodies), 200):
            results = sf.restful(path, method=method,
                                 json={"allOrNone": False, "records": bodies[start:start + 200]})
            assert all(r["success"] for r in results), results[:3]
            made.extend(r["id"] for r in results)
    return cpu_timed(run, len(bodies))


def collections_floor(sf, records: list[dict]) -> float:
    """Seconds for the same calls' HTTPS and JSON alone: the same bodies POSTed to the
    collections retrieve endpoint, which reads the JSON and refuses it at once (no ids)."""
    bodies = [{"attributes": {"type": "Contact"}, **r} for r in records]
    url = f"{sf.base_url}composite/sobjects/Contact"

    def run() -> None:
        for start in range(0, len(bodies), 200):
            response = sf.session.post(url, headers=sf.headers, data=json.dumps(
                {"allOrNone": False, "records": bodies[start:start + 200]}))
            assert response.status_code == 400, response.text[:200]
    return cpu_timed(run, len(bodies))


def cpu_timed(action, count: int) -> float:
    """Seconds ``action()`` takes; prints the CPU it cost this process (client and served mock
    both run here), a steadier figure than wall time on a busy machine."""
    start = time.process_time()
    seconds = timed(action)
    cpu = (time.process_time() - start) / count * 1e6
    print(f"    (the line below: CPU of client and server {cpu:.1f} µs a record)")
    return seconds


QUERY_FIELDS = ["Id", "FirstName", "LastName", "Email", "Phone", "Title", "AccountId",
                "SystemModstamp"]


POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.1, 1.25, 2.0  # as the syncer polls (syncer/sync/bulk.py)


def query_job(sf, syncer_polls: bool) -> tuple[float, float, int]:
    """Seconds from creating a Bulk API 2.0 query job of every Contact to JobComplete, seconds
    then to read its results (pages of 100,000 rows), and the rows. The job is polled every
    20 ms, or with ``syncer_polls`` as the syncer polls: at once, then 0.1 s later, each wait
    25% longer up to 2 s (so what the syncer waits, poll intervals included)."""
    jobs = f"{sf.base_url}jobs/query"
    start = time.perf_counter()
    job = sf.session.post(jobs, headers=sf.headers, json={
        "operation": "query", "query": f"SELECT {', '.join(QUERY_FIELDS)} FROM Contact"}).json()
    delay = POLL_FIRST if syncer_polls else 0.02
    while True:
        state = sf.session.get(f"{jobs}/{job['id']}", headers=sf.headers).json()["state"]
        if state == "JobComplete":
            break
        time.sleep(delay)
        if syncer_polls:
            delay = min(delay * POLL_GROWTH, POLL_MAX)
    complete = time.perf_counter()
    rows, locator = 0, None
    while locator != "null":
        response = sf.session.get(f"{jobs}/{job['id']}/results", headers=sf.headers, params={
            "maxRecords": 100_000, **({"locator": locator} if locator else {})})
        response.raise_for_status()
        rows += int(response.headers["Sforce-NumberOfRecords"])
        locator = response.headers["Sforce-Locator"]
    sf.session.delete(f"{jobs}/{job['id']}", headers=sf.headers).raise_for_status()
    return complete - start, time.perf_counter() - complete, rows


def select_to_csv(server: MockServer, scratch: Path) -> float:
    """Seconds for the floor of the query job: the same columns of every Contact selected from
    the org's table and written by ``csv.writer`` (every value quoted) to a file."""
    org = server.registry.default_org
    table = org.store.table(org.sobject("Contact"))
    quote = org.store.engine.dialect.identifier_preparer.quote

    def run() -> None:
        with org.store.engine.connect() as conn, (scratch / "floor.csv").open("w") as out:
            cursor = conn.exec_driver_sql(f"SELECT {', '.join(map(quote, QUERY_FIELDS))} FROM "
                                          f"{quote(table.name)} ORDER BY {quote('Id')}")
            writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(QUERY_FIELDS)
            while rows := cursor.fetchmany(2_000):
                writer.writerows(rows)
    return timed(run)


def control_load(server: MockServer, records: list[dict]) -> float:
    """Seconds to load the records through the control plane, 10,000 per call."""
    key = server.registry.default_org.key

    def run() -> None:
        for start in range(0, len(records), 10_000):
            server.control("POST", f"orgs/{key}/records/Contact",
                           json={"records": records[start:start + 10_000]}).raise_for_status()
    return timed(run)


def plain_executemany(server: MockServer, db_url: str | None, scratch: Path) -> tuple[float, int]:
    """Seconds for one DB-API ``executemany`` of every stored Contact row into an empty table."""
    org = server.registry.default_org
    sobject = org.sobject("Contact")
    table = org.store.table(sobject)
    with org.store.engine.connect() as conn:
        counts = conn.execute(sa.select(*[sa.func.count(c) for c in table.columns])).one()
        columns = [c.name for c, count in zip(table.columns, counts) if count]
        values = [tuple(row) for row in conn.execute(sa.select(*[table.c[c] for c in columns]))]
    engine = create_engine(db_url or f"sqlite:///{scratch / 'floor.db'}")
    store = Store(engine, "floor")
    store.create_all([sobject])
    quote = engine.dialect.identifier_preparer.quote
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    insert = (f"INSERT INTO {quote(store.table(sobject).name)} "
              f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join([mark] * len(columns))})")
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            seconds = timed(lambda: (cursor.executemany(insert, values), raw.commit()))
        finally:
            raw.close()
    finally:
        store.drop_all()
        engine.dispose()
    return seconds, len(values)


def report(label: str, count: int, seconds: float, floor_rate: float | None) -> None:
    rate = count / seconds
    ratio = f"  {rate / floor_rate:5.2f}x the plain executemany" if floor_rate else ""
    print(f"{label:48s} {count:9d} rows {seconds:8.2f} s {rate:10.0f} rows/s{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--collections", type=int, default=20_000,
                        help="records sent through sObject Collections")
    parser.add_argument("--loads", type=int, default=100_000,
                        help="records loaded through the control plane")
    parser.add_argument("--query", action="store_true",
                        help="then query every Contact through a Bulk API 2.0 query job")
    parser.add_argument("--polls", choices=("fast", "syncer"), default="fast",
                        help="poll a query job every 20 ms, or as the syncer does (0.1 s, +25%%)")
    parser.add_argument("--jobs", type=int, default=1, help="query jobs run one after another")
    parser.add_argument("--db", help="the mock's database URL (a temporary SQLite file by default)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    config = MockConfig(data_dir=scratch, db_url=args.db, password="bench-password",
                        client_secret="bench-secret", control_secret="bench-control")
    with MockServer(config) as server:
        sf = server.client()
        floor_rate = None
        if args.contacts:
            path = write_csv(contacts(args.contacts, "Bulk"), scratch / "contacts.csv")
            bulk = bulk2_insert(sf, path, args.contacts)
            floor, floor_rows = plain_executemany(server, args.db, scratch)
            floor_rate = floor_rows / floor
            print(f"{'(a) plain executemany into the Contact table':48s} {floor_rows:9d} rows "
                  f"{floor:8.2f} s {floor_rate:10.0f} rows/s")
            report("(b) bulk2 insert via simple-salesforce", args.contacts, bulk, floor_rate)
        if args.query:
            floor = select_to_csv(server, scratch)
            for _ in range(args.jobs):
                complete, read, rows = query_job(sf, args.polls == "syncer")
                print(f"{'(q0) SELECT the columns + csv.writer (floor)':48s} {rows:9d} rows "
                      f"{floor:8.2f} s {rows / floor:10.0f} rows/s")
                print(f"{'(q) Bulk 2.0 query job created → JobComplete':48s} {rows:9d} rows "
                      f"{complete:8.2f} s {rows / complete:10.0f} rows/s  {complete / floor:5.2f}x "
                      f"the floor's time; then {read:.2f} s to read its results")
                floor = select_to_csv(server, scratch)
        if args.collections:
            made: list[str] = []
            report("(c) sObject Collections, 200 per call", args.collections,
                   collections_insert(sf, contacts(args.collections, "Coll"), made), floor_rate)
            report("(cu) the same records updated, 200 per call", args.collections,
                   collections_update(sf, made), floor_rate)
            report("(cx) the same records upserted by Id", args.collections,
                   collections_update(sf, made, "composite/sobjects/Contact/Id", "Id"),
                   floor_rate)
            report("(c0) the same calls' HTTPS and JSON alone", args.collections,
                   collections_floor(sf, contacts(args.collections, "Coll")), None)
        if args.loads:
            report("(d) control-plane load (the --seed path)", args.loads,
                   control_load(server, contacts(args.loads, "Load")), floor_rate)


if __name__ == "__main__":
    main()
