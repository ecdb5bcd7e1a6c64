"""The README's quick starts run as pasted: every block marked ``<!-- readme-test: KIND -->``.

One ``mock-salesforce serve`` started with the README's own command (on a free port instead of
8443, in a scratch directory that plays the repository root), then each marked block in order:
``sh`` and ``syncer`` blocks through bash, ``python`` blocks through Python, ``js`` through Node
with the jsforce that ``scripts/install-test-deps.sh`` installs. The console scripts ``syncer``
and ``mock-salesforce`` run this checkout's code (``python -m``), whatever is installed.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MARKED = re.compile(r"<!-- readme-test: (\w+) -->\n```\w*\n(.*?)```", re.S)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
SHIMS = (f'syncer() {{ {shlex.quote(sys.executable)} -m syncer.cli "$@"; }}\n'
         f'mock-salesforce() {{ {shlex.quote(sys.executable)} -m mock_salesforce "$@"; }}\n')


def blocks(kind: str) -> list[str]:
    return [code for found, code in MARKED.findall(README) if found == kind]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """The README's standalone mock, running in a scratch directory; yields (dir, port, env)."""
    command = re.search(r"^mock-salesforce serve --seed 50 --password .*$", README, re.M).group(0)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    here = tmp_path_factory.mktemp("readme")
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               REQUESTS_CA_BUNDLE=str(here / ".mock-salesforce/tls/ca-bundle.pem"),
               NODE_EXTRA_CA_CERTS=str(here / ".mock-salesforce/tls/ca.pem"),
               NODE_PATH=str(ROOT / "tests/jsforce/node_modules"))
    args = shlex.split(command)[1:] + ["--port", str(port)]
    server = subprocess.Popen([sys.executable, "-m", "mock_salesforce", *args], cwd=here, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in server.stdout:
        if line.startswith("Ready.") or "Error" in line:
            break
    assert server.poll() is None, line
    yield here, port, env
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=15) == 130


def run(quickstart, argv: list[str], code: str) -> str:
    here, port, env = quickstart
    code = code.replace("127.0.0.1:8443", f"127.0.0.1:{port}")
    done = subprocess.run([*argv, code], cwd=here, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def test_every_quick_start_kind_is_marked():
    assert len(blocks("sh")) == 1 and len(blocks("python")) == 3
    assert len(blocks("js")) == 1 and len(blocks("syncer")) == 1


def test_curl(quickstart):
    assert '"totalSize":3' in run(quickstart, ["bash", "-ec"], blocks("sh")[0]).replace(" ", "")


def test_simple_salesforce_by_token_and_by_password(quickstart):
    by_token, by_password = blocks("python")[:2]
    assert run(quickstart, [sys.executable, "-c"], by_token).strip().endswith(" contacts")
    assert run(quickstart, [sys.executable, "-c"], by_password).strip()


def test_drop_in_patch(quickstart):
    assert run(quickstart, [sys.executable, "-c"], blocks("python")[2]).strip() == "1"


def test_jsforce(quickstart):
    assert (ROOT / "tests/jsforce/node_modules/jsforce").exists(), "run scripts/install-test-deps.sh"
    assert run(quickstart, ["node", "-e"], blocks("js")[0]).strip() == "2 accounts"


def test_syncer_against_the_mock(quickstart):
    out = run(quickstart, ["bash", "-ec"], SHIMS + blocks("syncer")[0])
    assert "wrote syncer.toml" in out and "Connected data source 1" in out
    assert re.search(r"5 of \d+ people", out), out
    assert re.search(r"Contact\s+│\s+\d+\s+│\s+created \d+", out), out


def test_control_plane_examples(quickstart):
    """docs/mock-control-plane.md's curl examples, against the same server (curl fails on 4xx)."""
    doc = (ROOT / "docs/mock-control-plane.md").read_text()
    examples = re.findall(r"```sh\n(.*?)```", doc, re.S)
    assert len(examples) == 4
    out = run(quickstart, ["bash", "-ec"], "\n".join(examples))
    assert '"offsetSeconds":3600' in out.replace(" ", "") and '"keyPrefix"' not in out
    assert '"refresh_token_policy":"idle"' in out.replace(" ", "")
