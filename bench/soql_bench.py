"""Bench (issue 3): SOQL paging and selective queries on a million Contacts.

Prints (a) paging throughput of ``query_all`` through simple-salesforce over TLS beside the floor
(the same rows read from the database and serialised to JSON in one process), (b) selective
query times at 10k vs 1M rows, (c) the server's peak RSS while paging every row.
Run: ``python bench/soql_bench.py [--rows 1000000]``. Databases are cached under
``/tmp/soql-bench`` (first run generates them, about a minute per million rows).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from mock_salesforce.backend.registry import Registry
from mock_salesforce.backend.soql.results import format_millis
from mock_salesforce.config import MockConfig

CACHE = Path("/tmp/soql-bench")
BASE_MS = 1_790_000_000_000  # 2026-09-21: inside the 30-day replication window is irrelevant here
PAGING_SOQL = "SELECT Id, Email, LastName, SystemModstamp FROM Contact"


def database(rows: int) -> Path:
    """A SQLite org with ``rows`` Contacts, generated once and cached."""
    path = CACHE / f"contacts-{rows}.db"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in CACHE.glob(f"{partial.name}*"):
        leftover.unlink()
    registry = Registry(MockConfig(db_url=str(partial), data_dir=Path(tempfile.mkdtemp()),
                                   password="bench-password", client_secret="bench-secret",
                                   control_secret="bench-control"))
    org = registry.default_org
    contact = org.sobject("Contact")
    user = _first_user(org)
    start = time.perf_counter()
    chunk = 50_000
    for first in range(0, rows, chunk):
        batch = []
        for number in range(first, min(rows, first + chunk)):
            stamp = BASE_MS + number * 500
            batch.append({"Id": org.new_id(contact), "IsDeleted": False, "FirstName": "Bench",
                          "LastName": f"Last{number}", "Name": f"Bench Last{number}",
                          "Email": f"user{number}@bench.example", "OwnerId": user,
                          "CreatedById": user, "LastModifiedById": user, "CreatedDate": stamp,
                          "LastModifiedDate": stamp, "SystemModstamp": stamp,
                          "HasOptedOutOfEmail": False, "HasOptedOutOfFax": False,
                          "DoNotCall": False})
        with org.store.engine.begin() as conn:
            org.store.insert_many(contact, batch, conn)
        print(f"  generated {min(rows, first + chunk):>9,} contacts", end="\r", flush=True)
    registry.engine.dispose()
    partial.rename(path)
    print(f"  generated {rows:,} contacts in {time.perf_counter() - start:.0f} s" + " " * 10)
    return path


def _first_user(org) -> str:
    table = org.store.table(org.sobject("User"))
    with org.store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.min(table.c.Id))).scalar_one()


def floor(path: Path, rows: int) -> float:
    """Records/s of reading the rows and serialising them to JSON in 2,000-record pages."""
    engine = sa.create_engine(f"sqlite:///{path}")
    base = "/services/data/v59.0/sobjects/Contact/"
    count, start = 0, time.perf_counter()
    with engine.connect() as conn:
        cursor = conn.exec_driver_sql('SELECT "Id", "Email", "LastName", "SystemModstamp" FROM '
                                      '"org1_Contact" WHERE "IsDeleted" = 0 ORDER BY "Id"')
        while page := cursor.fetchmany(2000):
            records = [{"attributes": {"type": "Contact", "url": base + row[0]}, "Id": row[0],
                        "Email": row[1], "LastName": row[2],
                        "SystemModstamp": format_millis(row[3])}
                       for row in page]
            count += len(json.dumps({"totalSize": rows, "done": False, "records": records},
                                    separators=(",", ":")).encode()) and len(records)
    engine.dispose()
    return count / (time.perf_counter() - start)


_RUNNER = """
import sys
from pathlib import Path
from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer
config = MockConfig(db_url=sys.argv[1], data_dir=Path(sys.argv[2]), password="bench-password",
                    client_secret="bench-secret", control_secret="bench-control")
server = MockServer(config)
print(server.url, server.ca_path, flush=True)
server.serve_forever()
"""


class Served:
    """A mock server in its own process (client and server on their own cores, as in real use)."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(path), tempfile.mkdtemp(prefix="soql-bench-")],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.url, self.ca = self.process.stdout.readline().split()

    def client(self):
        """A logged-in simple-salesforce client."""
        from simple_salesforce import Salesforce
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca
        token = session.post(f"{self.url}/services/oauth2/token", data={
            "grant_type": "password", "client_id": MockConfig().client_id,
            "client_secret": "bench-secret", "username": MockConfig().username,
            "password": "bench-password"}).json()
        return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                          session=session)

    def stop(self) -> None:
        """Terminate the server process."""
        self.process.terminate()
        self.process.wait(timeout=30)


def serve(path: Path) -> Served:
    """Serve the org in ``path`` until ``stop()``."""
    return Served(path)


_CONSTANT = """
import json, sys
from pathlib import Path
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response
from mock_salesforce.tls import ensure_certificates

class Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_request(self, *args):
        pass

tls = ensure_certificates(Path(sys.argv[1]))
records = [{"attributes": {"type": "Contact",
                            "url": f"/services/data/v59.0/sobjects/Contact/{n:018d}"},
            "Id": f"{n:018d}", "Email": f"user{n}@bench.example", "LastName": f"Last{n}",
            "SystemModstamp": "2026-09-21T12:00:00.000+0000"} for n in range(2000)]
body = json.dumps({"totalSize": 2000, "done": True, "records": records},
                  separators=(",", ":")).encode()
app = Response(body, content_type="application/json;charset=UTF-8")
server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler,
                     ssl_context=tls.context())
print(f"https://127.0.0.1:{server.server_port}", tls.ca_path, flush=True)
server.serve_forever()
"""


def client_ceiling(pages: int = 100) -> float:
    """records/s simple-salesforce reaches when the server answers a constant pre-encoded page."""
    process = subprocess.Popen([sys.executable, "-c", _CONSTANT, tempfile.mkdtemp()],
                               stdout=subprocess.PIPE, text=True)
    try:
        url, ca = process.stdout.readline().split()
        from simple_salesforce import Salesforce
        session = requests.Session()
        session.trust_env = False
        session.verify = ca
        sf = Salesforce(instance_url=url, session_id="x", session=session)
        start = time.perf_counter()
        count = sum(len(sf.query_more("/page", identifier_is_url=True)["records"])
                    for _ in range(pages))
        return count / (time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def paging(path: Path) -> tuple[float, int, float]:
    """records/s of query_all_iter over TLS, the record count, and the server's peak RSS."""
    server = serve(path)
    try:
        sf = server.client()
        count, start = 0, time.perf_counter()
        for _ in sf.query_all_iter(PAGING_SOQL):
            count += 1
        rate = count / (time.perf_counter() - start)
        return rate, count, peak_rss_mb(server.process.pid)
    finally:
        server.stop()


def timed(call, runs: int = 30) -> float:
    """Median milliseconds of ``call``."""
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def selective(path: Path, rows: int) -> tuple[float, float]:
    """Median ms of an Email lookup and of a SystemModstamp window of 2,000 rows."""
    server = serve(path)
    try:
        sf = server.client()
        email = f"user{rows // 2}@bench.example"
        stamp = format_millis(BASE_MS + (rows // 2) * 500).replace("+0000", "Z")
        by_email = timed(lambda: sf.query(f"SELECT Id, Email FROM Contact WHERE Email = '{email}'"))
        window = timed(lambda: sf.query(
            f"SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > {stamp} "
            "ORDER BY SystemModstamp LIMIT 2000"), runs=10)
        return by_email, window
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2, help="best of N for each throughput figure")
    args = parser.parse_args()
    big, small = database(args.rows), database(args.small)
    # The machine is shared: every throughput figure is the best of a few runs.
    floor_rate = max(floor(big, args.rows) for _ in range(args.runs + 1))
    print(f"(a) floor: read + serialise {args.rows:,} rows in-process: "
          f"{floor_rate:10,.0f} records/s")
    ceiling = max(client_ceiling() for _ in range(args.runs))
    print(f"(a) client ceiling: simple-salesforce on a constant page:  {ceiling:10,.0f} records/s "
          f"({ceiling / floor_rate:.0%} of the floor)")
    runs = [paging(big) for _ in range(args.runs)]
    rate, count, _ = max(runs)
    rss = max(run[2] for run in runs)
    print(f"(a) mock:  query_all_iter over TLS ({count:,} records):   {rate:10,.0f} records/s "
          f"({rate / floor_rate:.0%} of the floor; targets >= 50% and >= 30,000/s)")
    print(f"(c) server peak RSS while paging all rows:            {rss:10,.0f} MB (target < 300)")
    small_email, small_window = selective(small, args.small)
    big_email, big_window = selective(big, args.rows)
    print(f"(b) WHERE Email = '...':            {args.small:>9,} rows {small_email:7.2f} ms | "
          f"{args.rows:,} rows {big_email:7.2f} ms  "
          f"({big_email / small_email:.2f}x; target <= 1.5x)")
    print(f"(b) SystemModstamp > ... LIMIT 2000: {args.small:>9,} rows {small_window:7.2f} ms | "
          f"{args.rows:,} rows {big_window:7.2f} ms  "
          f"({big_window / small_window:.2f}x; target <= 1.5x)")


if __name__ == "__main__":
    main()
