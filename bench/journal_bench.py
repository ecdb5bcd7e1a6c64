"""Bench (issue 18): what the request journal costs. Two servers in one run, one journaling (the
default) and one started with ``--no-journal``; GET /sobjects/Contact/{id} and a one-row SOQL
query over TLS with keep-alive, measured in alternating rounds so machine noise hits both alike.

Run: ``python bench/journal_bench.py [--seconds 3] [--rounds 5]``. Prints requests/s per server
(median of the rounds) and the ratio journal-on / journal-off (1.00 = free; target ≥ 0.90).
"""
from __future__ import annotations

import argparse
import statistics

from _server import serve
from rest_bench import rate


def calls(server):
    """The two measured calls against one server."""
    sf = server.client()
    contact_id = sf.Contact.create({"LastName": "Bench"})["id"]
    session, headers = sf.session, {"Authorization": f"Bearer {sf.session_id}"}
    record = f"{server.url}/services/data/v59.0/sobjects/Contact/{contact_id}"
    query = f"{server.url}/services/data/v59.0/query?q=SELECT+Id,LastName+FROM+Contact+LIMIT+1"
    return {"GET record": lambda: session.get(record, headers=headers).raise_for_status(),
            "SOQL query": lambda: session.get(query, headers=headers).raise_for_status()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    servers = {"journal on": serve(), "journal off": serve("--no-journal")}
    try:
        measured = {name: calls(server) for name, server in servers.items()}
        rates = {(name, call): [] for name in servers for call in measured[name]}
        for _ in range(args.rounds):
            for name in servers:
                for call, function in measured[name].items():
                    rates[(name, call)].append(rate(function, args.seconds))
        for call in measured["journal on"]:
            on = statistics.median(rates[("journal on", call)])
            off = statistics.median(rates[("journal off", call)])
            print(f"{call:11s} journal on {on:7.0f} req/s   off {off:7.0f} req/s   on/off {on / off:.2f}")
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
