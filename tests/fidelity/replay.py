"""Replay one corpus entry against a running mock server and compare the answer by shape.

An entry's request may name values only known at replay time as ``{{name}}``: the logged-in
session's ``access_token``, ``instance_url``, ``identity_url``, ``client_id``, ``client_secret``,
``username``, ``password``, and whatever its ``setup`` steps captured (``"as": "acc"`` with
``"take": "id"`` stores the ``id`` of that step's JSON answer as ``{{acc}}``). A setup step with
``"until"`` is repeated (briefly) until its answer holds those values: a Bulk job that completes.

Run ``python -m tests.fidelity.replay`` to print every entry's result against a fresh mock (the
figure the README's fidelity table is checked against).
"""
from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import requests

from . import shape
from .corpus import Entry, load

_VAR = re.compile(r"\{\{(\w+)\}\}")


class SetupFailed(Exception):
    """A setup step was refused (or never reached its state): the entry cannot be replayed."""


@dataclass
class Outcome:
    """What the mock answered to one entry, and how it differs from the recording."""

    entry: Entry
    status: int
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def session_vars(server) -> dict[str, str]:
    """The values an entry may refer to, for a fresh password-grant session of the mock's admin."""
    config = server.config
    token = server.token()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return {"access_token": token["access_token"], "instance_url": token["instance_url"],
            "identity_url": token["id"], "org_key": server.registry.default_org.key,
            "control_secret": config.control_secret, "client_id": config.client_id,
            "client_secret": config.client_secret, "username": config.username,
            "password": config.password,
            # a replication window the org accepts: the last day, up to a minute from now
            "since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}


def replay(entry: Entry, server, variables: dict[str, str] | None = None) -> Outcome:
    """Send the entry's setup and request to ``server``; compare status, headers and body shape."""
    values = dict(variables or session_vars(server))
    http = server.session()
    try:
        for step in entry.setup:
            _run_setup(http, server.url, step, values)
    except SetupFailed as failure:
        return Outcome(entry, 0, [f"setup failed: {failure}"])
    response = _send(http, server.url, entry.request, values)
    return Outcome(entry, response.status_code, differences(entry, response))


def differences(entry: Entry, response: requests.Response) -> list[str]:
    """Every way ``response`` differs from the entry's recorded shape."""
    expect = entry.expect
    lines = []
    if response.status_code != expect["status"]:
        lines.append(f"status: real {expect['status']}, mock {response.status_code}")
    for name, want in expect.get("headers", {}).items():
        got = response.headers.get(name)
        problem = _header_problem(want, got)
        if problem:
            lines.append(f"header {name}: {problem}")
    lines.extend(shape.compare(expect.get("body", {}), body_shape(expect.get("kind", "json"), response)))
    return lines


def body_shape(kind: str, response: requests.Response) -> dict[str, str]:
    """The shape of a response body read as ``kind`` (json, csv, xml or empty)."""
    text = response.text
    if kind == "empty":
        return {} if not text.strip() else {"$": "unexpected body"}
    try:
        if kind == "csv":
            return shape.of_csv(text)
        if kind == "xml":
            return shape.of_xml(text)
        return shape.of_json(json.loads(text)) if text.strip() else {"$": "no body"}
    except ValueError:
        return {"$": f"not {kind}: {text[:80]!r}"}


def _header_problem(want: str, got: str | None) -> str | None:
    if want == "absent":
        return None if got is None else f"real absent, mock {got!r}"
    if got is None:
        return "missing"
    if want.startswith("="):
        return None if got == want[1:] else f"real {want[1:]!r}, mock {got!r}"
    if want.startswith("~"):
        return None if re.fullmatch(want[1:], got) else f"real /{want[1:]}/, mock {got!r}"
    if want == "present":
        return None
    kind = shape.token(got)
    return None if kind == want else f"real {want}, mock {kind} ({got!r})"


def _run_setup(http: requests.Session, base: str, step: dict, values: dict[str, str]) -> None:
    if "load" in step:  # many records at once, through the control plane
        step = {"request": {"method": "POST", "auth": "control",
                            "path": f"/_mock/orgs/{{{{org_key}}}}/records/{step['load']}",
                            "json": {"records": [dict(step["fields"]) for _ in range(step["count"])]}}}
    deadline = time.monotonic() + 5
    while True:
        response = _send(http, base, step["request"], values)
        if response.status_code >= 400:
            raise SetupFailed(f"{step['request']['method']} {step['request']['path']}: "
                              f"{response.status_code} {response.text[:200]}")
        body = _parsed(response.text)
        until = step.get("until", {})
        if all(_dig(body, key) == value for key, value in until.items()):
            break
        if time.monotonic() > deadline:
            raise SetupFailed(f"{step['request']['path']} never reached {until}: {str(body)[:200]}")
        time.sleep(0.05)
    if "as" in step:
        values[step["as"]] = str(_dig(body, step.get("take", "id")))


def _parsed(text: str) -> Any:
    """A setup answer as data: JSON, or an XML document's leaf elements by name (Bulk 1.0)."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return {}
    return {e.tag.rsplit("}", 1)[-1]: e.text for e in root.iter() if len(e) == 0}


def _dig(body: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        body = body[int(part)] if isinstance(body, list) else body.get(part)
    return body


def _send(http: requests.Session, base: str, request: dict, values: dict[str, str]) -> requests.Response:
    request = _substitute(request, values)
    headers = dict(request.get("headers", {}))
    auth = request.get("auth", "bearer")
    if auth == "bearer":
        headers.setdefault("Authorization", f"Bearer {values['access_token']}")
    elif auth == "invalid":
        headers["Authorization"] = "Bearer 00Dxx0000000000!not-a-session"
    elif auth == "session":  # Bulk API 1.0 sends the session in its own header
        headers["X-SFDC-Session"] = values["access_token"]
    elif auth == "control":  # the mock's own control plane, to arrange the org (custom objects)
        headers["X-Mock-Secret"] = values["control_secret"]
    url = request["path"] if request["path"].startswith("http") else base + request["path"]
    kwargs: dict[str, Any] = {"headers": headers, "params": request.get("params"), "timeout": 30}
    if "json" in request:
        kwargs["data"] = json.dumps(request["json"])
        headers.setdefault("Content-Type", "application/json")
    elif "form" in request:
        kwargs["data"] = request["form"]
    elif "body" in request:
        kwargs["data"] = request["body"].encode()
    return http.request(request["method"], url, **kwargs)


def _substitute(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, values) for k, v in value.items()}
    return value


def main() -> int:
    """Replay every entry against a fresh mock; print one line per entry and the figures."""
    import tempfile
    from pathlib import Path

    from mock_salesforce.config import MockConfig
    from mock_salesforce.server import MockServer

    with tempfile.TemporaryDirectory() as tmp:
        config = MockConfig(data_dir=Path(tmp), db_url=str(Path(tmp) / "org.db"),
                            password="pw", client_secret="secret", control_secret="control")
        with MockServer(config) as server:
            outcomes = []
            for entry in load():
                server.registry.reset()
                outcomes.append(replay(entry, server))
    for outcome in outcomes:
        mark = "match" if outcome.matches else "DIFF "
        print(f"{mark} {outcome.entry.id}: {'; '.join(outcome.differences)[:300]}")
    matched = sum(o.matches for o in outcomes)
    print(f"{matched}/{len(outcomes)} entries match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
