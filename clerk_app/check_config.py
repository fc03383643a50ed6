"""``python -m clerk_app.check_config``: validate the settings and say which mode runs.

``make run`` calls it before starting Reflex, so a bad configuration ends with
one clear line (exit code 2) instead of a traceback from deep inside the build.
A configuration that runs but is risky (clerk mode without ``CLERK_AUTHORIZED_PARTIES``)
gets a warning line on stderr, and the exit code stays 0.
"""

from __future__ import annotations

import sys

from clerk_app.local_data import sqlite_file
from clerk_app.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"clerk_app: configuration error: {exc}", file=sys.stderr)
        return 2
    where = "the local Clerk emulator" if settings.mode == "local" else settings.issuer
    sqlite = sqlite_file(settings.db_url)
    database = f"SQLite {sqlite}" if sqlite else settings.db_url.split("://")[0]
    print(f"clerk_app: {settings.mode} mode ({where}), database {database}")
    for warning in settings.configuration_warnings():
        print(f"clerk_app: warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
