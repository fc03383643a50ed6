"""Run-time data lives in ``.data/``: one default, outside what ``reflex run`` watches.

The watcher check uses Reflex's own function (the list of paths its dev server
watches for code changes) on a scratch app root laid out like this checkout.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from reflex.utils import exec as reflex_exec

from clerk_app import local_data
from clerk_app.local_data import DATA_DIR, DEFAULT_DB_URL, DEFAULT_EMULATOR_DIR, prepare
from clerk_app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("REFLEX_DB_URL", "CLERK_EMULATOR_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_one_default_for_the_database_everywhere(app_root):
    assert Settings().db_url == DEFAULT_DB_URL == "sqlite:///.data/reflex.db"
    assert Settings().clerk_emulator_dir == DEFAULT_EMULATOR_DIR == DATA_DIR / "clerk_emulator"
    config = runpy.run_path(str(ROOT / "rxconfig.py"))["config"]
    assert config.db_url == DEFAULT_DB_URL
    assert (app_root / ".data").is_dir()  # ready for Reflex's own engine (reflex db migrate)


def test_the_data_folder_is_git_ignored_and_hidden():
    assert DATA_DIR.name.startswith(".")  # Reflex's watcher skips hidden folders
    assert f"{DATA_DIR}/" in (ROOT / ".gitignore").read_text().splitlines()


def test_reflex_watches_the_code_but_not_the_data_folder(app_root, monkeypatch):
    """A scratch app root with this layout: what Reflex's dev server would watch."""
    (app_root / "clerk_app").mkdir()
    (app_root / "clerk_app" / "__init__.py").write_text("")
    prepare(DEFAULT_DB_URL, None)
    for name in ("reflex.db", "reflex.db-wal", "reflex.db-shm"):
        (app_root / DATA_DIR / name).write_text("")
    (app_root / DEFAULT_EMULATOR_DIR).mkdir()
    monkeypatch.delenv("REFLEX_HOT_RELOAD_OVERRIDE_PATHS", raising=False)
    monkeypatch.delenv("REFLEX_HOT_RELOAD_EXCLUDE_PATHS", raising=False)
    # Reflex would find the app root from rxconfig's module; here it is the working directory.
    monkeypatch.setattr(reflex_exec, "get_config", lambda: SimpleNamespace(module="clerk_app"))
    monkeypatch.setattr(reflex_exec, "get_module_path", lambda _module: None)
    watched = [Path(path).resolve() for path in reflex_exec.get_reload_paths()]
    assert (app_root / "clerk_app").resolve() in watched
    data = (app_root / DATA_DIR).resolve()
    assert not [path for path in watched if path == data or data in path.parents]


def test_prepare_moves_an_earlier_layout_into_the_data_folder(app_root):
    (app_root / "reflex.db").write_bytes(b"db")
    (app_root / "reflex.db-wal").write_bytes(b"wal")
    (app_root / ".clerk_emulator").mkdir()
    (app_root / ".clerk_emulator" / "users.json").write_text("{}")
    moved = prepare(DEFAULT_DB_URL, None)
    assert len(moved) == 3
    assert (app_root / ".data" / "reflex.db").read_bytes() == b"db"
    assert (app_root / ".data" / "reflex.db-wal").read_bytes() == b"wal"
    assert (app_root / ".data" / "clerk_emulator" / "users.json").read_text() == "{}"
    assert not (app_root / "reflex.db").exists() and not (app_root / ".clerk_emulator").exists()
    assert prepare(DEFAULT_DB_URL, None) == []  # once


def test_prepare_never_overwrites_the_data_folder(app_root):
    (app_root / ".data" / "clerk_emulator").mkdir(parents=True)
    (app_root / ".data" / "reflex.db").write_bytes(b"new")
    (app_root / "reflex.db").write_bytes(b"old")
    (app_root / ".clerk_emulator").mkdir()
    assert prepare(DEFAULT_DB_URL, None) == []
    assert (app_root / ".data" / "reflex.db").read_bytes() == b"new"
    assert (app_root / "reflex.db").read_bytes() == b"old"


def test_prepare_leaves_explicit_locations_alone(app_root):
    (app_root / "reflex.db").write_bytes(b"old")
    (app_root / ".clerk_emulator").mkdir()
    assert prepare("postgresql://u@h/db", app_root / "elsewhere") == []
    assert prepare(f"sqlite:///{app_root / 'mine.db'}", ".clerk_emulator") == []
    assert (app_root / "reflex.db").exists() and (app_root / ".clerk_emulator").is_dir()


def test_sqlite_folders_are_created_and_other_urls_ignored(app_root):
    local_data.ensure_sqlite_dir(f"sqlite:///{app_root / 'a' / 'b' / 'x.db'}")
    assert (app_root / "a" / "b").is_dir()
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql://u@h/db", None):
        local_data.ensure_sqlite_dir(url)
        assert local_data.sqlite_file(url) is None
    assert sorted(os.listdir(app_root)) == ["a"]
