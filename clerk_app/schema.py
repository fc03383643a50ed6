"""Is the database schema at the migrations' head? A fast question with three answers.

* ``at_head``: the database's ``alembic_version`` holds exactly this code's heads.
* ``behind``: migrations of this code are pending (a fresh database has none applied).
* ``unknown``: the database holds a revision this code does not know: a newer
  version of the app migrated it (a rolling deploy). Not a reason to refuse traffic.

The heads come from the migration scripts, read once per process; the database's side
is one small read. So the question is cheap enough for every ``/api/health`` call, and
for every start of the dev server, which skips all migration work when at head.

Who asks:

* :func:`on_start` (the app module, in development): a SQLite database that is behind
  is brought to head at once (``alembic upgrade head``, in-process). It is the
  developer's own file, and ``reflex run`` should just work after a ``git pull``. Any
  other database that is behind (PostgreSQL, possibly shared) gets one clear line
  naming ``make migrate`` / ``reflex db migrate``; production never migrates by itself.
* ``/api/health`` answers 503 ``schema: not at head`` while migrations are pending.
* The pages' use cases, after a database error: "the schema is not up to date" says
  what to do, where "the database is unavailable" would send people looking elsewhere.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from clerk_app import db, schema_head
from clerk_app.local_data import sqlite_file

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from clerk_app.settings import Settings

logger = logging.getLogger(__name__)
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"

SchemaState = Literal["at_head", "behind", "unknown"]
#: What to run when the schema is behind (the one line every message ends with).
MIGRATE_HINT = "run `make migrate` (or `reflex db migrate` in the virtualenv)"


@functools.cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


@functools.cache
def head_revisions() -> frozenset[str]:
    """The heads of this code's migration scripts (read once per process)."""
    return frozenset(_scripts().get_heads())


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises ResolutionError / CommandError for unknown ids
        return False


def schema_state(connection: Any) -> SchemaState:
    """Where the database on ``connection`` stands against this code's migrations."""
    from alembic.runtime.migration import MigrationContext

    current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current == head_revisions():
        return "at_head"
    return "behind" if all(_known(revision) for revision in current) else "unknown"


def check(url: str | None = None) -> SchemaState:
    """:func:`schema_state` of the database at ``url`` (default: the configured one)."""
    with db.get_engine(url).connect() as connection:
        return schema_state(connection)


async def check_async(url: str | None = None) -> SchemaState:
    """:func:`check` on the event loop, through the async engine the pages use."""
    async with db.get_async_engine(url).connect() as connection:
        return await connection.run_sync(schema_state)


def bring_to_head(url: str | None = None) -> SchemaState:
    """``alembic upgrade head`` when migrations are pending; the state found before."""
    state = check(url)
    if state == "behind":
        upgrade(url)
    return state


def on_start(settings: Settings) -> None:
    """At app start in development: a SQLite schema is brought to head, others named.

    Never raises: a database that cannot be reached is the health check's and the
    pages' business; the app still starts.
    """
    if settings.is_production:
        return
    database = sqlite_file(settings.db_url)
    if database is not None and schema_head.sqlite_at_head(database):
        return  # the common start: no Alembic to import
    try:
        state = check()
        if state == "behind" and sqlite_file(settings.db_url) is not None:
            upgrade()
            _say(f"database schema brought to head ({', '.join(sorted(head_revisions()))})")
            return
    except Exception as exc:  # a driver error, or a migration that failed
        _say(f"could not check or migrate the database schema ({type(exc).__name__}: {exc})")
        return
    if state == "behind":
        _say(f"the database schema is not up to date: {MIGRATE_HINT}")
    elif state == "unknown":
        _say("the database schema is newer than this code (a revision it does not know)")


def _say(line: str) -> None:
    # Printed, like check_config's lines: this runs while ``reflex run`` starts, before
    # any log handler of ours exists, and the developer must see it.
    print(f"clerk_app: {line}", file=sys.stderr, flush=True)


# -- migrations (alembic, in-process: Makefile, CLI, tests, the dev server's start) --------


def _alembic_config(url: str | None = None, *, with_url: bool = False) -> Any:
    """Alembic's config for this checkout; with the database URL when migrating."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / "alembic"))
    if with_url:
        # An attribute, not an ini option: configparser would choke on "%" in passwords.
        config.attributes["db_url"] = db.resolve_url(url)
        config.attributes["configure_logging"] = False
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``alembic upgrade head``) on ``url``."""
    from alembic import command

    command.upgrade(_alembic_config(url, with_url=True), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Revert migrations down to ``revision`` (default: an empty database)."""
    from alembic import command

    command.downgrade(_alembic_config(url, with_url=True), revision)


def compare_server_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic hook: compare random id defaults by function, not by value.

    Alembic compares PostgreSQL defaults by evaluating both expressions, which
    for a random id always differs. Everything else: Alembic's own comparison.
    """
    from clerk_app.models import random_user_id

    arg = getattr(metadata_default, "arg", None)
    if not isinstance(arg, random_user_id):
        return None
    marker = "gen_random_uuid" if context.dialect.name == "postgresql" else "randomblob"
    return marker not in (inspected_default or "")
