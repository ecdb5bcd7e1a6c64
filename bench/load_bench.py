"""Bench (issue 13): mixed concurrent load — inserts, updates, upserts by external id, deletes,
paged queries — from N client threads against a server in its own process (TLS, keep-alive).

Prints throughput and p50/p99 latency per kind, then checks that every acknowledged write is
there exactly once. ``--profile out.txt`` samples the server with py-spy while the load runs
(``pip install py-spy``) and writes the hottest frames there.

Run: ``python bench/load_bench.py [--threads 8] [--seconds 10] [--seed-records 2000]``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from _server import serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "mock_salesforce"))
from loadgen import figures, prepare, read_back, run, session_for, verify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed-records", type=int, default=2000,
                        help="Contacts the org starts with (paged queries read them)")
    parser.add_argument("--profile", help="write py-spy's top frames of the server here")
    args = parser.parse_args()
    server = serve("--seed", str(args.seed_records))
    try:
        control = server.session()
        control.headers["X-Mock-Secret"] = server.control_secret
        prepare(lambda method, path, **kw: control.request(method, f"{server.url}/_mock/{path}",
                                                           **kw).raise_for_status())
        token = server.token()["access_token"]
        reader = session_for(token, server.ca or True)
        before = len(read_back(server.url, reader))
        spy = _profile(server.process.pid, args.seconds, args.profile) if args.profile else None
        logs = run(server.url, [session_for(token, server.ca or True) for _ in range(args.threads)],
                   args.seconds)
        if spy:
            spy.wait(timeout=120)
        stats = figures(logs, args.seconds)
        print(f"{args.threads} threads, {args.seconds:.0f} s, {before} Contacts at start")
        print(f"throughput: {stats['ops_per_s']} ops/s   all: p50 {stats['all']['p50_ms']} ms, "
              f"p99 {stats['all']['p99_ms']} ms")
        for kind in ("insert", "update", "upsert", "delete", "query"):
            row = stats[kind]
            print(f"  {kind:7s} n={row['n']:6d}  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms")
        problems = verify(server.url, reader, logs, before)
        print("consistency: " + ("every acknowledged write holds" if not problems else
                                 json.dumps(problems[:10], indent=1)))
    finally:
        server.stop()


def _profile(pid: int, seconds: float, out: str):
    if not shutil.which("py-spy"):
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    return subprocess.Popen(["py-spy", "record", "-p", str(pid), "-d", str(int(seconds)),
                             "-f", "raw", "-o", out, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
