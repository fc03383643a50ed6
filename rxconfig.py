"""Reflex configuration: the app's name, plugins and database, from the environment.

Everything secret or mode-dependent lives in ``clerk_app.settings``; this file only
tells Reflex what it needs at build time. Reflex itself applies ``REFLEX_DB_URL``,
``REFLEX_REDIS_URL``, ``REFLEX_API_URL`` … from the environment (and from ``.env``).
"""

from pathlib import Path

import reflex as rx

config = rx.Config(
    app_name="clerk_app",
    db_url="sqlite:///reflex.db",
    env_file=".env" if Path(".env").is_file() else None,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="violet", radius="large")),
    ],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)
