"""The ``clerk-app`` command dispatches to its subcommands and explains itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clerk_app import cli, db
from clerk_app.settings import publishable_key_for


def test_no_command_prints_usage_and_fails(capsys):
    assert cli.main([]) == 2
    assert "clerk-app reconcile" in capsys.readouterr().err


def test_help_succeeds(capsys):
    assert cli.main(["--help"]) == 0
    assert "check-config" in capsys.readouterr().out


def test_check_config_reports_the_mode(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "REFLEX_ENV_MODE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["check-config"]) == 0
    assert "local mode" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("parties", "warned"), [(None, True), ("https://app.example.com", False)], ids=["unset", "set"]
)
def test_check_config_warns_without_authorized_parties_in_clerk_mode(
    monkeypatch, tmp_path, capsys, parties, warned
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REFLEX_ENV_MODE", raising=False)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", publishable_key_for("clerk.example.test"))
    monkeypatch.setenv("CLERK_SECRET_KEY", "sk_test_1")
    if parties is None:
        monkeypatch.delenv("CLERK_AUTHORIZED_PARTIES", raising=False)
    else:
        monkeypatch.setenv("CLERK_AUTHORIZED_PARTIES", parties)
    assert cli.main(["check-config"]) == 0
    out, err = capsys.readouterr()
    assert "clerk mode" in out
    assert ("warning: CLERK_AUTHORIZED_PARTIES is not set" in err) is warned


def test_migrate_creates_the_schema_then_only_checks_it(
    monkeypatch, tmp_path, sqlite_database_url, capsys
):
    monkeypatch.chdir(tmp_path)  # the data folder and any legacy files are looked for here
    monkeypatch.setenv("REFLEX_DB_URL", sqlite_database_url)
    from clerk_app.settings import get_settings

    get_settings.cache_clear()
    try:
        assert cli.main(["migrate"]) == 0
        assert "brought to head" in capsys.readouterr().out
        assert cli.main(["migrate"]) == 0
        assert "database schema at head" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    tables = sa.inspect(sa.create_engine(sqlite_database_url)).get_table_names()
    assert {"user", "processed_webhook"} <= set(tables)


def test_migrate_without_settings_uses_the_data_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REFLEX_DB_URL", raising=False)
    try:
        assert cli.main(["migrate"]) == 0
    finally:
        db.dispose_engines()  # the default URL is relative: no engine may outlive this cwd
    database = tmp_path / ".data" / "reflex.db"
    assert {"user"} <= set(sa.inspect(sa.create_engine(f"sqlite:///{database}")).get_table_names())
    assert not (tmp_path / "reflex.db").exists()


def test_check_config_says_where_the_sqlite_file_is(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "REFLEX_ENV_MODE", "REFLEX_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["check-config"]) == 0
    assert "database SQLite .data/reflex.db" in capsys.readouterr().out


def test_reconcile_help_is_reachable(capsys):
    try:
        cli.main(["reconcile", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "clerk-app reconcile" in capsys.readouterr().out
