"""Alembic environment: the app's metadata, and the database URL from the same settings.

URL, first found wins: ``alembic -x db_url=…``, the ``db_url`` attribute set by
:func:`clerk_app.schema.upgrade`, ``REFLEX_DB_URL``, ``clerk_app.settings`` (default: a
SQLite file in ``.data/``). SQLite runs in batch mode (it cannot ALTER most things in
place).
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from alembic import context
from clerk_app.db import make_engine, normalise_url
from clerk_app.models import UTCDateTime  # importing the models registers their tables
from clerk_app.org_models import Organization  # noqa: F401 (registers the org tables)
from clerk_app.schema import compare_server_default

config = context.config
# Called from the CLI only: programmatic runs (tests, the app) keep their own logging.
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("db_url")
        or config.attributes.get("db_url")
        or os.environ.get("REFLEX_DB_URL")
    )
    if not url:
        # Settings() rather than get_settings(): migrating needs no Clerk keys. Its
        # default is clerk_app.local_data.DEFAULT_DB_URL, the one place it is written.
        from clerk_app.settings import Settings

        url = Settings().db_url
    return normalise_url(url)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render the app's column types as plain SQLAlchemy ones in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return "sa.String()" if obj.length is None else f"sa.String(length={obj.length})"
    return False


def _configure(**kwargs: object) -> None:
    url = database_url()
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        compare_server_default=compare_server_default,
        render_item=render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL instead of running it."""
    _configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
