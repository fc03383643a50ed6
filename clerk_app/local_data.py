"""Where the app writes while it runs in development: one git-ignored folder, ``.data/``.

``reflex run`` (dev mode) restarts the backend when a file under the app root changes.
Its watcher skips hidden folders, ``__pycache__``-like folders and a few extensions
(``*.db``, ``*.json``, ``*.log`` …), but not SQLite's ``-wal``/``-shm`` side files: a
database in the app root restarts the backend on every write, which drops every tab's
websocket, which reloads the page, which reads the database, which writes the WAL…

So everything the app writes at run time lives under :data:`DATA_DIR`, a *hidden*
folder: the watcher skips it by default, with no setting to remember, whether the app
runs through ``make run`` or a plain ``reflex run``; code edits still reload. Resetting
the local data is stopping the app and deleting the folder (``rm -rf .data``).

Paths are relative to the working directory, the app root, as Reflex's own default
(``sqlite:///reflex.db``) is. This module imports nothing of the app: ``rxconfig.py``
reads the default database URL from here, so it is written once.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The one folder for run-time data (git-ignored; hidden, so Reflex's watcher skips it).
DATA_DIR = Path(".data")
#: The SQLite database used when ``REFLEX_DB_URL`` is not set.
DEFAULT_DB_URL = f"sqlite:///{DATA_DIR.as_posix()}/reflex.db"
#: The emulator's keys, secrets and users (``CLERK_EMULATOR_DIR`` moves it).
DEFAULT_EMULATOR_DIR = DATA_DIR / "clerk_emulator"
#: Where earlier versions kept the same data: in the app root, where the watcher looks.
LEGACY_DB = Path("reflex.db")
LEGACY_EMULATOR_DIR = Path(".clerk_emulator")
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def sqlite_file(url: str | None) -> Path | None:
    """The file a ``sqlite:///…`` URL names; ``None`` for other databases and ``:memory:``."""
    if not url or not url.startswith("sqlite"):
        return None
    plain = re.fullmatch(r"sqlite(?:\+\w+)?:///([^?%#]*)", url)
    if plain is not None:  # the common case, without importing SQLAlchemy (start-up time)
        database = plain[1]
    else:
        from sqlalchemy.engine import make_url

        database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def ensure_sqlite_dir(url: str | None) -> None:
    """Create the folder a SQLite file URL points into (SQLite creates files, not folders)."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def prepare(db_url: str | None, emulator_dir: str | Path | None) -> list[str]:
    """Make the data folder ready; move what an earlier version left in the app root.

    An app root that still holds ``reflex.db`` (and its side files) or
    ``.clerk_emulator/`` from before gets them moved into :data:`DATA_DIR`, so the
    users and profiles a developer had keep working. Only for the default locations
    (an explicit ``REFLEX_DB_URL`` / ``CLERK_EMULATOR_DIR`` says where the data is), and
    only when the new place is still empty: nothing is ever overwritten.

    Returns:
        One ``"old -> new"`` line per move made (empty almost always).
    """
    moved: list[str] = []
    defaults = (db_url or DEFAULT_DB_URL) == DEFAULT_DB_URL
    new_db = DATA_DIR / LEGACY_DB.name
    if defaults and LEGACY_DB.is_file() and not new_db.exists():
        DATA_DIR.mkdir(exist_ok=True)
        for suffix in _SQLITE_SIDE_FILES:  # the WAL belongs with its database
            old = Path(f"{LEGACY_DB}{suffix}")
            if old.exists():
                old.rename(f"{new_db}{suffix}")
                moved.append(f"{old} -> {new_db}{suffix}")
    emulator_default = Path(emulator_dir or DEFAULT_EMULATOR_DIR) == DEFAULT_EMULATOR_DIR
    if emulator_default and LEGACY_EMULATOR_DIR.is_dir() and not DEFAULT_EMULATOR_DIR.exists():
        DATA_DIR.mkdir(exist_ok=True)
        LEGACY_EMULATOR_DIR.rename(DEFAULT_EMULATOR_DIR)
        moved.append(f"{LEGACY_EMULATOR_DIR}/ -> {DEFAULT_EMULATOR_DIR}/")
    ensure_sqlite_dir(db_url or DEFAULT_DB_URL)
    return moved
