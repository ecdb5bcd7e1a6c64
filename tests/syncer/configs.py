"""The syncer's configuration in tests against the mock org: one place writes its tables.

``document`` is the configuration file (as the dict TOML parses to) of a syncer that reaches an
org (a ``salesforce_org`` fixture or a served mock) and keeps its CDP and state in one folder;
``write`` puts it in a file for the ``syncer`` commands; ``connected`` builds that syncer and
connects it as the org's user, as ``syncer connect`` would.
"""
from __future__ import annotations

import json
from pathlib import Path

from syncer.config import from_dict
from syncer.salesforce import Credentials
from syncer.service import Syncer, wall_clock


def document(org, folder: Path, **tables) -> dict:
    """A configuration reaching ``org`` with its CDP (``cdp.db``) and state under ``folder``, of
    Contact only; the ``source``, ``cdp`` and ``sync`` given add to those tables, other tables
    (``custom_objects``, ``filters``…) stand as given."""
    config = org.config
    base = {"source": {"login_url": org.url, "client_id": config.client_id,
                       "client_secret": config.client_secret, "ca_bundle": str(org.ca_path)},
            "cdp": {"url": f"sqlite:///{folder / 'cdp.db'}"},
            "sync": {"objects": ["Contact"], "state_dir": str(folder / "state")}}
    return {**{name: {**table, **tables.pop(name, {})} for name, table in base.items()}, **tables}


def toml(table: dict, prefix: str = "") -> str:
    """A document as TOML text: strings, numbers, booleans and lists of them (a JSON string or
    list is a TOML one), in tables and sub-tables."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in table.items() if not isinstance(value, dict)]
    lines += [f"[{prefix}{key}]\n{toml(value, f'{prefix}{key}.')}" for key, value in table.items()
              if isinstance(value, dict)]
    return "\n".join(lines)


def write(path: Path, org, folder: Path, **tables) -> Path:
    """``document(org, folder, **tables)`` written to ``path`` as a ``syncer`` configuration file."""
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(toml(document(org, folder, **tables)) + "\n")
    return path


def credentials(org) -> Credentials:
    """The org's own user and connected app, as ``syncer connect`` stores them."""
    config = org.config
    return Credentials(instance_url=org.url, login_url=org.url, client_id=config.client_id,
                       client_secret=config.client_secret, username=config.username,
                       password=config.password)


def connected(org, folder: Path, clock=wall_clock, **tables) -> Syncer:
    """A syncer of ``document(org, folder, **tables)`` on ``clock``, connected to ``org``;
    close it when done."""
    folder.mkdir(parents=True, exist_ok=True)
    service = Syncer(from_dict(document(org, folder, **tables)), clock=clock)
    service.connect(credentials(org))
    return service
