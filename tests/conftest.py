"""Fixtures shared by every test: throwaway databases, on SQLite and PostgreSQL.

PostgreSQL tests create a database of their own (``clerk_app_test_<random>``) on
the server named by ``PG_TEST_URL`` (default: the machine's server) and drop it
afterwards, so two runs never collide and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

PG_TEST_URL = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _psycopg_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


@contextlib.contextmanager
def throwaway_pg_database(prefix: str = "clerk_app_test") -> Iterator[str]:
    """Create an empty PostgreSQL database on ``PG_TEST_URL``; drop it on exit."""
    admin_url = _psycopg_url(PG_TEST_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    with throwaway_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_database_url(tmp_path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def use_database(monkeypatch):
    """``use_database(url)``: make ``url`` the configured database (``REFLEX_DB_URL``) for
    the rest of the test, as a deployment would; settings and engines are re-read."""
    from clerk_app import db
    from clerk_app.settings import get_settings

    def use(url: str) -> str:
        monkeypatch.setenv("REFLEX_DB_URL", url)
        get_settings.cache_clear()
        db.dispose_engines()
        return url

    yield use
    # Before monkeypatch restores the environment: the next reader re-reads it.
    get_settings.cache_clear()
    db.dispose_engines()


@pytest.fixture
def migrated_pg_database(pg_database_url, use_database) -> Iterator[str]:
    """A fresh PostgreSQL database at head, configured as the app's (``REFLEX_DB_URL``)."""
    from tests.support.database import migrated

    with migrated(pg_database_url) as url:
        yield use_database(url)
