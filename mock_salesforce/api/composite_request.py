"""``/composite`` and ``/composite/graph``: several REST calls in one request.

Each subrequest is sent through this same app (so it is answered exactly as on its own), with
the caller's token; the whole request counts as one API call. The rules — references between
subrequests, limits, undoing the writes of a rolled-back request — live in
:mod:`mock_salesforce.backend.composite_request`.

Not emulated: ``collateSubrequests``, ``httpHeaders`` sent by the caller (beyond what the
subrequest's own call reads), and the 5-query limit within 25 subrequests.
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..backend.composite_request import (MAX_GRAPHS, ROLLED_BACK, InvalidReference, Undo,
                                         check_subrequests, record_url, resolve)
from .common import json_body, org
from .data import SUBREQUEST

bp = Blueprint("composite_request", __name__, url_prefix="/services/data/<version>/composite")


@bp.post("")
def composite(version):
    """Run ``compositeRequest`` in order: ``{"compositeResponse": [{body, httpHeaders,
    httpStatusCode, referenceId}]}``; with ``allOrNone`` a failure rolls back the others."""
    body = json_body()
    subrequests = check_subrequests(body)
    answers, _ok = _run(subrequests, bool(body.get("allOrNone", False)))
    return jsonify({"compositeResponse": answers})


@bp.post("/graph")
def graph(version):
    """Run each graph as one all-or-none composite request: ``{"graphs": [{graphId,
    graphResponse: {compositeResponse}, isSuccessful}]}``."""
    body = json_body()
    graphs = body.get("graphs") if isinstance(body, dict) else None
    if not isinstance(graphs, list) or not graphs:
        raise errors.JSON_PARSER_ERROR("graphs: a non-empty list of graphs is required")
    if len(graphs) > MAX_GRAPHS:
        raise errors.INVALID_INPUT(f"At most {MAX_GRAPHS} graphs are allowed")
    results = []
    for item in graphs:
        if not isinstance(item, dict) or not item.get("graphId"):
            raise errors.JSON_PARSER_ERROR("Each graph needs a graphId and a compositeRequest")
        answers, ok = _run(check_subrequests(item), all_or_none=True)
        results.append({"graphId": item["graphId"],
                        "graphResponse": {"compositeResponse": answers}, "isSuccessful": ok})
    return jsonify({"graphs": results})


def _run(subrequests: list[dict], all_or_none: bool) -> tuple[list[dict], bool]:
    """Every subrequest's answer, in order, and whether all succeeded."""
    undo, answers, bodies = Undo(org()), [], {}
    for sub in subrequests:
        reference = sub["referenceId"]
        try:
            url = resolve(str(sub["url"]), bodies)
            payload = resolve(sub.get("body"), bodies)
        except InvalidReference as bad:
            answers.append(_answer(reference, 400, [errors.PROCESSING_HALTED(str(bad)).to_dict()]))
            if all_or_none:
                return _halt(undo, answers, subrequests), False
            continue
        url = url if url.startswith("/") else "/" + url
        method = str(sub["method"]).upper()
        target = record_url(url) if method in ("PATCH", "DELETE") else None
        before = undo.before(*target) if target else None
        response = _send(method, url, payload)
        answer_body = json.loads(response.get_data()) if response.get_data().strip() else None
        headers = {"Location": response.headers["Location"]} if "Location" in response.headers else {}
        answers.append(_answer(reference, response.status_code, answer_body, headers))
        if response.status_code >= 400:
            if all_or_none:
                return _halt(undo, answers, subrequests), False
            continue
        bodies[reference] = answer_body
        if method == "POST" and isinstance(answer_body, dict) and "/sobjects/" in url and \
                answer_body.get("id"):
            undo.created(url.rstrip("/").rsplit("/", 1)[-1], answer_body["id"])
        elif target:
            undo.changed(*target, before)
    return answers, all(a["httpStatusCode"] < 400 for a in answers)


def _send(method: str, url: str, payload: object):
    """One subrequest through this app, with the caller's token and host."""
    headers = {"Authorization": request.headers.get("Authorization", "")}
    with current_app.test_client() as client:
        return client.open(url, method=method, headers=headers, base_url=request.host_url,
                           json=payload if payload is not None else None,
                           environ_base={SUBREQUEST: True})


def _answer(reference: str, status: int, body: object, headers: dict | None = None) -> dict:
    return {"body": body, "httpHeaders": headers or {}, "httpStatusCode": status,
            "referenceId": reference}


def _halt(undo: Undo, answers: list[dict], subrequests: list[dict]) -> list[dict]:
    """All or none: roll back, and every other subrequest says the transaction was rolled back."""
    undo.rollback()
    failed = answers[-1]["referenceId"]
    halted = [errors.PROCESSING_HALTED(ROLLED_BACK).to_dict()]
    return [a if a is not None and a["referenceId"] == failed else _answer(s["referenceId"], 400, halted)
            for a, s in zip(answers + [None] * (len(subrequests) - len(answers)), subrequests)]
