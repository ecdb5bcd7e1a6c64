"""Scratch CDP databases for benchmarks: a SQLite file, or a PostgreSQL database made beside the
one a URL names and dropped afterwards."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa


def scratch_database(url: str | None, path: Path, tag: str = "bench") -> tuple[str, Callable[[], None]]:
    """The CDP URL to use and how to clean it up: ``path`` as a SQLite file unless ``url`` names
    a PostgreSQL server, where a database ``{tag}_{pid}`` is created for the run."""
    if not url or url.startswith("sqlite"):
        return url or f"sqlite:///{path}", lambda: None
    name = f"{tag}_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False), drop
