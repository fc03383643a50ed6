"""``clerk-app``: the project's command line (``pip install -e .`` puts it on the PATH).

    clerk-app check-config     validate the settings and print the mode
    clerk-app migrate          apply pending database migrations (alembic upgrade head)
    clerk-app reconcile [...]  bring the user table in line with Clerk (see --help)

Each subcommand is also runnable as a module (``python -m clerk_app.reconcile``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = __doc__.split("\n\n")[1]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "check-config":
        from clerk_app.check_config import main as check_config

        return check_config()
    if command == "migrate":
        return migrate()
    if command == "reconcile":
        from clerk_app.reconcile import main as reconcile

        return reconcile(rest, prog="clerk-app reconcile")
    print(f"usage:\n{USAGE}", file=sys.stderr if command not in ("-h", "--help") else sys.stdout)
    return 0 if command in ("-h", "--help") else 2


def migrate() -> int:
    """Bring the configured database to head; a quick check only when it is there already.

    First moves local data an earlier version left in the app root (see
    :func:`clerk_app.local_data.prepare`), so ``make migrate`` upgrades that database
    rather than creating an empty one beside it.
    """
    from clerk_app import local_data, schema
    from clerk_app.settings import Settings

    settings = Settings()  # not load_settings(): migrating needs no Clerk keys
    for move in local_data.prepare(settings.db_url, settings.clerk_emulator_dir):
        print(f"clerk_app: moved local data into {local_data.DATA_DIR}/: {move}")
    state = schema.bring_to_head(settings.db_url)
    heads = ", ".join(sorted(schema.head_revisions()))
    if state == "unknown":
        print(f"clerk_app: the database schema is newer than this code (head {heads})")
    else:
        done = "brought to head" if state == "behind" else "at head"
        print(f"clerk_app: database schema {done} ({heads})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
