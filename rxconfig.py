"""Reflex configuration: the app's name, plugins and database, from the environment.

Everything secret or mode-dependent lives in ``clerk_app.settings``; this file only
tells Reflex what it needs at build time. Reflex itself applies ``REFLEX_DB_URL``,
``REFLEX_REDIS_URL``, ``REFLEX_API_URL`` … from the environment (and from ``.env``).

The default database is ``.data/reflex.db`` (see :mod:`clerk_app.local_data`: run-time
data stays out of the folders ``reflex run`` watches for code changes). Every Reflex
command reads this file first, so this is where the data folder is made ready for
Reflex's own engine (``reflex db migrate`` opens the database before the app does).
"""

import os
from pathlib import Path

import reflex as rx

from clerk_app import local_data

config = rx.Config(
    app_name="clerk_app",
    db_url=local_data.DEFAULT_DB_URL,
    env_file=".env" if Path(".env").is_file() else None,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="violet", radius="large")),
    ],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)

# After rx.Config: it has loaded .env into the environment and applied REFLEX_DB_URL.
for _move in local_data.prepare(config.db_url, os.environ.get("CLERK_EMULATOR_DIR")):
    print(f"clerk_app: moved local data into {local_data.DATA_DIR}/: {_move}")
