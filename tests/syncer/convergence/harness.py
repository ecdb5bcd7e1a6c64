"""Drive the mock org and two syncers, and compare an incremental CDP with a fresh sync.

``Org`` changes the org the way users and Salesforce do (REST API writes; the control plane for
what has no REST call: undelete, convertLead, the clock). ``Pair`` keeps one syncer polling the
org incrementally and, on demand, syncs the same org into an empty CDP; ``compare.compare`` is
the one place that says how the two may legitimately differ.
"""
from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from syncer.config import KEY_STRATEGIES
from syncer.service import Syncer

from configs import connected

from .compare import History, Snapshot, compare, snapshot

#: The merge strategy × key strategy grid of rule 1 (UI names).
UI_NAMES = ("merge-new-data", "merge-new-data-existing-only", "overwrite",
            "overwrite-existing-only", "new-records-only")
KEY_NAMES = tuple(KEY_STRATEGIES)
GRID = tuple(itertools.product(UI_NAMES, KEY_NAMES))
OBJECTS = ["Contact", "Lead", "Account", "Opportunity"]
#: Mapped permission field (rule 18/19): HasOptedOutOfEmail true means "unsubscribed".
PERMISSIONS = {"email": {"field": "HasOptedOutOfEmail", "value_for_true": False,
                         "value_for_false": True}}


class Org:
    """The mock org, changed through the REST API and the control plane."""

    def __init__(self, server) -> None:
        self.server = server
        self.sf = server.client()

    def create(self, sobject: str, values: dict[str, Any]) -> str:
        """Create a record; its Id."""
        return self.sf.restful(f"sobjects/{sobject}", method="POST", json=values)["id"]

    def update(self, sobject: str, sf_id: str, values: dict[str, Any]) -> None:
        """Update fields of a record."""
        self.sf.restful(f"sobjects/{sobject}/{sf_id}", method="PATCH", json=values)

    def delete(self, sobject: str, sf_id: str) -> None:
        """Move a record to the recycle bin."""
        self.sf.restful(f"sobjects/{sobject}/{sf_id}", method="DELETE")

    def undelete(self, sf_id: str) -> None:
        """Restore a record from the recycle bin (Apex/SOAP undelete; no REST call exists)."""
        results = self.server.control("POST", "orgs/default/undelete", json={"ids": [sf_id]}).json()
        assert results["results"][0]["success"], results

    def convert(self, lead_id: str, account_id: str | None = None) -> dict:
        """convertLead: a contact (and an account unless one is given) from the lead."""
        body = {"leadId": lead_id, **({"accountId": account_id} if account_id else {})}
        return self.server.control("POST", "orgs/default/convert-lead", json=body).json()

    def advance(self, seconds: float) -> None:
        """Move the org clock forward (the user's session may idle out: log in again)."""
        self.server.control("POST", "clock", json={"advance": seconds})
        self.sf = self.server.client()

    def query_all(self, soql: str) -> list[dict]:
        """Every row of a query, deleted ones included."""
        return self.sf.query_all(soql, include_deleted=True)["records"]


def make_syncer(server, folder: Path, strategy: str, key: str) -> Syncer:
    """A syncer on a new SQLite CDP in ``folder``, connected to the org."""
    merge = {"strategy": strategy, "key_strategy": key}
    return connected(server, folder, permissions=PERMISSIONS,
                     merge={"people": merge, "organizations": merge},
                     sync={"objects": OBJECTS, "bulk_api": False})


class Pair:
    """An incrementally polled CDP, and fresh syncs of the same org to compare it with."""

    def __init__(self, server, strategy: str, key: str, root: Path | None = None) -> None:
        self.server, self.strategy, self.key = server, strategy, key
        self.root = root or Path(tempfile.mkdtemp(prefix="converge-"))
        self.incremental = make_syncer(server, self.root / "incremental", strategy, key)
        self.fresh_count = 0

    def poll(self):
        """One incremental poll."""
        summary = self.incremental.sync()
        assert summary.outcome == "ok", summary
        return summary

    def fresh(self) -> Snapshot:
        """A fresh sync of the org into an empty CDP, read and thrown away."""
        self.fresh_count += 1
        folder = self.root / f"fresh{self.fresh_count}"
        service = make_syncer(self.server, folder, self.strategy, self.key)
        try:
            assert service.sync().outcome == "ok"
            return snapshot(service)
        finally:
            service.close()
            shutil.rmtree(folder, ignore_errors=True)

    def differences(self, history: History) -> list[str]:
        """``compare`` of the incremental CDP now with a fresh sync now."""
        inc = snapshot(self.incremental)
        history.observe(inc)
        return compare(inc, self.fresh(), self.strategy, self.key, history)

    def close(self) -> None:
        """Close the incremental syncer and remove the files."""
        self.incremental.close()
        shutil.rmtree(self.root, ignore_errors=True)


def assert_converges(pair: Pair, history: History, steps: Iterable[str] = ()) -> None:
    """Fail with every difference (and the steps that led there) unless the CDPs converge."""
    diffs = pair.differences(history)
    if diffs:
        trail = "\n  ".join(steps)
        raise AssertionError(f"the incremental CDP differs from a fresh sync "
                             f"({pair.strategy}, {pair.key}):\n- " + "\n- ".join(diffs)
                             + (f"\nafter:\n  {trail}" if trail else ""))
