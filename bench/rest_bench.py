"""Bench (issue 2): requests/s of GET /sobjects/Contact/{id} through simple-salesforce over TLS with
keep-alive, beside a trivial route on the same server; inserts/s through sObject collections.

Run: ``python bench/rest_bench.py [--seconds 5]``. The server runs in its own process.
"""
from __future__ import annotations

import argparse
import time

from _server import serve


def rate(call, seconds: float) -> float:
    """Calls per second of ``call`` over about ``seconds``."""
    for _ in range(20):
        call()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batches", type=int, default=50, help="collections calls of 200 records")
    args = parser.parse_args()
    server = serve("--seed", "20")
    try:
        sf = server.client()
        contact_id = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"] \
            if _has_query(sf) else sf.Contact.create({"LastName": "Bench"})["id"]
        session = sf.session
        trivial = f"{server.url}/services/data"
        record_url = f"{server.url}/services/data/v59.0/sobjects/Contact/{contact_id}"
        headers = {"Authorization": f"Bearer {sf.session_id}"}
        record_rate = rate(lambda: sf.Contact.get(contact_id), args.seconds)
        raw_rate = rate(lambda: session.get(record_url, headers=headers).raise_for_status(), args.seconds)
        trivial_rate = rate(lambda: session.get(trivial).raise_for_status(), args.seconds)
        print(f"GET /sobjects/Contact/{{id}} via simple-salesforce: {record_rate:8.0f} req/s")
        print(f"GET /sobjects/Contact/{{id}} via the same session:  {raw_rate:8.0f} req/s")
        print(f"GET /services/data (trivial route, same session): {trivial_rate:8.0f} req/s")
        print(f"ratio record/trivial through simple-salesforce: {record_rate / trivial_rate:.2f}; "
              f"same client path: {raw_rate / trivial_rate:.2f}  (1.00 = the mock's own work is free; "
              f"0.50 = it costs as much as the framework)")
        records = [{"attributes": {"type": "Contact"}, "LastName": f"L{i}", "Email": f"c{i}@bench.example"}
                   for i in range(200)]
        start = time.perf_counter()
        for _ in range(args.batches):
            results = sf.restful("composite/sobjects", method="POST",
                                 json={"allOrNone": True, "records": records})
            assert all(r["success"] for r in results)
        elapsed = time.perf_counter() - start
        print(f"inserts via /composite/sobjects (200 per call): {args.batches * 200 / elapsed:8.0f} records/s")
    finally:
        server.stop()


def _has_query(sf) -> bool:
    try:
        sf.query("SELECT Id FROM Contact LIMIT 1")
        return True
    except Exception:  # the SOQL engine is a separate feature; fall back to a created record
        return False


if __name__ == "__main__":
    main()
