"""The Composite API's rules (``/composite``, ``/composite/graph``): references between
subrequests, the limits of one request, and undoing the writes of a rolled-back one.

A subrequest may name an earlier one's answer as ``@{referenceId.field}`` (or a path into it:
``@{query.records[0].Id}``) in its URL or body. With ``allOrNone`` a failed subrequest rolls back
the writes before it: :class:`Undo` remembers each (a created record is removed as if never
written, an updated or deleted one gets its earlier row back).

Best guesses, not checked against a real org: the wording of PROCESSING_HALTED for a bad
reference and for the subrequests of a rolled-back request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import errors
from . import ids, recycle_bin

MAX_SUBREQUESTS = 25
MAX_GRAPHS = 75
_REFERENCE = re.compile(r"@\{([^}]+)\}")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_RECORD_URL = re.compile(r"^/services/data/v\d+\.\d/sobjects/(\w+)/(\w{15,18})$")
ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed."


class InvalidReference(Exception):
    """A subrequest names an answer (or a part of one) that is not there."""


def resolve(value: object, answers: dict[str, object]) -> object:
    """``value`` with every ``@{ref.path}`` replaced by that part of an earlier answer."""
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:  # a reference on its own keeps the referenced value's type
            return _lookup(whole.group(1), answers)
        return _REFERENCE.sub(lambda m: str(_lookup(m.group(1), answers)), value)
    if isinstance(value, list):
        return [resolve(item, answers) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, answers) for key, item in value.items()}
    return value


def _lookup(expression: str, answers: dict[str, object]) -> object:
    name, _, rest = expression.partition(".")
    if name not in answers:
        raise InvalidReference(f"Invalid reference specified. No value for {expression} found "
                               f"in {name}. Provided referenceId ({name}) must be a referenceId "
                               "of an earlier successful subrequest.")
    value = answers[name]
    for key, index in _PATH_PART.findall(rest):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            raise InvalidReference(f"Invalid reference specified. No value for {expression} "
                                   f"found in {name}.") from None
    return value


def check_subrequests(body: object) -> list[dict]:
    """The ``compositeRequest`` list of a request body, or the error Salesforce answers."""
    requests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise errors.JSON_PARSER_ERROR("compositeRequest: a non-empty list of subrequests is "
                                       "required")
    if len(requests) > MAX_SUBREQUESTS:
        raise errors.INVALID_INPUT(f"The composite request has {len(requests)} subrequests; "
                                   f"at most {MAX_SUBREQUESTS} are allowed")
    seen = set()
    for sub in requests:
        if not isinstance(sub, dict) or not sub.get("url") or not sub.get("method") or \
                not sub.get("referenceId"):
            raise errors.JSON_PARSER_ERROR("Each subrequest needs method, url and referenceId")
        if sub["referenceId"] in seen:
            raise errors.INVALID_INPUT(f"Duplicate referenceId: {sub['referenceId']}")
        seen.add(sub["referenceId"])
    return requests


def record_url(url: str) -> tuple[str, str] | None:
    """``(sobject, id)`` when a subrequest URL names one record (its writes can be undone)."""
    match = _RECORD_URL.match(url.split("?", 1)[0])
    if match and ids.is_valid(match.group(2)):
        return match.group(1), ids.to18(match.group(2))
    return None


@dataclass
class Undo:
    """The writes of one composite request, to roll back if a later subrequest fails."""

    org: object
    steps: list[tuple[str, str, str, dict | None]] = field(default_factory=list)

    def before(self, sobject_name: str, record_id: str) -> dict | None:
        """A record's row as it is now (to restore after an update or delete)."""
        sobject = self.org.schema.get(sobject_name)
        return self.org.store.get(sobject, record_id, include_deleted=True) if sobject else None

    def created(self, sobject_name: str, record_id: str) -> None:
        """Remember a record this request created."""
        self.steps.append(("created", sobject_name, record_id, None))

    def changed(self, sobject_name: str, record_id: str, row: dict | None) -> None:
        """Remember a record this request updated or deleted, as it was before."""
        if row is not None:
            self.steps.append(("changed", sobject_name, record_id, row))

    def rollback(self) -> None:
        """Undo every remembered write, newest first."""
        store = self.org.store
        with store.write_lock:
            for kind, sobject_name, record_id, row in reversed(self.steps):
                sobject = self.org.schema.get(sobject_name)
                table = store.table(sobject)
                with store.engine.begin() as conn:
                    if kind == "created":
                        conn.execute(table.delete().where(table.c.Id == record_id))
                    else:
                        store.update(sobject, record_id,
                                     {k: v for k, v in row.items() if k != "Id"}, conn)
                        recycle_bin.restore_along(self.org, record_id, conn)
        self.steps.clear()
