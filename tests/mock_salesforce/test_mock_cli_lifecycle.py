"""``mock-salesforce serve`` started and stopped as a user does: signals, Ctrl-C in a terminal,
exit codes, the temporary database, kept secrets, and one-line errors."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
import requests

CLI = [sys.executable, "-m", "mock_salesforce"]


def serve(tmp_path, *args, env=None):
    """Start ``serve`` on a free port; return the process and its banner (up to "Ready.")."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    process = subprocess.Popen([*CLI, "serve", "--port", "0", "--data-dir", str(tmp_path / "data"),
                                *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "TMPDIR": str(tmp), **(env or {})})
    banner, deadline = "", time.time() + 60
    while time.time() < deadline:
        line = process.stdout.readline()
        banner += line
        if line.startswith("Ready.") or (not line and process.poll() is not None):
            break
    return process, banner


def url_of(banner):
    return re.search(r"instance URL\s+(\S+)", banner).group(1)


def port_is_free(port):
    """Whether a new server can listen on ``port`` (SO_REUSEADDR as servers set it: closed
    connections may linger in TIME_WAIT, a listening socket may not)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sigterm_stops_the_server_releases_the_port_and_removes_the_temporary_db(tmp_path):
    process, banner = serve(tmp_path, "--no-tls", "--seed", "600")
    assert "Ready." in banner, banner
    for done in (0, 500, 600):  # --seed shows progress with its total (lines when not a terminal)
        assert f"seeding demo org: {done} of 600 accounts" in banner
    assert re.search(r"callback URLs\s+http://127\.0\.0\.1:8765/callback", banner)
    console = re.search(r"console\s+(\S+\?secret=\S+)", banner).group(1)
    assert requests.get(console, timeout=5).status_code == 200
    port = int(url_of(banner).rsplit(":", 1)[1])
    assert requests.get(f"{url_of(banner)}/services/data", timeout=5).status_code == 200
    assert list((tmp_path / "tmp").glob("mock-salesforce-*")), "the org lives in a temporary dir"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 143
    assert time.monotonic() - started < 5
    assert "released port" in process.stdout.read()
    assert port_is_free(port)
    assert not list((tmp_path / "tmp").glob("mock-salesforce-*"))


def test_the_first_ctrl_c_in_a_terminal_stops_it(tmp_path):
    """Ctrl-C typed into a real terminal (a pty), with a keep-alive client connected."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with socket.socket() as free:  # a fixed port, as users run it (cheroot sets SO_REUSEADDR then)
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    child = pexpect.spawn(CLI[0], [*CLI[1:], "serve", "--port", str(port), "--seed", "600",
                                   "--data-dir", str(tmp_path / "data")],
                          env={**os.environ, "TMPDIR": str(tmp)}, encoding="utf-8", timeout=30)
    child.expect(r"seeding demo org: accounts.*600/600")  # a progress bar on a terminal
    child.expect("Ready.")
    banner = child.before
    url = url_of(banner)
    bundle = Path(re.search(r"export REQUESTS_CA_BUNDLE=(\S+)", banner).group(1))
    ca = Path(re.search(r"CA certificate\s+(\S+)", banner).group(1))
    assert ca.read_bytes() in bundle.read_bytes()
    assert bundle.stat().st_size > ca.stat().st_size * 10, "the system's CAs are in the bundle too"
    assert "REQUESTS_CA_BUNDLE override" in banner
    session = requests.Session()  # keeps its connection open: Ctrl-C must not wait for it
    assert session.get(f"{url}/services/data", verify=str(bundle), timeout=5).status_code == 200
    child.sendintr()
    child.expect("released port", timeout=5)
    child.expect(pexpect.EOF, timeout=5)
    child.close()
    assert child.exitstatus == 130
    session.close()  # (a client still holding its end keeps the server's end in FIN_WAIT2)
    assert port_is_free(port), "a restart on the same port works at once"
    assert not list(tmp.glob("mock-salesforce-*"))


def test_ctrl_c_while_seeding_stops_at_once_and_cleans_up(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = subprocess.Popen([*CLI, "serve", "--port", "0", "--no-tls", "--seed", "20000",
                                "--data-dir", str(tmp_path / "data")], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env={**os.environ, "TMPDIR": str(tmp)})
    first = process.stdout.readline()
    assert "seeding demo org: 0 of 20,000 accounts" in first
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 130
    assert "stopped before the org was ready" in process.stdout.read()
    assert not list(tmp.glob("mock-salesforce-*"))


def test_generated_secrets_are_kept_so_a_restart_with_db_keeps_working_credentials(tmp_path):
    db = tmp_path / "org.db"
    process, banner = serve(tmp_path, "--no-tls", "--db", str(db))
    password = re.search(r"password\s+(\S+)", banner).group(1)
    secret = re.search(r"client secret\s+(\S+)", banner).group(1)
    process.terminate()
    process.wait(timeout=10)
    kept = json.loads((tmp_path / "data" / "credentials.json").read_text())
    assert kept["password"] == password and kept["client_secret"] == secret
    assert oct((tmp_path / "data" / "credentials.json").stat().st_mode & 0o777) == "0o600"
    assert "kept in" in banner and "for restarts" in banner

    process, banner = serve(tmp_path, "--no-tls", "--db", str(db), "--callback-url",
                            "https://app.example/cb")
    try:
        assert re.search(r"callback URLs\s+https://app\.example/cb\n", banner)
        assert re.search(r"password\s+(\S+)", banner).group(1) == password
        response = requests.post(f"{url_of(banner)}/services/oauth2/token", timeout=5, data={
            "grant_type": "password", "client_id": "3MVG9mock.connected.app.client.id",
            "client_secret": secret, "username": "admin@mock-salesforce.example.com",
            "password": password})
        assert response.status_code == 200, response.text
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert db.exists(), "a --db file is the user's: it stays"


def run(*args, tmp_path):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TMPDIR": str(tmp_path)})


@pytest.mark.parametrize("args, message", [
    (("--seed", "-5"), "Error: --seed must be 0 or more (got -5)"),
    (("--db", "{tmp}/missing/org.db"), "directory {tmp}/missing does not exist"),
    (("--db", "{tmp}"), "is a directory"),
    (("--data-dir", "{tmp}/file/data"), "cannot use --data-dir {tmp}/file/data"),
])
def test_configuration_errors_are_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "file").write_text("a file, not a directory")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), *args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert message.replace("{tmp}", str(tmp_path)) in result.stderr


def test_a_busy_port_is_one_line_exit_2_and_leaves_no_temporary_db(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--no-tls", "--port", str(port), "--data-dir", str(tmp_path / "d"),
                     tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use "
                                     f"(choose another --port; 0 picks a free one)")
    assert not list(tmp_path.glob("mock-salesforce-*"))


def test_version_and_python_dash_m(tmp_path):
    result = run("--version", tmp_path=tmp_path)
    assert result.returncode == 0 and re.fullmatch(r"mock-salesforce, version \d+\.\d+\.\d+\S*\n",
                                                   result.stdout)
    assert "Usage: mock-salesforce" in run("--help", tmp_path=tmp_path).stdout


def test_help_does_not_import_the_server():
    code = ("import sys; from click.testing import CliRunner; from mock_salesforce.cli import main;"
            "CliRunner().invoke(main, ['serve', '--help']);"
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'trustme', 'faker', 'rich') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
