"""Shared fixtures: database URLs for storage tests.

Storage tests take the ``db_url`` fixture. It always yields a fresh SQLite file; when
``SF_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it to the local PostgreSQL), it also yields
that URL, with every table dropped first, so the same test runs on both databases.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("SF_TEST_POSTGRES_URL")


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


def _empty_postgres(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=_database_params())
def db_url(request, tmp_path) -> str:
    """A SQLAlchemy URL of an empty database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return _empty_postgres(POSTGRES_URL)
