"""The migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from clerk_app import db
from clerk_app.sync import SyncOutcome, sync_user_outcome
from tests.utils.database import run
from tests.utils.factories import clerk_user

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"user", "processed_webhook"}


def schema_diff(url: str) -> list:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "compare_server_default": db.compare_server_default},
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
    db.upgrade(database_url)
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []


def test_the_comparison_does_see_a_difference(database_url):
    """Guard against a vacuous comparison: a column the migrations lack is reported."""
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text('ALTER TABLE "user" ADD COLUMN extra VARCHAR'))
    engine.dispose()
    diff = schema_diff(database_url)
    assert [change[0] for change in diff] == ["remove_column"]


def test_upgrade_downgrade_upgrade(database_url):
    db.upgrade(database_url)
    run(database_url, sync_user_outcome, clerk_user())
    db.downgrade(database_url, "base")
    assert tables(database_url) == set()
    db.upgrade(database_url)
    assert tables(database_url) == TABLES
    assert schema_diff(database_url) == []
    db.dispose_engines()


def test_raw_sql_inserts_get_server_defaults(database_url):
    db.upgrade(database_url)
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
