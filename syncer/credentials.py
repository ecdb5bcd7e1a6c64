"""Where a data source's OAuth tokens live: one JSON file per data source, readable by its owner
only (mode 0600, in a 0700 folder). Tokens are never printed or logged."""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from .config_error import ConfigurationError
from .salesforce import Credentials


def _path(state_dir: Path, source_id: int) -> Path:
    return Path(state_dir) / "credentials" / f"source-{source_id}.json"


def check_writable(state_dir: Path) -> None:
    """Refuse, before anything is connected, a state folder the tokens could not be written to."""
    folder = Path(state_dir) / "credentials"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".probe"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise ConfigurationError(f"cannot write credentials under {folder}: {error.strerror or error}; "
                                 f"fix its permissions or set [sync] state_dir") from None


def save(state_dir: Path, source_id: int, credentials: Credentials) -> Path:
    """Write the credentials atomically with owner-only permissions."""
    path = _path(state_dir, source_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({k: v for k, v in asdict(credentials).items() if v is not None}, handle)
    os.replace(temporary, path)
    return path


def load(state_dir: Path, source_id: int) -> Credentials | None:
    """The stored credentials of a data source, or None."""
    path = _path(state_dir, source_id)
    if not path.exists():
        return None
    return Credentials(**json.loads(path.read_text()))


def forget(state_dir: Path, source_id: int) -> None:
    """Remove a data source's credentials (disconnect / delete)."""
    _path(state_dir, source_id).unlink(missing_ok=True)
