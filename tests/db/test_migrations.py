"""The migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from clerk_app import db, org_models, schema  # noqa: F401 (org_models: its tables)
from clerk_app.settings import get_settings, publishable_key_for
from clerk_app.sync import SyncOutcome, sync_user_outcome
from tests.support.app_import import import_app
from tests.support.database import run
from tests.support.factories import clerk_user

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"user", "processed_webhook", "organization", "organization_membership"}


def schema_diff(url: str) -> list:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "compare_server_default": schema.compare_server_default,
                },
            )
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url):
    schema.upgrade(database_url)
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []


def test_the_comparison_does_see_a_difference(database_url):
    """Guard against a vacuous comparison: a column the migrations lack is reported."""
    schema.upgrade(database_url)
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text('ALTER TABLE "user" ADD COLUMN extra VARCHAR'))
    engine.dispose()
    diff = schema_diff(database_url)
    assert [change[0] for change in diff] == ["remove_column"]


def test_upgrade_downgrade_upgrade(database_url):
    schema.upgrade(database_url)
    run(database_url, sync_user_outcome, clerk_user())
    schema.downgrade(database_url, "base")
    assert tables(database_url) == set()
    schema.upgrade(database_url)
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []
    db.dispose_engines()


def test_raw_sql_inserts_get_server_defaults(database_url):
    schema.upgrade(database_url)
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                """INSERT INTO "user" (clerk_id, email) VALUES ('user_raw', 'raw@example.com')"""
            )
        )
        raw = connection.execute(sa.text("""SELECT * FROM "user" """)).mappings().one()
    engine.dispose()
    assert re.fullmatch(r"[a-f0-9]{21}", raw["id"])
    assert (raw["theme"], raw["language"], bool(raw["email_notifications"])) == (
        "light",
        "fr",
        True,
    )
    assert raw["clerk_updated_at"] == 0 and raw["created_at"] is not None
    assert raw["updated_at"] is not None and raw["deleted_at"] is None
    # Such a row is an ordinary user for the sync and the ORM.
    result = run(
        database_url,
        sync_user_outcome,
        clerk_user(id="user_raw", email="raw@example.com", first_name="Raw"),
    )
    assert result.outcome is SyncOutcome.UPDATED and result.user.first_name == "Raw"
    assert result.user.created_at.tzinfo is not None
    db.dispose_engines()


def test_revisions_are_named_and_linear():
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert re.fullmatch(r"\d{4}_[a-z0-9_]+", revision.revision), revision.revision
        assert len(revision.revision) <= 32  # alembic_version.version_num is VARCHAR(32)
    for path in (ROOT / "alembic" / "versions").glob("*.py"):
        assert re.fullmatch(r"\d{8}_\d{4}_[a-z0-9_]+\.py", path.name), path.name


def test_alembic_command_line_takes_the_url_from_x_or_the_environment(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REFLEX_DB_URL", None)
    x_db = tmp_path / "x.db"
    subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"db_url=sqlite:///{x_db}", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    env_db = tmp_path / "env.db"
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**env, "REFLEX_DB_URL": f"sqlite:///{env_db}"},
        check=True,
        capture_output=True,
    )
    for path in (x_db, env_db):
        assert tables(f"sqlite:///{path}") == TABLES


# -- "at head?": the fast check the dev server, /api/health and the pages rely on ----------


def _set_version(url: str, revision: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_schema_state_behind_at_head_and_unknown(database_url):
    assert schema.check(database_url) == "behind"  # an empty database: nothing applied
    schema.upgrade(database_url)
    assert schema.check(database_url) == "at_head"
    _set_version(database_url, "9999_from_a_newer_version")
    assert schema.check(database_url) == "unknown"  # migrated by code newer than this
    db.dispose_engines()


def test_schema_state_after_a_downgrade_is_behind(database_url):
    schema.upgrade(database_url)
    schema.downgrade(database_url, "base")
    assert schema.check(database_url) == "behind"
    db.dispose_engines()


async def test_schema_state_through_the_async_engine(database_url):
    assert await schema.check_async(database_url) == "behind"
    schema.upgrade(database_url)
    assert await schema.check_async(database_url) == "at_head"
    db.dispose_engines()


def test_bring_to_head_migrates_once_then_only_checks(sqlite_database_url, monkeypatch):
    upgrades: list[str | None] = []
    real_upgrade = schema.upgrade
    monkeypatch.setattr(
        schema, "upgrade", lambda url=None: upgrades.append(url) or real_upgrade(url)
    )
    assert schema.bring_to_head(sqlite_database_url) == "behind"
    assert tables(sqlite_database_url) == TABLES
    assert schema.bring_to_head(sqlite_database_url) == "at_head"
    assert upgrades == [sqlite_database_url]  # the second start did no migration work
    db.dispose_engines()


@pytest.fixture
def settings_for(monkeypatch):
    """``settings_for(url, env_mode)``: the process settings, pointed at ``url``."""

    def make(url: str, env_mode: str = "dev", **keys: str):
        monkeypatch.setenv("REFLEX_DB_URL", url)
        monkeypatch.setenv("REFLEX_ENV_MODE", env_mode)
        for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"):
            monkeypatch.setenv(name, keys.get(name, ""))
        get_settings.cache_clear()
        return get_settings()

    yield make
    get_settings.cache_clear()
    db.dispose_engines()


def test_dev_start_brings_a_sqlite_schema_to_head(sqlite_database_url, settings_for, capsys):
    schema.on_start(settings_for(sqlite_database_url))
    assert tables(sqlite_database_url) == TABLES
    assert "database schema brought to head" in capsys.readouterr().err
    schema.on_start(settings_for(sqlite_database_url))  # the next start: nothing to say
    assert capsys.readouterr().err == ""


@pytest.mark.postgres
def test_dev_start_names_the_fix_for_postgresql(pg_database_url, settings_for, capsys):
    schema.on_start(settings_for(pg_database_url))
    assert tables(pg_database_url) == set()  # a server database is never migrated behind
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "not up to date" in lines[0]
    assert "make migrate" in lines[0] and "reflex db migrate" in lines[0]


def test_production_start_never_migrates(sqlite_database_url, settings_for, capsys):
    live = {"CLERK_PUBLISHABLE_KEY": publishable_key_for("clerk.example.test", live=True)}
    settings = settings_for(sqlite_database_url, "prod", **live, CLERK_SECRET_KEY="sk_live_x")
    schema.on_start(settings)
    assert tables(sqlite_database_url) == set()
    assert schema.check(sqlite_database_url) == "behind"


def test_starting_the_app_module_in_dev_brings_the_schema_to_head(tmp_path):
    """What ``reflex run`` does first in each backend process: import the app module."""
    database = tmp_path / "fresh.db"
    result = import_app(f"sqlite:///{database}", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "database schema brought to head" in result.stderr
    assert tables(f"sqlite:///{database}") == TABLES
