"""``clerk-app``: the project's command line (``pip install -e .`` puts it on the PATH).

    clerk-app check-config     validate the settings and print the mode
    clerk-app migrate          apply the database migrations (alembic upgrade head)
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
        from clerk_app.db import upgrade

        upgrade()
        return 0
    if command == "reconcile":
        from clerk_app.reconcile import main as reconcile

        return reconcile(rest, prog="clerk-app reconcile")
    print(f"usage:\n{USAGE}", file=sys.stderr if command not in ("-h", "--help") else sys.stdout)
    return 0 if command in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
