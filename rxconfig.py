"""Reflex configuration: the app's name, plugins and database, from the environment.

Everything secret or mode-dependent lives in ``clerk_app.settings``; this file only
tells Reflex what it needs at build time.
"""

import os

import reflex as rx

config = rx.Config(
    app_name="clerk_app",
    db_url=os.environ.get("REFLEX_DB_URL", "sqlite:///reflex.db"),
    plugins=[rx.plugins.SitemapPlugin(), rx.plugins.RadixThemesPlugin()],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)
