"""Engines and sessions: URL normalisation, caching, SQLite configured for a web server."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from clerk_app import db
from clerk_app.settings import get_settings
from tests.support.database import session_scope


@pytest.fixture(autouse=True)
def _fresh_engines():
    yield
    db.dispose_engines()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p%40ss@h:5432/app", "postgresql+psycopg://u:p%40ss@h:5432/app"),
        ("postgres://u@h/app", "postgresql+psycopg://u@h/app"),
        ("postgresql+psycopg://u@h/app", "postgresql+psycopg://u@h/app"),
        ("sqlite:///reflex.db", "sqlite:///reflex.db"),
    ],
)
def test_normalise_url(given, expected):
    assert db.normalise_url(given) == expected


def test_engines_are_cached_per_url(tmp_path, pg_database_url):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert db.get_engine(a) is db.get_engine(a)
    assert db.get_engine(a) is not db.get_engine(b)
    plain = pg_database_url.replace("postgresql+psycopg://", "postgresql://")
    assert db.get_engine(plain) is db.get_engine(pg_database_url)
    assert db.get_engine(plain).dialect.driver == "psycopg"


def test_the_default_url_comes_from_the_settings(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'configured.db'}"
    monkeypatch.setenv("REFLEX_DB_URL", url)
    get_settings.cache_clear()
    try:
        assert str(db.get_engine().url) == url
    finally:
        get_settings.cache_clear()


def test_sqlite_is_configured_for_concurrent_use(sqlite_database_url):
    engine = db.get_engine(sqlite_database_url)
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_sqlite_savepoints_belong_to_the_transaction(sqlite_database_url):
    """Without SQLAlchemy emitting BEGIN, sqlite3 would commit a released savepoint."""
    engine = db.get_engine(sqlite_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with db.new_session(sqlite_database_url) as session:
        with session.begin_nested():
            session.execute(sa.text("INSERT INTO t VALUES (1)"))
        session.rollback()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


def test_session_scope_commits_or_rolls_back(sqlite_database_url):
    with session_scope(sqlite_database_url) as session:
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        session.execute(sa.text("INSERT INTO t VALUES (1)"))
    with pytest.raises(RuntimeError), session_scope(sqlite_database_url) as session:
        session.execute(sa.text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("boom")
    with db.new_session(sqlite_database_url) as session:
        assert session.execute(sa.text("SELECT x FROM t")).scalars().all() == [1]


def test_sqlite_sessions_work_from_other_threads(sqlite_database_url):
    session = db.new_session(sqlite_database_url)
    session.execute(sa.text("SELECT 1"))  # connection checked out on this thread
    result = []
    thread = threading.Thread(target=lambda: result.append(session.scalar(sa.text("SELECT 2"))))
    thread.start()
    thread.join()
    session.close()
    assert result == [2]
