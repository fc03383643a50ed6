"""``python -m clerk_app.reconcile`` (and ``clerk-app reconcile``): the command line.

Where it connects:

* clerk mode: Clerk's Backend API with ``CLERK_SECRET_KEY``;
* local mode: the emulator the app mounts at ``/_clerk``, so **the app must be
  running** (``make run``); its secret key is read from the emulator's data
  directory (``CLERK_EMULATOR_DIR``, default ``.data/clerk_emulator``);
* either way ``--api-url`` / ``--secret-key`` override, and ``--db-url`` the
  database (default ``REFLEX_DB_URL``; migrations must be applied).

Exit status: 0 when everything is in sync, 1 when some users failed (listed),
2 when the run could not complete (configuration, Clerk or database error; no
deletion is applied after an incomplete listing).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clerk_app.clerk.api import MAX_PAGE_SIZE, ClerkAPI

from .core import PAGE_SIZE, Action, Report, reconcile

EXIT_OK, EXIT_FAILURES, EXIT_ERROR = 0, 1, 2
_VERBS = {
    Action.CREATED: "create",
    Action.UPDATED: "update",
    Action.DELETED: "tombstone",
}


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m clerk_app.reconcile",
        description="Sync every Clerk user, organization and membership into the local "
        "database; tombstone the users and organizations Clerk no longer has and remove the "
        "memberships it no longer lists.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )
    parser.add_argument("--api-url", help="Backend API base URL (default: from the settings)")
    parser.add_argument("--secret-key", help="Backend API secret key (default: from the settings)")
    parser.add_argument("--db-url", help="database URL (default: REFLEX_DB_URL)")
    parser.add_argument(
        "--page-size",
        type=int,
        default=PAGE_SIZE,
        choices=range(1, MAX_PAGE_SIZE + 1),
        metavar=f"1-{MAX_PAGE_SIZE}",
        help=f"users per Backend API page (default {PAGE_SIZE})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every change, not only failures"
    )
    return parser


def _connection(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """``(api_url, secret_key, db_url)`` from the flags, else the settings."""
    if args.api_url and args.secret_key:
        return args.api_url, args.secret_key, args.db_url
    from clerk_app.settings import get_settings

    settings = get_settings()
    api_url = args.api_url or settings.api_url
    secret = args.secret_key
    if not secret and settings.mode == "local":
        from clerk_app.services import local_secret_key

        secret = local_secret_key(settings)
    elif not secret and settings.clerk_secret_key:
        secret = settings.clerk_secret_key.get_secret_value()
    if not secret:
        raise ValueError("no secret key: set CLERK_SECRET_KEY or pass --secret-key")
    return api_url, secret, args.db_url or settings.db_url


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = None

    def phase(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)


def summary_table(report: Report, elapsed_s: float) -> Table:
    title = "Reconcile (dry run: nothing written)" if report.dry_run else "Reconcile"
    table = Table(title=f"{title}: {report.listed} Clerk users in {elapsed_s:.1f} s")
    for action in Action:
        table.add_column(action.value, justify="right")
    table.add_row(*(str(report.counts[action]) for action in Action))
    return table


def organizations_table(report: Report) -> Table:
    """The organization pass's summary: one row for organizations, one for memberships."""
    orgs = report.organizations
    table = Table(
        title=f"Organizations: {orgs.listed_organizations} organizations, "
        f"{orgs.listed_memberships} memberships in Clerk"
    )
    table.add_column("")
    for action in Action:
        table.add_column(action.value, justify="right")
    for name, counts in (("organizations", orgs.organizations), ("memberships", orgs.memberships)):
        table.add_row(name, *(str(counts[action]) for action in Action))
    return table


def print_report(console: Console, report: Report, elapsed_s: float, *, verbose: bool) -> None:
    if report.dry_run or verbose:
        prefix = "would " if report.dry_run else ""
        for change in [*report.changes, *report.organizations.changes]:
            if change.action in _VERBS:
                detail = f" ({change.detail})" if change.detail else ""
                console.print(f"{prefix}{_VERBS[change.action]} {change.clerk_id}{detail}")
    console.print(summary_table(report, elapsed_s))
    orgs = report.organizations
    if orgs.skipped:
        console.print(f"Organizations: skipped, {orgs.skipped}.")
    elif report.complete and report.error is None:
        console.print(organizations_table(report))
    if report.failures:
        table = Table(title=f"{len(report.failures)} failed")
        table.add_column("Clerk id")
        table.add_column("reason")
        for failure in report.failures:
            table.add_row(failure.clerk_id, failure.detail)
        console.print(table)
    if report.error:
        console.print(f"[bold red]Stopped:[/] {report.error}")
        if not report.complete:
            console.print("No deletion was applied: the listing of Clerk users is incomplete.")
    if orgs.error:
        console.print(f"[bold red]Organizations stopped:[/] {orgs.error}")
        if not orgs.complete:
            console.print("No organization or membership was removed: the listing is incomplete.")


async def _run(args: argparse.Namespace, console: Console) -> int:
    try:
        api_url, secret, db_url = _connection(args)
    except Exception as exc:  # SettingsError, unreadable emulator dir, missing key
        console.print(f"[bold red]Configuration error:[/] {exc}")
        return EXIT_ERROR
    from clerk_app.db import new_session

    started = time.monotonic()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    async with ClerkAPI(api_url, secret) as api:
        with Progress(*columns, console=console, disable=args.no_progress, transient=True) as bar:
            report = await reconcile(
                api,
                lambda: new_session(db_url),
                dry_run=args.dry_run,
                page_size=args.page_size,
                progress=_RichProgress(bar),
            )
    print_report(console, report, time.monotonic() - started, verbose=args.verbose)
    if report.error and not report.complete and report.listed == 0:
        console.print(f"Is the Backend API reachable at {api_url}? In local mode, start the app.")
    if report.error or report.organizations.error:
        return EXIT_ERROR
    return EXIT_OK if report.ok else EXIT_FAILURES


def main(
    argv: Sequence[str] | None = None, *, console: Console | None = None, prog: str | None = None
) -> int:
    """Entry point; returns the exit status (see the module docstring).

    ``prog`` names the command in ``--help`` (e.g. ``"clerk-app reconcile"`` when a
    ``clerk-app`` command dispatches here with the remaining arguments).
    """
    args = _parser(prog).parse_args(argv)
    console = console or Console()
    try:
        return asyncio.run(_run(args, console))
    except KeyboardInterrupt:
        console.print("Interrupted: committed pages are kept; run again to finish.")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
