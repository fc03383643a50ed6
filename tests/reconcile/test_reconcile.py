"""Reconcile against the emulator over a real socket, on SQLite and PostgreSQL.

The main scenario: 1,200 Clerk users, the local table seeded with 1,000 of
them (as webhooks or sign-ins would have), then, while "webhooks were off",
50 updated and 30 deleted in Clerk, and 200 never seen locally. Clerk's
development rate limit (100 requests / 10 s) is on throughout.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlmodel import Session

from clerk_app import db
from clerk_app.clerk.api import ClerkAPI
from clerk_app.reconcile import Action, main, reconcile
from clerk_app.sync import delete_user, sync_user
from tests.support.servers import EmulatorServer
from tests.support.webhooks import migrated_engine, session_factory, table_snapshot, user_rows

ROOT = Path(__file__).resolve().parents[2]
TOTAL, SEEDED, UPDATED, DELETED = 1200, 1000, 50, 30


@pytest.fixture
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        server.emulator.faults.enable_rate_limit()  # Clerk's development limit
        yield server


@pytest.fixture
def engine(database_url) -> Iterator[sa.Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()
    db.dispose_engines()


def _scenario(server: EmulatorServer, engine: sa.Engine) -> dict[str, list[str]]:
    """Build the Clerk side and the stale local side; return the ids by role."""
    emulator = server.emulator
    users = [
        emulator.create_user(f"member{i}@example.com", first_name=f"Member {i}")
        for i in range(TOTAL)
    ]
    with Session(engine) as session:
        for user in users[:SEEDED]:
            sync_user(session, user)
        session.commit()
    ids = [u["id"] for u in users]
    updated, deleted = ids[:UPDATED], ids[UPDATED : UPDATED + DELETED]
    for clerk_id in updated:
        emulator.update_user(clerk_id, first_name="Renamed")
    for clerk_id in deleted:
        emulator.delete_user(clerk_id)
    return {"updated": updated, "deleted": deleted, "new": ids[SEEDED:]}


def _run(server: EmulatorServer, engine: sa.Engine, *args: str) -> tuple[int, str]:
    console = Console(record=True, width=200)
    code = main(
        [
            "--api-url",
            server.base_url,
            "--secret-key",
            server.emulator.secret_key,
            "--db-url",
            engine.url.render_as_string(hide_password=False),
            "--no-progress",
            *args,
        ],
        console=console,
    )
    return code, console.export_text()


def _counts(output: str) -> dict[str, int]:
    """The summary row of the table the command prints."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if "created" in line and "failed" in line)
    names = [c.strip() for c in lines[header].strip("┃│ ").split("┃")]
    values = [int(v) for v in lines[header + 2].strip("│ ").split("│")]
    return dict(zip(names, values, strict=True))


def test_reconcile_syncs_1200_users_and_tombstones_the_30_deleted(emulator_server, engine):
    roles = _scenario(emulator_server, engine)

    started = time.monotonic()
    code, output = _run(emulator_server, engine)
    elapsed = time.monotonic() - started
    print(f"reconcile of {TOTAL} users: {elapsed:.2f} s")

    assert code == 0, output
    assert _counts(output) == {
        "created": TOTAL - SEEDED,
        "updated": UPDATED,
        "unchanged": SEEDED - UPDATED - DELETED,
        "deleted": DELETED,
        "failed": 0,
    }
    rows = {row["clerk_id"]: row for row in user_rows(engine)}
    assert len(rows) == TOTAL
    assert {cid for cid, row in rows.items() if row["deleted"]} == set(roles["deleted"])
    assert all(rows[cid]["first_name"] == "Renamed" for cid in roles["updated"])
    assert all(rows[cid]["email"] is None for cid in roles["deleted"])  # tombstones are anonymised
    for clerk_id in roles["new"]:
        assert (
            rows[clerk_id]["email"]
            == emulator_server.emulator.get_user(clerk_id)["email_addresses"][0]["email_address"]
        )

    before = user_rows(engine)
    code, output = _run(emulator_server, engine)
    assert code == 0, output
    assert _counts(output) == {
        "created": 0,
        "updated": 0,
        "unchanged": TOTAL - DELETED,
        "deleted": 0,
        "failed": 0,
    }
    assert user_rows(engine) == before


def test_dry_run_writes_nothing_and_predicts_the_real_run(emulator_server, engine):
    roles = _scenario(emulator_server, engine)
    before = table_snapshot(engine)

    code, output = _run(emulator_server, engine, "--dry-run")

    assert code == 0, output
    assert table_snapshot(engine) == before
    assert "dry run" in output
    assert f"would tombstone {roles['deleted'][0]}" in output
    assert f"would create {roles['new'][0]}" in output
    assert f"would update {roles['updated'][0]}" in output
    predicted = _counts(output)

    code, output = _run(emulator_server, engine)
    assert code == 0
    assert _counts(output) == predicted


def test_a_failing_user_gives_a_non_zero_exit_and_is_listed(emulator_server, engine):
    emulator = emulator_server.emulator
    for i in range(3):
        emulator.create_user(f"fine{i}@example.com")
    no_email = emulator.create_user(None, first_name="Phone only")  # sync needs an email

    code, output = _run(emulator_server, engine)

    assert code == 1
    assert no_email["id"] in output
    assert "no primary email address" in output
    assert _counts(output)["created"] == 3
    assert _counts(output)["failed"] == 1
    # The failure does not undo the rest of its page.
    assert len(user_rows(engine)) == 3


@pytest.fixture
def sqlite_engine(sqlite_database_url) -> Iterator[sa.Engine]:
    engine = migrated_engine(sqlite_database_url)
    yield engine
    engine.dispose()
    db.dispose_engines()


def test_rate_limit_is_waited_out(emulator_server, sqlite_engine):
    """Start with the 10-second window used up: the run waits on 429 and completes.

    (The wait does not depend on the database, so SQLite alone.)
    """
    engine = sqlite_engine
    emulator = emulator_server.emulator
    for i in range(600):
        emulator.create_user(f"burst{i}@example.com")
    headers = emulator_server.auth_headers
    with httpx.Client(base_url=emulator_server.base_url, headers=headers) as client:
        while client.get("/v1/users/count").status_code != 429:
            pass
    limited_before = emulator.faults.rate_limited

    code, output = _run(emulator_server, engine)

    assert code == 0, output
    assert emulator.faults.rate_limited > limited_before
    assert _counts(output)["created"] == 600


class _Flaky(httpx.AsyncBaseTransport):
    """Passes requests to the emulator, except the ones ``breaks`` says to break."""

    def __init__(self, breaks) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._breaks = breaks

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        broken = self._breaks(request, response)
        if broken is not None:
            await response.aclose()
            return broken
        return response


def _reconcile_with(server, engine, transport, **kwargs):
    async def go():
        api = ClerkAPI(
            server.base_url, server.emulator.secret_key, transport=transport, backoff_base_s=0.01
        )
        async with api:
            return await reconcile(api, session_factory(engine), page_size=10, **kwargs)

    return asyncio.run(go())


def test_no_tombstone_after_an_incomplete_listing(emulator_server, engine):
    emulator = emulator_server.emulator
    users = [emulator.create_user(f"page{i}@example.com") for i in range(25)]
    with Session(engine) as session:
        for user in users:
            sync_user(session, user)
        session.commit()
    emulator.delete_user(users[0]["id"])  # would be tombstoned by a complete run

    def third_page_fails(request, response):
        if request.url.path.endswith("/v1/users") and request.url.params["offset"] == "20":
            return httpx.Response(500, json={"errors": [{"code": "boom", "message": "down"}]})
        return None

    report = _reconcile_with(emulator_server, engine, _Flaky(third_page_fails))

    assert not report.complete
    assert report.error and "listing Clerk users failed" in report.error
    assert report.counts[Action.DELETED] == 0
    assert not any(row["deleted"] for row in user_rows(engine))
    # The pages that did arrive were synced (and committed): a rerun resumes.
    assert report.counts[Action.UNCHANGED] == 20


def test_a_user_skipped_by_paging_is_confirmed_not_tombstoned(emulator_server, engine):
    emulator = emulator_server.emulator
    users = [emulator.create_user(f"shift{i}@example.com") for i in range(15)]
    with Session(engine) as session:
        for user in users:
            sync_user(session, user)
        session.commit()
    hidden = users[7]["id"]

    class DropOne(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self._inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request):
            response = await self._inner.handle_async_request(request)
            if not request.url.path.endswith("/v1/users"):
                return response
            await response.aread()
            page = [u for u in response.json() if u["id"] != hidden]
            return httpx.Response(200, json=page)

    report = _reconcile_with(emulator_server, engine, DropOne())

    assert report.ok, report
    assert report.counts[Action.DELETED] == 0
    assert report.counts[Action.UNCHANGED] == 15
    assert not any(row["deleted"] for row in user_rows(engine))


def test_unreachable_api_is_exit_2_and_changes_nothing(engine):
    with Session(engine) as session:
        sync_user(session, {**_one_user(), "id": "user_local"})
        session.commit()
    before = table_snapshot(engine)
    console = Console(record=True, width=200)
    code = main(
        [
            "--api-url",
            "http://127.0.0.1:9",  # discard port: nothing listens
            "--secret-key",
            "sk_test_x",
            "--db-url",
            engine.url.render_as_string(hide_password=False),
            "--no-progress",
        ],
        console=console,
    )
    output = console.export_text()
    assert code == 2
    assert "No deletion was applied" in output
    assert table_snapshot(engine) == before


def _one_user() -> dict:
    from tests.support.factories import clerk_user

    return clerk_user()


def _env_for_local_mode(server_url: str, emulator_dir: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "REFLEX_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        REFLEX_API_URL=server_url,
        # The running test app's emulator and database, not the checkout's .data/.
        CLERK_EMULATOR_DIR=str(emulator_dir),
        REFLEX_DB_URL=db_url,
    )
    return env


def test_python_m_in_local_mode_talks_to_the_running_apps_emulator(tmp_path, engine):
    """No flags: local mode finds the emulator at <backend>/_clerk and its secret on disk."""
    emulator_dir = tmp_path / "emulator"
    with EmulatorServer(prefix="/_clerk", data_dir=emulator_dir) as server:
        created = server.emulator.create_user("local@example.com", first_name="Local")
        db_url = engine.url.render_as_string(hide_password=False)
        env = _env_for_local_mode(server.server.url, emulator_dir, db_url)
        run = subprocess.run(
            [sys.executable, "-m", "clerk_app.reconcile", "--no-progress"],
            cwd=tmp_path,  # away from any developer .env
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert _counts(run.stdout)["created"] == 1
    assert [row["clerk_id"] for row in user_rows(engine)] == [created["id"]]


def test_unreachable_database_is_exit_2(emulator_server):
    emulator_server.emulator.create_user("nodb@example.com")
    console = Console(record=True, width=200)
    code = main(
        [
            "--api-url",
            emulator_server.base_url,
            "--secret-key",
            emulator_server.emulator.secret_key,
            "--db-url",
            "postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=2",
            "--no-progress",
        ],
        console=console,
    )
    output = console.export_text()
    db.dispose_engines()
    assert code == 2
    assert "database error" in output


def test_a_live_clerk_user_with_a_local_tombstone_is_reported(emulator_server, engine):
    """Tombstones are final, so this cannot be repaired silently; it is listed."""
    user = emulator_server.emulator.create_user("back@example.com")
    with Session(engine) as session:
        delete_user(session, user["id"])
        session.commit()

    code, output = _run(emulator_server, engine)

    assert code == 1
    assert user["id"] in output
    assert "tombstoned locally but live in Clerk" in output
    assert user_rows(engine)[0]["deleted"]
