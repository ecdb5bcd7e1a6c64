"""``mock-salesforce serve`` as a user runs it: banner, TLS, generated vs given secrets, persistence."""
import os
import re
import subprocess
import sys
import time

import pytest
import requests


def start(tmp_path, *args, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_salesforce.cli", "serve", "--port", "0",
         "--data-dir", str(tmp_path / "data"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
    lines = []
    deadline = time.time() + 20
    while time.time() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "NODE_EXTRA_CA_CERTS" in line or "control secret" in line and "--no-tls" in args:
            break
        if not line and process.poll() is not None:
            break
    return process, "".join(lines)


@pytest.fixture
def stop():
    processes = []
    yield processes.append
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def url_of(banner):
    return re.search(r"instance URL\s+(\S+)", banner).group(1)


def test_banner_prints_what_a_user_needs_and_only_generated_secrets(tmp_path, stop):
    process, banner = start(tmp_path, "--password", "given-password")
    stop(process)
    assert "given-password" not in banner
    assert "client secret" in banner and "(generated; kept in" in banner
    assert re.search(r"export REQUESTS_CA_BUNDLE=\S+ca-bundle\.pem", banner)
    assert url_of(banner).startswith("https://127.0.0.1:")


def test_server_answers_over_tls_with_its_ca(tmp_path, stop):
    process, banner = start(tmp_path, "--password", "pw", "--client-secret", "cs")
    stop(process)
    ca = re.search(r"CA certificate\s+(\S+)", banner).group(1)
    response = requests.post(f"{url_of(banner)}/services/oauth2/token", verify=ca, data={
        "grant_type": "password", "client_id": "3MVG9mock.connected.app.client.id",
        "client_secret": "cs", "username": "admin@mock-salesforce.example.com", "password": "pw"})
    assert response.status_code == 200 and response.json()["instance_url"] == url_of(banner)


def test_options_come_from_environment_variables(tmp_path, stop):
    process, banner = start(tmp_path, "--no-tls", env={"MOCK_SALESFORCE_USERNAME": "env@example.com",
                                                      "MOCK_SALESFORCE_ORG_NAME": "Env Org"})
    stop(process)
    assert "env@example.com" in banner and "Env Org" in banner and url_of(banner).startswith("http://")


def test_data_survives_restart_with_db(tmp_path, stop):
    db = str(tmp_path / "org.db")
    common = ("--db", db, "--password", "pw", "--client-secret", "cs", "--no-tls")
    form = {"grant_type": "password", "client_id": "3MVG9mock.connected.app.client.id",
            "client_secret": "cs", "username": "admin@mock-salesforce.example.com", "password": "pw"}
    process, banner = start(tmp_path, *common)
    token = requests.post(f"{url_of(banner)}/services/oauth2/token", data=form).json()
    created = requests.post(f"{url_of(banner)}/services/data/v59.0/sobjects/Account",
                            headers={"Authorization": f"Bearer {token['access_token']}"},
                            json={"Name": "Persisted"}).json()["id"]
    process.terminate()
    process.wait(timeout=10)
    process, banner = start(tmp_path, *common)
    stop(process)
    token = requests.post(f"{url_of(banner)}/services/oauth2/token", data=form).json()
    body = requests.get(f"{url_of(banner)}/services/data/v59.0/sobjects/Account/{created}",
                        headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert body["Name"] == "Persisted"


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "mock_salesforce.cli", "serve", "--no-tls",
                                 "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_log_requests_prints_one_line_per_request(tmp_path, stop):
    import contextlib
    import queue
    import threading
    process, banner = start(tmp_path, "--password", "pw", "--client-secret", "cs", "--log-requests")
    stop(process)
    ca = re.search(r"CA certificate\s+(\S+)", banner).group(1)
    requests.post(f"{url_of(banner)}/services/oauth2/token", verify=ca, data={
        "grant_type": "password", "client_id": "3MVG9mock.connected.app.client.id",
        "client_secret": "cs", "username": "admin@mock-salesforce.example.com", "password": "wrong"})
    requests.get(f"{url_of(banner)}/services/data/v59.0/sobject", verify=ca)
    received = queue.Queue()
    threading.Thread(target=lambda: [received.put(line) for line in process.stdout], daemon=True).start()
    lines = []
    with contextlib.suppress(queue.Empty):
        while len(lines) < 2:
            line = received.get(timeout=10)
            if "→" in line:
                lines.append(line)
    assert re.search(r"POST /services/oauth2/token → 400 invalid_grant \d+ms", lines[0]), lines
    assert re.search(r"GET /services/data/v59.0/sobject → 401 INVALID_SESSION_ID", lines[1]), lines
    assert "pw" not in "".join(lines)
