"""Benchmark: our one-statement ``sync_user`` against the seed's find-then-write pattern.

The seed (``syncUser()`` in the course module) reads the row, then creates or
updates it through the ORM: three round trips (SELECT, INSERT/UPDATE, COMMIT)
and a race between the read and the write. Ours is one
``INSERT … ON CONFLICT … RETURNING`` and a COMMIT. Both run here on the same
schema, through the same sessions, in the same run, so the ratio is fair.

On PostgreSQL, two more rows in the same run, each worker on its own raw psycopg
connection (autocommit): the *floor*, a hand-written single-statement upsert (no ORM,
no compiled statement, no row object: what one sync cannot beat), and *ours on the
driver*, the pages' path (``sync_user``'s own statement from ``upsert_call``, compiled
once by :class:`clerk_app.lean.Compiled`, its row turned into ``UserPublic``; the rare
row it does not settle goes through ``sync_user``). Targets at 8 and 32 workers: ours
on the driver ≥ 0.6× the floor and ≥ 1.5× the seed.

Two measurements per database:

* throughput: syncs per second with 1, 8 and 32 concurrent workers (threads,
  one connection each), on a sign-in mix: 25% first sign-ins, 75% returning
  users (half with changed Clerk data); errors are counted, not hidden;
* burst: many workers sync the *same* brand-new user at the same instant (two
  tabs, a double click, a webhook racing /welcome), repeated with fresh users.

Usage::

    python bench/sync.py              # SQLite temp file + throwaway PostgreSQL database
    python bench/sync.py --quick      # a few seconds (CI)
    python bench/sync.py --pg-url postgresql://user@host/db --no-sqlite
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.harness.membership_sync import membership_rows
from clerk_app import db, lean, schema
from clerk_app.models import User, UserPublic, new_user_id, utcnow
from clerk_app.sync import sync_user, upsert_call

DEFAULT_PG_URL = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORKER_COUNTS = (1, 8, 32)
EXISTING_USERS = 1000
#: Extra create_engine() arguments for every engine (--no-pre-ping); default: the app's own.
ENGINE_OPTIONS: dict[str, Any] = {}

SyncFn = Callable[[Session, dict], Any]


# -- the two implementations -----------------------------------------------------------------


def seed_sync(session: Session, clerk: dict) -> User:
    """The seed's syncUser(), ported as written: find, then create or update (ORM)."""
    email = clerk["email_addresses"][0]["email_address"]
    username = clerk.get("username") or email.split("@")[0]
    user = session.exec(select(User).where(User.clerk_id == clerk["id"])).first()
    if user is None:
        user = User(clerk_id=clerk["id"], email=email, username=username)
        session.add(user)
    else:
        user.email, user.username = email, username
    user.first_name = clerk.get("first_name")
    user.last_name = clerk.get("last_name")
    user.image_url = clerk.get("image_url")
    return user


#: The floor: the raw single-statement upsert through psycopg (hand-written SQL, no
#: ORM, no compiled statement, no row object): what one sync cannot beat.
FLOOR_SQL = """INSERT INTO "user" (id, clerk_id, email, first_name, last_name, image_url,
    username, clerk_updated_at, synced_at, created_at, updated_at)
VALUES (%(id)s, %(clerk_id)s, %(email)s, %(first_name)s, %(last_name)s, %(image_url)s,
    %(username)s, %(updated_at)s, now(), now(), now())
ON CONFLICT (clerk_id) DO UPDATE SET email = excluded.email,
    first_name = excluded.first_name, last_name = excluded.last_name,
    image_url = excluded.image_url, clerk_updated_at = excluded.clerk_updated_at,
    synced_at = excluded.synced_at
WHERE "user".clerk_updated_at <= excluded.clerk_updated_at
RETURNING id"""


def floor_sync(conn: Any, clerk: dict) -> Any:
    email = clerk["email_addresses"][0]["email_address"]
    params = {
        "id": new_user_id(),
        "clerk_id": clerk["id"],
        "email": email,
        "first_name": clerk.get("first_name"),
        "last_name": clerk.get("last_name"),
        "image_url": clerk.get("image_url"),
        "username": clerk.get("username") or email.split("@")[0],
        "updated_at": clerk["updated_at"],
    }
    return conn.execute(FLOOR_SQL, params, prepare=True).fetchone()


def driver_sync(conn: Any, clerk: dict, dialect: str = "postgresql") -> UserPublic:
    """Ours as the pages run it: ``sync_user``'s own statement (``upsert_call``),
    compiled once (:class:`clerk_app.lean.Compiled`), on the driver, autocommitted; the
    rare row it does not settle (a unique value held elsewhere) through ``sync_user``.
    The pages do the same on psycopg's async connections (``clerk_app.members``)."""
    stmt, params = upsert_call(clerk, dialect)
    compiled = _compiled(stmt, dialect)
    try:
        raw = conn.execute(compiled.sql, compiled.parameters(params), prepare=True).fetchone()
    except psycopg.errors.UniqueViolation:
        raw = None
    if raw is None:
        with Session(_slow_path_engine(), expire_on_commit=False) as session:
            user = sync_user(session, clerk)
            session.commit()
        return UserPublic.from_user(user)
    return UserPublic.model_validate(compiled.row(raw))


_compiled_cache: dict[int, tuple[Any, lean.Compiled]] = {}
_slow_engine: list[sa.Engine] = []


def _compiled(stmt: Any, dialect: str) -> lean.Compiled:
    found = _compiled_cache.get(id(stmt))
    if found is None or found[0] is not stmt:
        found = _compiled_cache[id(stmt)] = (stmt, lean.Compiled.of(stmt, lean._dialect(dialect)))
    return found[1]


def _slow_path_engine() -> sa.Engine:
    return _slow_engine[0]


IMPLEMENTATIONS: dict[str, SyncFn] = {"ours": sync_user, "seed": seed_sync}
#: Rows run on a raw psycopg connection per worker (PostgreSQL only).
DRIVER_IMPLEMENTATIONS = {"floor": floor_sync, "ours (driver)": driver_sync}
#: PostgreSQL, 8 and 32 workers: ours on the driver against the floor and the seed.
FLOOR_TARGET, SEED_TARGET = 0.6, 1.5


# -- workload ---------------------------------------------------------------------------------


def clerk_json(*, first_name: str = "Ada", updated_at: int = 1) -> dict:
    """A minimal Clerk user JSON with a unique id, email and local part."""
    token = secrets.token_hex(8)
    return {
        "id": f"user_{token}",
        "username": None,
        "first_name": first_name,
        "last_name": "Lovelace",
        "image_url": f"https://img.clerk.com/{token}",
        "primary_email_address_id": f"idn_{token}",
        "email_addresses": [{"id": f"idn_{token}", "email_address": f"u{token}@bench.example"}],
        "updated_at": updated_at,
    }


def populate(engine: sa.Engine) -> list[dict]:
    """Empty the table and store EXISTING_USERS users (bulk insert); return their Clerk JSON."""
    users = [clerk_json() for _ in range(EXISTING_USERS)]
    table = User.__table__
    now = utcnow()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql('TRUNCATE "user", processed_webhook CASCADE')
        else:
            connection.exec_driver_sql('DELETE FROM "user"')
        connection.execute(
            table.insert(),
            [
                {
                    "id": new_user_id(),
                    "clerk_id": user["id"],
                    "email": user["email_addresses"][0]["email_address"],
                    "username": user["email_addresses"][0]["email_address"].split("@")[0],
                    "first_name": user["first_name"],
                    "last_name": user["last_name"],
                    "image_url": user["image_url"],
                    "clerk_updated_at": user["updated_at"],
                    "synced_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for user in users
            ],
        )
    return users


_clock = itertools.count(2)  # Clerk's updated_at only moves forward


def next_sign_in(existing: list[dict], counter: int) -> dict:
    """25% first sign-ins; 75% returning users, half of them with changed Clerk data."""
    kind = counter % 8
    if kind < 2:
        return clerk_json()
    index = secrets.randbelow(len(existing))
    if kind < 5:
        return existing[index]  # the latest data, as Clerk would send it
    changed = {**existing[index], "first_name": f"Ada{counter}", "updated_at": next(_clock)}
    existing[index] = changed
    return changed


# -- runners ----------------------------------------------------------------------------------


@dataclass
class Cell:
    syncs: int = 0  # successful ones only: a failed sync is not a sync
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process, all threads: the Python side of a sync

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.syncs * 1e6 if self.syncs else float("inf")

    @property
    def rate(self) -> float:
        return self.syncs / self.seconds if self.seconds else 0.0


def one_sync(engine: sa.Engine, fn: SyncFn, clerk: dict) -> bool:
    """One sign-in in its own session and transaction; False if it raised."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            fn(session, clerk)
            session.commit()
        return True
    except Exception:
        return False


def pooled_engine(url: str, workers: int) -> sa.Engine:
    """The app's engine configuration, with one connection per worker."""
    return db.make_engine(url, pool_size=workers, max_overflow=0, **ENGINE_OPTIONS)


def driver_throughput(url: str, fn: Callable, workers: int, duration: float) -> Cell:
    """:func:`throughput` with one raw autocommitted psycopg connection per worker."""
    engine = pooled_engine(url, workers)
    _slow_engine[:] = [engine]
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        existing = populate(engine)
        connections = [psycopg.connect(plain, autocommit=True) for _ in range(workers)]

        def one(index: int, clerk: dict) -> bool:
            try:
                fn(connections[index], clerk)
                return True
            except Exception:
                return False

        try:
            return _run_workers(existing, one, workers, duration)
        finally:
            for conn in connections:
                conn.close()
    finally:
        engine.dispose()


def _run_workers(
    existing: list[dict], one: Callable[[int, dict], bool], workers: int, duration: float
) -> Cell:
    barrier = threading.Barrier(workers + 1)
    counts = [[0, 0] for _ in range(workers)]
    stop = threading.Event()

    def worker(index: int) -> None:
        barrier.wait()
        done = failed = 0
        while not stop.is_set():
            if one(index, next_sign_in(existing, (done + failed) * workers + index)):
                done += 1
            else:
                failed += 1
        counts[index] = [done, failed]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start, cpu_start = time.perf_counter(), time.process_time()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return Cell(sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed, cpu)


def throughput(url: str, fn: SyncFn, workers: int, duration: float) -> Cell:
    engine = pooled_engine(url, workers)
    try:
        existing = populate(engine)
        barrier = threading.Barrier(workers + 1)
        counts = [[0, 0] for _ in range(workers)]
        stop = threading.Event()

        def worker(index: int) -> None:
            with engine.connect():  # open this worker's connection before the clock starts
                pass
            barrier.wait()
            done = failed = 0
            while not stop.is_set():
                if one_sync(engine, fn, next_sign_in(existing, (done + failed) * workers + index)):
                    done += 1
                else:
                    failed += 1
            counts[index] = [done, failed]

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start, cpu_start = time.perf_counter(), time.process_time()
        time.sleep(duration)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        return Cell(sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed, cpu)
    finally:
        engine.dispose()


def burst(url: str, fn: SyncFn, workers: int, rounds: int) -> tuple[int, int, int]:
    """``workers`` threads sync the same new user at once, ``rounds`` times.

    Returns (errors, attempts, users that did not end with exactly one row).
    """
    engine = pooled_engine(url, workers)
    errors = bad_users = 0
    try:
        for _ in range(rounds):
            clerk = clerk_json()
            barrier = threading.Barrier(workers)
            failures = []

            def worker(
                clerk: dict = clerk, barrier: threading.Barrier = barrier, failures: list = failures
            ) -> None:
                with engine.connect():
                    pass
                barrier.wait()
                if not one_sync(engine, fn, clerk):
                    failures.append(1)

            threads = [threading.Thread(target=worker) for _ in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            errors += len(failures)
            with engine.connect() as connection:
                count = connection.scalar(
                    sa.select(sa.func.count()).where(User.__table__.c.clerk_id == clerk["id"])
                )
            bad_users += count != 1
        return errors, workers * rounds, bad_users
    finally:
        engine.dispose()


# -- databases --------------------------------------------------------------------------------


def describe(url: str) -> str:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                version = connection.exec_driver_sql("SHOW server_version").scalar()
                where = sa.make_url(url)
                return f"PostgreSQL {version} at {where.host}:{where.port or 5432}/{where.database}"
            version = connection.exec_driver_sql("SELECT sqlite_version()").scalar()
            return f"SQLite {version} (WAL) at {sa.make_url(url).database}"
    finally:
        engine.dispose()


class ThrowawayPostgres:
    """A database created on the server at ``server_url`` and dropped afterwards."""

    def __init__(self, server_url: str) -> None:
        self.admin = db.make_engine(server_url, isolation_level="AUTOCOMMIT")
        self.name = f"clerk_app_bench_{secrets.token_hex(4)}"
        self.url = ""

    def __enter__(self) -> str:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = self.admin.url.set(database=self.name).render_as_string(hide_password=False)
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


# -- report -----------------------------------------------------------------------------------


def _median(cells: list[Cell]) -> float:
    return statistics.median(c.rate for c in cells)


def _median_cpu(cells: list[Cell]) -> float:
    return statistics.median(c.cpu_us for c in cells)


def bench_database(
    url: str, *, duration: float, rounds: int, burst_rounds: int
) -> tuple[bool, bool]:
    schema.upgrade(url)
    engine = pooled_engine(url, 1)
    ping = "on" if engine.pool._pre_ping else "off"
    engine.dispose()
    print(f"\n{describe(url)}; pool pre-ping {ping}")
    print(f"  throughput: sign-in mix, {duration:g} s per cell, median of {rounds} round(s)")
    print(
        "  workers   ours syncs/s   seed syncs/s   ratio   ours errors   seed errors"
        "   CPU µs/sync ours / seed"
    )
    postgres = url.startswith("postgres")
    driver_rows: list[tuple] = []
    targets_met = True
    for workers in WORKER_COUNTS:
        cells: dict[str, list[Cell]] = {name: [] for name in IMPLEMENTATIONS}
        if postgres:
            cells |= {name: [] for name in DRIVER_IMPLEMENTATIONS}
        for _ in range(rounds):  # back to back, so the machine's load hits all alike
            for name, fn in IMPLEMENTATIONS.items():
                cells[name].append(throughput(url, fn, workers, duration))
            if postgres:
                for name, fn in DRIVER_IMPLEMENTATIONS.items():
                    cells[name].append(driver_throughput(url, fn, workers, duration))
        rate = {name: statistics.median(c.rate for c in runs) for name, runs in cells.items()}
        errs = {name: sum(c.errors for c in runs) for name, runs in cells.items()}
        ratio = statistics.median(
            ours.rate / seed.rate if seed.rate else float("inf")
            for ours, seed in zip(cells["ours"], cells["seed"], strict=True)
        )
        cpu = {name: statistics.median(c.cpu_us for c in runs) for name, runs in cells.items()}
        print(
            f"  {workers:>7}   {rate['ours']:>12,.0f}   {rate['seed']:>12,.0f}   {ratio:>4.2f}x"
            f"   {errs['ours']:>11,}   {errs['seed']:>11,}"
            f"   {cpu['ours']:>11,.0f} / {cpu['seed']:,.0f}"
        )
        if postgres:
            drv, flo = cells["ours (driver)"], cells["floor"]
            ratio_floor = statistics.median(
                d.rate / f.rate if f.rate else 0.0 for d, f in zip(drv, flo, strict=True)
            )
            ratio_seed = statistics.median(
                d.rate / sd.rate if sd.rate else float("inf")
                for d, sd in zip(drv, cells["seed"], strict=True)
            )
            driver_rows.append(
                (workers, _median(flo), _median(drv), ratio_floor, ratio_seed, flo, drv)
            )
    if driver_rows:
        print(
            "  the pages' path: ours on the driver (sync_user's statement compiled once, raw "
            "psycopg) vs the floor (a hand-written upsert, raw psycopg)"
        )
        print(
            "  workers  floor syncs/s  ours syncs/s  ours/floor  ours/seed  errors floor / ours"
            "  CPU µs/sync floor / ours"
        )
        for workers, flo_rate, drv_rate, ratio_floor, ratio_seed, flo, drv in driver_rows:
            errors = f"{sum(c.errors for c in flo)} / {sum(c.errors for c in drv)}"
            cpu = f"{_median_cpu(flo):,.0f} / {_median_cpu(drv):,.0f}"
            print(
                f"  {workers:>7}  {flo_rate:>13,.0f}  {drv_rate:>12,.0f}  {ratio_floor:>9.2f}x"
                f"  {ratio_seed:>8.2f}x  {errors:>19}  {cpu:>24}"
            )
            if workers >= 8:
                met = ratio_floor >= FLOOR_TARGET and ratio_seed >= SEED_TARGET
                targets_met &= met
                print(
                    f"  {'ok' if met else 'MISSED'}: {workers} workers, ours {ratio_floor:.2f}x "
                    f"the floor (target >= {FLOOR_TARGET}), {ratio_seed:.2f}x the seed "
                    f"(target >= {SEED_TARGET})"
                )
    membership_rows(url, duration=duration, rounds=rounds)
    workers = max(WORKER_COUNTS)
    print(f"  burst: {workers} workers sync the same new user at once, {burst_rounds} new users")
    ours_clean = True
    for name, fn in IMPLEMENTATIONS.items():
        errors, attempts, bad = burst(url, fn, workers, burst_rounds)
        print(
            f"    {name}: {errors} errors in {attempts} syncs; users without exactly one row: {bad}"
        )
        ours_clean &= name != "ours" or (errors == 0 and bad == 0)
    return ours_clean, targets_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--sqlite-url", help="SQLite database to use (default: a temp file)")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL server; a throwaway database is created there and dropped "
        "(default: PG_TEST_URL or %(default)s)",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--no-pre-ping",
        action="store_true",
        help="turn the pool's per-checkout ping off, to measure the sync statements alone",
    )
    args = parser.parse_args(argv)
    if args.no_pre_ping:
        ENGINE_OPTIONS["pool_pre_ping"] = False
    duration, rounds, burst_rounds = (0.3, 1, 3) if args.quick else (1.5, 5, 20)

    print("sync_user (INSERT … ON CONFLICT … RETURNING) vs the seed's find-then-write (ORM)")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}; ratio = median of per-round ratios")
    ok = targets = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.sqlite_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            clean, _ = bench_database(
                url, duration=duration, rounds=rounds, burst_rounds=burst_rounds
            )
            ok &= clean
    if not args.no_pg:
        try:
            throwaway = ThrowawayPostgres(args.pg_url)
            with throwaway as url:
                clean, targets = bench_database(
                    url, duration=duration, rounds=rounds, burst_rounds=burst_rounds
                )
                ok &= clean
        except sa.exc.OperationalError as exc:
            print(f"\nPostgreSQL at {args.pg_url}: unreachable ({exc.orig}); use --no-pg to skip")
            return 1
    if not ok:
        print("\nFAILED: our sync had errors in the burst")
    if not targets:
        print("\nMISSED: ours on the driver against the floor or the seed (see above)")
        if args.quick:
            print("(quick mode: cells too short for the ratios; not failing on them)")
    return 0 if ok and (targets or args.quick) else 1


if __name__ == "__main__":
    sys.exit(main())
