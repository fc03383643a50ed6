"""``make run``'s pre-start step: the configuration check and the migrations, in one process,
with a fast "already at head?" that needs neither Alembic nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from clerk_app import db, local_data, prestart, schema, schema_head

ROOT = Path(__file__).resolve().parent.parent


def test_the_scripts_heads_read_without_alembic_are_alembics():
    assert schema_head.script_heads() == schema.head_revisions()


def test_a_script_it_cannot_read_means_ask_alembic(tmp_path):
    (tmp_path / "0001_odd.py").write_text("REVISION = compute()\n")
    assert schema_head.script_heads(tmp_path) is None


def test_at_head_only_when_the_file_holds_exactly_the_heads(tmp_path):
    database = tmp_path / "app.db"
    url = f"sqlite:///{database}"
    assert not schema_head.sqlite_at_head(database)  # no file yet
    sa.create_engine(url).connect().close()
    assert not schema_head.sqlite_at_head(database)  # no alembic_version table
    schema.upgrade(url)
    assert schema_head.sqlite_at_head(database)
    with sa.create_engine(url).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    assert not schema_head.sqlite_at_head(database)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///.data/reflex.db",
        "sqlite:////tmp/x/app.db",
        "sqlite+aiosqlite:///rel/app.db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:memdb?mode=memory&uri=true",
        "sqlite:///with%20space.db",
        "postgresql://u@h/db",
    ],
)
def test_the_sqlite_file_is_read_as_sqlalchemy_reads_it(url):
    database = sa.make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        expected = None
    else:
        expected = Path(database)
    assert local_data.sqlite_file(url) == expected


def test_prestart_migrates_a_new_database_then_only_checks_it(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "REFLEX_ENV_MODE", "REFLEX_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    try:
        assert prestart.main() == 0
        out = capsys.readouterr().out
        assert "local mode" in out and "brought to head" in out
        assert prestart.main() == 0
        assert "database schema at head" in capsys.readouterr().out
    finally:
        db.dispose_engines()  # the default URL is relative: no engine may outlive this cwd


def test_prestart_at_head_imports_neither_alembic_nor_sqlalchemy(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    schema.upgrade(url)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['prestart']\n"
        "try:\n"
        "    runpy.run_module('clerk_app.prestart', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "heavy = sorted(m for m in ('alembic', 'sqlalchemy') if m in sys.modules)\n"
        "print('heavy:', heavy)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "REFLEX_DB_URL": url, "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "database schema at head" in result.stdout
    assert "heavy: []" in result.stdout


def test_a_config_error_stops_before_the_database(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", "pk_test_not-a-key")
    monkeypatch.delenv("CLERK_SECRET_KEY", raising=False)
    assert prestart.main() == 2
    assert "configuration error" in capsys.readouterr().err
    assert not (tmp_path / ".data" / "reflex.db").exists()
