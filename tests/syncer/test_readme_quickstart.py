"""The README's syncer quick-start, run as written: ``serve`` in one process, then the four
commands in a shell (issue 14). Only the port changes (a free one, so parallel runs never meet);
``syncer`` and ``mock-salesforce`` run this checkout's code."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def quickstart_blocks() -> list[str]:
    """The shell blocks of the section "Quick start: the syncer against the mock"."""
    text = README.read_text()
    section = text.split("### Quick start: the syncer against the mock", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_quickstart_runs_as_pasted(tmp_path):
    serve_block, commands = quickstart_blocks()
    assert serve_block.startswith("mock-salesforce serve") and len(commands.strip().splitlines()) == 4
    port = str(free_port())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, module in (("syncer", "syncer.cli"), ("mock-salesforce", "mock_salesforce.cli")):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        script.chmod(0o755)
    root = str(README.parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SYNCER_CONFIG"):
        env.pop(variable, None)  # a newcomer's shell trusts nothing of the mock's yet
    serve = subprocess.Popen(["sh", "-c", "exec " + serve_block.strip().replace("8443", port)], cwd=tmp_path,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = []
        deadline = time.monotonic() + 120
        while not any("client id" in line for line in banner):
            line = serve.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(banner)
            banner.append(line)
        result = subprocess.run(["sh", "-ec", commands.replace("8443", port)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert "wrote syncer.toml" in result.stdout and "Connected data source 1" in result.stdout
        assert "poll: ok" in result.stdout
        assert re.search(r"5 of \d+ people", result.stdout), result.stdout
    finally:
        serve.terminate()
        serve.wait(timeout=30)
