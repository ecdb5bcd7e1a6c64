"""Start ``mock-salesforce serve`` as a separate process for benchmarks (client and server on
their own cores, as in real use) and read its banner."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import requests


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    ca: str | None
    control_secret: str = "bench-control"
    password: str = "bench-password"
    client_secret: str = "bench-secret"
    client_id: str = "3MVG9mock.connected.app.client.id"
    username: str = "admin@mock-salesforce.example.com"

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca or True
        return session

    def token(self) -> dict:
        return self.session().post(f"{self.url}/services/oauth2/token", data={
            "grant_type": "password", "client_id": self.client_id, "client_secret": self.client_secret,
            "username": self.username, "password": self.password}).json()

    def client(self):
        from simple_salesforce import Salesforce
        token = self.token()
        return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                          session=self.session())

    def write_syncer_config(self, path, cdp_url: str, extra: str = "") -> None:
        """A syncer configuration for this server: Contact and Account into ``cdp_url``."""
        path.write_text(f"""
[source]
login_url = "{self.url}"
client_id = "{self.client_id}"
client_secret = "{self.client_secret}"
ca_bundle = "{self.ca}"
[cdp]
url = "{cdp_url}"
[sync]
objects = ["Contact", "Account"]
{extra}""")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def serve(*args: str, tls: bool = True) -> Served:
    """Run the server on a free port until ``stop()``."""
    data_dir = tempfile.mkdtemp(prefix="bench-")
    command = [sys.executable, "-m", "mock_salesforce.cli", "serve", "--port", "0",
               "--data-dir", data_dir, "--password", "bench-password", "--client-secret",
               "bench-secret", "--control-secret", "bench-control", *args]
    if not tls:
        command.append("--no-tls")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    banner, deadline = "", time.time() + 600
    while time.time() < deadline:
        line = process.stdout.readline()
        banner += line
        if not line and process.poll() is not None:
            raise RuntimeError(f"server exited:\n{banner}")
        if "instance URL" in banner and ("NODE_EXTRA_CA_CERTS" in line or (not tls and "control secret" in banner)):
            break
    url = re.search(r"instance URL\s+(\S+)", banner).group(1)
    ca = re.search(r"CA certificate\s+(\S+)", banner)
    return Served(process, url, ca.group(1) if ca else None)
