"""A mixed concurrent workload against a real mock server, and the checks of what it left.

Each client thread, with its own keep-alive session, picks seeded operations: inserts, updates
and deletes of its own Contacts, upserts by an external id from a pool all threads share (so
they race on the same keys), and paged queries followed through ``nextRecordsUrl``. Every
acknowledged write is logged; :func:`verify` then reads the org back and lists what disagrees.
Used by ``test_load.py`` (a few seconds) and ``bench/load_bench.py`` (figures).
"""
from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

V = "/services/data/v59.0"
EXTERNAL_ID = "Load_Key__c"
KINDS = ("insert", "update", "upsert", "delete", "query")
WEIGHTS = (30, 20, 20, 10, 20)


@dataclass
class Log:
    """What one thread did and was told."""

    inserted: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    updated: dict[str, str] = field(default_factory=dict)  # id → last acknowledged Description
    upserted_keys: set[str] = field(default_factory=set)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)


def prepare(control) -> None:
    """Add the external-id field the upserts use (``control(method, path, json=…)``)."""
    control("POST", "orgs/default/fields/Contact", json={
        "name": EXTERNAL_ID, "type": "string", "length": 40, "externalId": True, "unique": True,
        "label": "Load key"})


def session_for(token: str, verify: object = True) -> requests.Session:
    """A keep-alive session with the token (and no proxies from the environment)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = verify
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def run(url: str, sessions: list[requests.Session], seconds: float, seed: int = 7,
        upsert_keys: int = 40) -> list[Log]:
    """Run one thread per session for ``seconds``; their logs."""
    logs = [Log() for _ in sessions]
    stop = time.perf_counter() + seconds
    threads = [threading.Thread(target=_worker, args=(url, s, logs[n], stop, seed + n, upsert_keys))
               for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return logs


def _worker(url: str, session: requests.Session, log: Log, stop: float, seed: int,
            upsert_keys: int) -> None:
    rng = random.Random(seed)
    live: list[str] = []
    count = 0
    while time.perf_counter() < stop:
        kind = rng.choices(KINDS, WEIGHTS)[0]
        if kind in ("update", "delete") and not live:
            kind = "insert"
        count += 1
        started = time.perf_counter()
        try:
            ok = _operate(url, session, log, rng, live, kind, f"{seed}-{count}", upsert_keys)
        except requests.RequestException as error:
            ok = False
            log.failures.append(f"{kind}: {error}")
        if ok:
            log.latencies[kind].append(time.perf_counter() - started)


def _operate(url, session, log: Log, rng, live: list[str], kind: str, tag: str,
             upsert_keys: int) -> bool:
    if kind == "insert":
        response = session.post(f"{url}{V}/sobjects/Contact", json={"LastName": f"Load {tag}"})
        if response.status_code == 201:
            log.inserted.append(response.json()["id"])
            live.append(response.json()["id"])
    elif kind == "update":
        record_id = rng.choice(live)
        text = f"update {tag}"
        response = session.patch(f"{url}{V}/sobjects/Contact/{record_id}", json={"Description": text})
        if response.status_code == 204:
            log.updated[record_id] = text
    elif kind == "delete":
        record_id = live.pop(rng.randrange(len(live)))
        response = session.delete(f"{url}{V}/sobjects/Contact/{record_id}")
        if response.status_code == 204:
            log.deleted.add(record_id)
            log.updated.pop(record_id, None)
    elif kind == "upsert":
        key = f"K{rng.randrange(upsert_keys)}"
        response = session.patch(f"{url}{V}/sobjects/Contact/{EXTERNAL_ID}/{key}",
                                 json={"LastName": f"Upsert {tag}"})
        if response.status_code in (200, 201):
            log.upserted_keys.add(key)
    else:
        response = session.get(f"{url}{V}/query", params={"q": "SELECT Id, LastName FROM Contact"},
                               headers={"Sforce-Query-Options": "batchSize=200"})
        pages = 0
        while response.status_code == 200 and not response.json()["done"] and pages < 2:
            response = session.get(url + response.json()["nextRecordsUrl"])
            pages += 1
    if response.status_code >= 300:
        log.failures.append(f"{kind}: {response.status_code} {response.text[:200]}")
        return False
    return True


def read_back(url: str, session: requests.Session) -> list[dict]:
    """Every live Contact, through query paging."""
    records: list[dict] = []
    response = session.get(f"{url}{V}/query", params={
        "q": f"SELECT Id, LastName, Description, {EXTERNAL_ID} FROM Contact"})
    while True:
        response.raise_for_status()
        body = response.json()
        records += body["records"]
        if body["done"]:
            return records
        response = session.get(url + body["nextRecordsUrl"])


def verify(url: str, session: requests.Session, logs: list[Log], before: int) -> list[str]:
    """What the org disagrees with in the logs (empty when every acknowledged write holds)."""
    problems = [f for log in logs for f in log.failures]
    records = read_back(url, session)
    ids = [r["Id"] for r in records]
    by_id = {r["Id"]: r for r in records}
    count = session.get(f"{url}{V}/query", params={"q": "SELECT COUNT() FROM Contact"}).json()["totalSize"]
    if len(ids) != len(set(ids)):
        problems.append("a record appears twice in the paged read-back")
    if count != len(ids):
        problems.append(f"COUNT() says {count}, paging read {len(ids)}")
    inserted = [i for log in logs for i in log.inserted]
    deleted = set().union(*(log.deleted for log in logs))
    missing = [i for i in inserted if i not in deleted and i not in by_id]
    if missing:
        problems.append(f"{len(missing)} acknowledged inserts are missing, e.g. {missing[:3]}")
    if deleted & set(by_id):
        problems.append(f"{len(deleted & set(by_id))} acknowledged deletes are still there")
    for log in logs:
        for record_id, text in log.updated.items():
            if record_id in by_id and by_id[record_id]["Description"] != text:
                problems.append(f"{record_id}: Description {by_id[record_id]['Description']!r}, "
                                f"last acknowledged {text!r}")
    keys = [r[EXTERNAL_ID] for r in records if r[EXTERNAL_ID]]
    if len(keys) != len(set(keys)):
        problems.append("an upsert key exists twice")
    upserted = set().union(*(log.upserted_keys for log in logs))
    if set(keys) != upserted:
        problems.append(f"upsert keys in the org {sorted(set(keys) ^ upserted)[:5]} disagree")
    expected = before + len(inserted) - len(deleted) + len(upserted)
    if count != expected:
        problems.append(f"{count} Contacts, expected {before} + {len(inserted)} inserted - "
                        f"{len(deleted)} deleted + {len(upserted)} upsert keys = {expected}")
    return problems


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(logs: list[Log], seconds: float) -> dict:
    """Throughput and p50/p99 latency (ms) per kind and overall."""
    merged: dict[str, list[float]] = defaultdict(list)
    for log in logs:
        for kind, values in log.latencies.items():
            merged[kind] += values
    everything = [v for values in merged.values() for v in values]
    result = {"ops_per_s": round(len(everything) / seconds, 1),
              "all": _summary(everything)}
    result.update({kind: _summary(merged[kind]) for kind in KINDS})
    return result


def _summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1)}
