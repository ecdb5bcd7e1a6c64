"""Configuration of a mock server: the same dataclass serves the CLI, the test server and tests."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_USERNAME = "admin@mock-salesforce.example.com"
DEFAULT_CLIENT_ID = "3MVG9mock.connected.app.client.id"
SYNCER_CALLBACK_URL = "http://127.0.0.1:8765/callback"  # the reference syncer's default redirect URI


@dataclass
class MockConfig:
    """Everything that shapes a mock org. Unset secrets are generated (and reported as generated)."""

    db_url: str | None = None
    data_dir: Path = Path(".mock-salesforce")
    org_name: str = "Mock Org"
    sandbox: bool = False
    username: str = DEFAULT_USERNAME
    password: str | None = None
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str | None = None
    app_name: str = "Mock Integration"
    callback_urls: list[str] = field(default_factory=list)
    session_timeout: int = 7200
    seed: int = 0
    seed_random: int = 1
    schema: list[str] = field(default_factory=list)
    api_limit: int = 100_000
    control_secret: str | None = None
    id_seed: int = 0
    journal: bool = True          # keep a request journal per org (``/_mock/orgs/{org}/requests``)
    journal_size: int = 1_000     # entries kept per org; the oldest fall out
    log_requests: bool = False    # print one line per request (``serve --log-requests``)
    # patch()'s leniency: any username, password, token and client log in as this admin
    any_credentials: bool = False
    generated: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        for name in ("password", "client_secret", "control_secret"):
            if getattr(self, name) is None:
                setattr(self, name, secrets.token_urlsafe(12))
                self.generated.add(name)


SECRETS_FILE = "credentials.json"


def remember_generated_secrets(config: MockConfig) -> Path:
    """Keep generated secrets in ``data_dir/credentials.json`` (mode 0600) and reuse them.

    The first run stores what it generated; later runs with the same data directory take those
    values instead of generating new ones, so a restart (with ``--db``, or the exports a user
    pasted) keeps working credentials. A value given on the command line is never stored.
    Raises ``OSError`` when the data directory cannot be written.
    """
    path = config.data_dir / SECRETS_FILE
    try:
        stored = json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        raise ValueError(f"{path} is not valid JSON: delete it to generate new secrets") from None
    for name in sorted(config.generated):
        if isinstance(stored.get(name), str) and stored[name]:
            setattr(config, name, stored[name])
        else:
            stored[name] = getattr(config, name)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(stored, indent=2) + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)
    return path
