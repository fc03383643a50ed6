"""Is a SQLite database at the migrations' head? Answered without Alembic or SQLAlchemy.

``make run`` and the dev server's start ask this every time, and almost always the
answer is yes. Importing Alembic and SQLAlchemy to learn it costs a second or more of
every start; reading the revision ids out of the migration scripts (``revision = …``,
``down_revision = …``) and one row out of the SQLite file costs milliseconds. Only a
certain "yes" is answered here; anything else (another database, a file that is not
there yet, pending migrations, a script this reader does not understand) goes to
:mod:`clerk_app.schema`, which asks Alembic. A test keeps both readings equal.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

VERSIONS_DIR = Path(__file__).resolve().parent.parent / "alembic" / "versions"
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]*)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]*)?\s*=\s*(.*)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def script_heads(versions_dir: Path = VERSIONS_DIR) -> frozenset[str] | None:
    """The heads of the migration scripts (revisions no other script revises), or None
    when a script does not read as expected."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions_dir.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        parents.update(_QUOTED.findall(down[1]))
    heads = frozenset(revisions - parents)
    return heads or None


def sqlite_at_head(database: Path) -> bool:
    """True when the SQLite file ``database`` holds exactly the scripts' heads."""
    if not database.is_file():
        return False
    heads = script_heads()
    if heads is None:
        return False
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # no table yet, locked, not a database: ask Alembic
        return False
    return frozenset(row[0] for row in rows) == heads
