"""``python -m clerk_app.prestart``: what ``make run`` does before ``reflex run``, in one process.

The configuration check (:mod:`clerk_app.check_config`: a bad setting ends with one
clear line, exit code 2), then the database brought to head (``clerk-app migrate``).
One interpreter instead of two, and when a SQLite database is already at head (every
start but the first after a migration is added) the answer comes from the file and
the scripts (:mod:`clerk_app.schema_head`), without importing Alembic or SQLAlchemy.
"""

from __future__ import annotations

import sys

from clerk_app import check_config, local_data, schema_head


def main() -> int:
    code = check_config.main()
    if code:
        return code
    from clerk_app.settings import Settings

    settings = Settings()  # as migrate reads it: migrating needs no Clerk keys
    database = local_data.sqlite_file(settings.db_url)
    legacy = local_data.LEGACY_DB.is_file() or local_data.LEGACY_EMULATOR_DIR.is_dir()
    if database is not None and not legacy and schema_head.sqlite_at_head(database):
        heads = ", ".join(sorted(schema_head.script_heads() or ()))
        print(f"clerk_app: database schema at head ({heads})")
        return 0
    from clerk_app.cli import migrate

    return migrate()


if __name__ == "__main__":
    sys.exit(main())
