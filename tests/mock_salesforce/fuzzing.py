"""Property-based fuzzing of the mock: requests generated from ``/_mock/openapi.json`` by
schemathesis, plus hypothesis strategies for JSON record bodies, SOQL and CSV.

Every answer must hold to the house rules (:func:`problems`): no 5xx (a SOAP fault is Salesforce's
own HTTP 500), no traceback or file path in a body, every error in its family's Salesforce shape,
no request slower than :data:`SLOW`. Runs are seeded (``derandomize``) so CI repeats them.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SLOW = 5.0  # seconds of wall time…
SLOW_CPU = 2.0  # …that are also seconds of this thread's CPU: a loaded CI machine is not a bug
HUNG = 20.0  # seconds of wall time, whatever the CPU
LEAKS = re.compile(r"Traceback \(most recent|File \"[^\"]+\.py\"|site-packages|/work/|"
                   r"\bsqlalchemy\.|sqlite3\.|psycopg")


@dataclass
class Tally:
    """Requests sent and problems found, per family."""

    requests: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def record(self, family: str, label: str, status: int, content_type: str, body: bytes,
               elapsed: tuple[float, float], path: str) -> None:
        """Count one answer and keep what is wrong with it."""
        self.requests[family] = self.requests.get(family, 0) + 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        for problem in problems(path, status, content_type, body, elapsed):
            if len(self.problems) < 50:
                self.problems.append(f"{label} -> {status}: {problem}: {body[:300]!r}")


def family_of(path: str) -> str:
    """The error family a path answers in."""
    if path.startswith("/services/async/"):
        return "bulk1"
    if path.startswith("/services/data"):
        return "rest"
    if path.startswith("/services/oauth2/") and not path.startswith("/services/oauth2/userinfo"):
        return "oauth"
    if path.startswith("/services/Soap/"):
        return "soap"
    if path.startswith("/_mock"):
        return "control"
    return "web"


def problems(path: str, status: int, content_type: str, body: bytes,
             elapsed: tuple[float, float]) -> list[str]:
    """What is wrong with one answer (empty when it is fine); ``elapsed`` is (wall, CPU) seconds."""
    found = []
    text = body.decode("utf-8", "replace")
    family = family_of(path)
    wall, cpu = elapsed
    if (wall > SLOW and cpu > SLOW_CPU or wall > HUNG) and path != "/_mock/reset":
        found.append(f"slow ({wall:.1f} s, {cpu:.1f} s CPU)")
    if LEAKS.search(text):
        found.append("traceback or internals in the body")
    if status >= 500 and not (family == "soap" and "<soapenv:Fault>" in text):
        found.append("server error")
    if status >= 400 and not _shaped(family, status, content_type, text, path):
        found.append(f"error not in the {family} shape")
    return found


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _rest_shaped(body: object) -> bool:
    return isinstance(body, list) and bool(body) and all(
        isinstance(e, dict) and isinstance(e.get("message"), str) and isinstance(e.get("errorCode"), str)
        for e in body)


def _oauth_shaped(body: object) -> bool:
    return isinstance(body, dict) and isinstance(body.get("error"), str) and \
        isinstance(body.get("error_description"), str)


def _shaped(family: str, status: int, content_type: str, text: str, path: str) -> bool:
    body = _json(text)
    if family == "rest":
        return _rest_shaped(body)
    if family == "oauth":
        if path.startswith(("/services/oauth2/authorize",)):
            return "html" in content_type or status in (302, 303)
        return _oauth_shaped(body)
    if family == "bulk1":
        if "json" in content_type:
            return isinstance(body, dict) and {"exceptionCode", "exceptionMessage"} <= set(body)
        return "<exceptionCode>" in text and "<exceptionMessage>" in text
    if family == "soap":
        return "<soapenv:Fault>" in text
    if family == "control" and path.startswith("/_mock/console") and \
            ("html" in content_type or status in (302, 303)):
        return True  # the console's pages answer in HTML; its JSON errors as below
    if family == "control":
        return (isinstance(body, dict) and isinstance(body.get("error"), str)) or _rest_shaped(body)
    # identity and web pages: HTML, OAuth's shape, a REST envelope or the identity service's bare 403
    return "html" in content_type or _oauth_shaped(body) or _rest_shaped(body) or \
        (status == 403 and text.strip() in ("", "Bad_OAuth_Token"))


def fuzz_schema(app, tally: Tally, headers: dict, *, tags: list[str], examples: int,
                exclude: Callable[[str, str], bool] = lambda method, path: False) -> None:
    """Send ``examples`` generated requests to every described operation with one of ``tags``."""
    schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if not set(operation.tags or []) & set(tags) or exclude(operation.method.upper(),
                                                                 operation.path):
            continue
        _run(operation.as_strategy(), examples, lambda case: _call(case, tally, headers))


def _call(case, tally: Tally, headers: dict) -> None:
    started, cpu = time.perf_counter(), time.thread_time()
    response = case.call(headers={**(case.headers or {}), **headers})
    elapsed = (time.perf_counter() - started, time.thread_time() - cpu)
    path = case.formatted_path
    content_type = response.headers.get("Content-Type") or response.headers.get("content-type") or ""
    if isinstance(content_type, list):  # schemathesis keeps every value of a header
        content_type = ";".join(content_type)
    tally.record(family_of(path), f"{case.method} {path}", response.status_code, content_type,
                 response.content, elapsed, path)


def _run(strategy, examples: int, call: Callable) -> None:
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value):
        call(value)

    run()


def drive(strategy, examples: int, call: Callable) -> None:
    """Call ``call`` with ``examples`` seeded values of ``strategy``."""
    _run(strategy, examples, call)


# -- hypothesis strategies for bodies the schema cannot describe well ---------------------------
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
                    st.sampled_from(["2024-01-02", "2024-01-02T03:04:05.000+0000", "0" * 300,
                                     "001000000000000AAA", "x" * 5000, "1e400", "\u0000", "😀"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)


def records(field_names: list[str]) -> st.SearchStrategy[dict]:
    """Record bodies: real field names (and some unknown ones) with any JSON values."""
    names = st.one_of(st.sampled_from(field_names), st.text(min_size=1, max_size=12))
    return st.dictionaries(names, JSON_VALUES, max_size=6)


def soql(fields: list[str], objects: list[str]) -> st.SearchStrategy[str]:
    """SOQL statements, mostly well-formed, with odd literals, nesting and clauses."""
    literal = st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12).map(
            lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(["null", "true", "false", "TODAY", "LAST_N_DAYS:5", "LAST_N_DAYS:99999999999",
                         "NEXT_N_FISCAL_YEARS:2147483647", "2024-01-01", "2024-01-01T00:00:00Z",
                         "'001000000000000AAA'", "(1,2)", "('a','b')", "THIS_QUARTER"]))
    operator = st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN",
                                "INCLUDES", "EXCLUDES"])
    field_name = st.one_of(st.sampled_from(fields), st.sampled_from(["Account.Name", "Owner.Id",
                                                                     "COUNT(Id)", "Nope__c"]))
    comparison = st.builds(lambda f, o, v: f"{f} {o} {v}", field_name, operator, literal)
    condition = st.recursive(comparison, lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} AND {b}", inner, inner),
        st.builds(lambda a, b: f"({a} OR {b})", inner, inner),
        inner.map(lambda c: f"NOT ({c})")), max_leaves=8)
    tail = st.one_of(st.just(""), st.integers(min_value=-5, max_value=2**66).map(lambda n: f" LIMIT {n}"),
                     st.integers(min_value=0, max_value=2**40).map(lambda n: f" OFFSET {n}"),
                     st.sampled_from([" ORDER BY Id DESC NULLS LAST", " GROUP BY Name",
                                      " LIMIT 5 OFFSET 2", " FOR UPDATE", " ORDER BY"]))
    return st.builds(lambda fs, obj, where, end: f"SELECT {', '.join(fs)} FROM {obj}"
                     + (f" WHERE {where}" if where else "") + end,
                     st.lists(field_name, min_size=1, max_size=3), st.sampled_from(objects),
                     st.one_of(st.none(), condition), tail)


def csv_bodies(headers: list[str]) -> st.SearchStrategy[bytes]:
    """CSV uploads: a header of real and odd columns, then rows of odd cells."""
    cell = st.one_of(st.text(max_size=15), st.sampled_from(['"', '""', "a,b", "\n", "#N/A",
                                                            "2024-13-45", "x" * 300]))
    header = st.lists(st.one_of(st.sampled_from(headers), st.text(max_size=8)), min_size=1,
                      max_size=4)

    def render(columns, rows):
        lines = [",".join(columns)] + [",".join(_quote(c) for c in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")

    return st.builds(render, header, st.lists(st.lists(cell, min_size=1, max_size=4), max_size=4))


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


def json_operations(document: dict, values: dict, overrides: dict) -> list[tuple[str, str]]:
    """(method, path) of every described operation that takes a JSON body, its path parameters
    filled from ``values`` (``overrides``: a path fragment → the job id to use there)."""
    operations = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content or template.endswith("/reset"):
                continue
            path = template
            for fragment, job_id in overrides.items():
                if fragment in path:
                    path = path.replace("{job_id}", job_id)
            path = re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "x"), path)
            operations.append((method.upper(), path))
    return operations
