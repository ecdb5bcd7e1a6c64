"""Shared fixtures: database URLs for storage tests.

Storage tests take the ``db_url`` fixture. It always yields a fresh SQLite file; when
``SF_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it to the local PostgreSQL), it also yields a
PostgreSQL URL whose ``search_path`` is a schema of its own, dropped after the test — so the same
test runs on both databases, and concurrent runs never see each other's tables.
"""
from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("SF_TEST_POSTGRES_URL")


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


@pytest.fixture(params=_database_params())
def db_url(request, tmp_path):
    """A SQLAlchemy URL of an empty database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
