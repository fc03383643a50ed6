"""Engines, sessions and migrations: the only place that knows how to reach the database.

* :func:`get_engine`: one engine per URL (cached), ``postgresql://`` on psycopg 3,
  SQLite set up for a web server: WAL (readers never block the writer), a busy timeout
  (writers queue, no "database is locked"), foreign keys on, real transactions
  (SQLAlchemy emits ``BEGIN``, so SAVEPOINTs work).
* :func:`async_session_scope`: a unit of work on the event loop (the pages' cold
  paths), the sync ORM code through ``AsyncSession.run_sync`` on an async driver.
* :func:`execute_one` / :func:`execute_all`: the hot path, one statement compiled once
  and run on the driver (:mod:`clerk_app.lean`).
* :func:`run` is the one async runner the pages' use cases go through: a timeout, and
  one retry on a lost connection (:class:`Unavailable` otherwise).

Migrations (``alembic upgrade head``, in-process) live in :mod:`clerk_app.schema`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from clerk_app import lean
from clerk_app.local_data import ensure_sqlite_dir

if TYPE_CHECKING:  # imported where used: the async ORM's import costs every start
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

#: How long a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10  # opening a PostgreSQL connection, at most
ASYNC_POOL_SIZE = 10  # connections each server worker keeps for page events


def normalise_url(url: str | sa.URL) -> str:
    """The URL with ``postgresql://`` (or ``postgres://``) pointed at psycopg 3."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def resolve_url(url: str | None = None) -> str:
    """``url``, else the configured one (``REFLEX_DB_URL``, default ``.data/reflex.db``)."""
    if not url:
        from clerk_app.settings import get_settings

        url = get_settings().db_url
    return normalise_url(url)


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """A new (uncached) engine; ``kwargs`` go to :func:`sqlalchemy.create_engine`."""
    url = normalise_url(url)
    if not sa.make_url(url).drivername.startswith("sqlite"):
        return sa.create_engine(url, **_postgres_options(kwargs))
    ensure_sqlite_dir(url)
    kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
    engine = sa.create_engine(url, **kwargs)
    _configure_sqlite_engine(engine)
    return engine


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """:func:`make_engine`'s async twin: psycopg's async mode, or aiosqlite for SQLite."""
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = sa.make_url(normalise_url(url))
    if not parsed.drivername.startswith("sqlite"):
        # A fixed set of connections: a burst of page events queues for one (cheap, on
        # the loop) instead of opening and closing overflow connections (expensive).
        kwargs.setdefault("pool_size", ASYNC_POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
        # No round trip per checkout to test the connection: the page's use cases retry
        # once on a lost connection instead (see clerk_app.members._run).
        kwargs.setdefault("pool_pre_ping", False)
        return create_async_engine(parsed, **_postgres_options(kwargs))
    ensure_sqlite_dir(url)
    engine = create_async_engine(parsed.set(drivername="sqlite+aiosqlite"), **kwargs)
    _configure_sqlite_engine(engine.sync_engine)
    return engine


def _postgres_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    # Ping at checkout (a restart kills every pooled connection); bound the connect.
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
    return kwargs


def _configure_sqlite_engine(engine: sa.Engine) -> None:
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))


#: Each SQLite connection's set-up (engines and hot path). synchronous=NORMAL is safe
#: with WAL (a power loss may lose the last commits, never corrupts).
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module (see module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


_engines: dict[str, sa.Engine] = {}
_engines_by_arg: dict[str | None, sa.Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str | None = None) -> sa.Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    engine = _engines_by_arg.get(url)  # fast path: no URL parsing on every session
    if engine is None:
        key = resolve_url(url)
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = make_engine(key)
            _engines_by_arg[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every cached engine's connections and forget them (tests, forks)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _engines_by_arg.clear()
        for engines in _async_engines.values():
            for engine in engines.values():
                # Closes the pooled connections without their event loop (it may be gone).
                engine.sync_engine.dispose(close=False)
        _async_engines.clear()
        for pools in _lean_pools.values():
            for pool in pools.values():
                pool.close()
        _lean_pools.clear()


#: event loop -> URL argument -> engine: an async engine's connections belong to the
#: loop that opened them (one loop per server worker; one per test in the suite).
_async_engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, AsyncEngine]]
_async_engines = weakref.WeakKeyDictionary()


def get_async_engine(url: str | None = None) -> AsyncEngine:
    """The async engine for ``url`` (default: the configured database) on this event loop."""
    engines = _async_engines.setdefault(asyncio.get_running_loop(), {})
    engine = engines.get(url)
    if engine is None:
        engine = engines[url] = make_async_engine(resolve_url(url))
    return engine


def new_session(url: str | None = None) -> Session:
    """A session on :func:`get_engine`; objects stay readable after commit."""
    return Session(get_engine(url), expire_on_commit=False)


@asynccontextmanager
async def async_session_scope(url: str | None = None) -> AsyncIterator[AsyncSession]:
    """``async with async_session_scope() as session:``, :func:`session_scope` on the loop.

    Run the sync ORM code with ``await session.run_sync(fn, *args)``.
    """
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = get_async_engine(url)
    session = AsyncSession(engine, expire_on_commit=False, sync_session_class=Session)
    async with session:
        try:
            yield session
            await session.commit()
        except asyncio.CancelledError:
            # Gave up waiting (a stalled server): a ROLLBACK would stall too. Closing the
            # session hands the connection back, and the pool discards a cancelled one.
            raise
        except BaseException:
            await session.rollback()
            raise


async def execute_one(stmt: sa.Executable, params: dict[str, Any], url: str | None = None) -> Any:
    """Run one statement on the loop; its first row as a dict, or ``None``.

    The hot paths' way (a page's read, a profile save, the sync's upsert): compiled
    once and run on the driver directly (:mod:`clerk_app.lean`), autocommitted.
    Failures raise :class:`~clerk_app.lean.DriverError`.
    """
    return await lean_pool(url).fetch_one(stmt, params)


async def execute_all(stmt: sa.Executable, params: dict[str, Any], url: str | None = None) -> Any:
    """:func:`execute_one`, every row (a page's short list)."""
    return await lean_pool(url).fetch_all(stmt, params)


# event loop -> URL argument -> the driver connections of execute_one / execute_all
_lean_pools: weakref.WeakKeyDictionary[Any, dict[Any, lean.Pool]] = weakref.WeakKeyDictionary()


def lean_pool(url: str | None = None) -> lean.Pool:
    """The driver connections for ``url`` (default: the configured database) on this loop."""
    pools = _lean_pools.setdefault(asyncio.get_running_loop(), {})
    pool = pools.get(url)
    if pool is None:
        resolved = resolve_url(url)
        if sa.make_url(resolved).drivername.startswith("sqlite"):
            ensure_sqlite_dir(resolved)
            options: dict[str, Any] = {"pragmas": SQLITE_PRAGMAS}
        else:
            options = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        pool = pools[url] = lean.Pool(resolved, ASYNC_POOL_SIZE, **options)
    return pool


# -- the runner ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)
T = TypeVar("T")
#: How long a page waits for the database before saying it is unavailable (the query is
#: then cancelled and its connection discarded).
TIMEOUT_S = 15.0


class Unavailable(Exception):
    """The database did not do the work: unreachable, failing, or too slow.

    ``sql_error``: the database answered with an error (a missing table, say), as
    opposed to not answering at all.
    """

    def __init__(self, detail: str, *, sql_error: bool = False) -> None:
        super().__init__(detail)
        self.sql_error = sql_error


async def run(work: Callable[[], Awaitable[T]], *, timeout_s: float | None = None) -> T:
    """``await work()`` (database work on the loop), or :class:`Unavailable`.

    A connection lost under the statement (a server restart or failover, a network
    reset) is retried once, on a fresh connection: every unit of work the pages run is
    idempotent (reads, the upsert, an ``UPDATE`` of the values the user sees), so a
    retry converges, and the pool needs no round trip per checkout to test its
    connections.

    Gives up after ``timeout_s`` (default :data:`TIMEOUT_S`): a stalled connection (a
    black-holed network, a wedged server) would otherwise keep the page spinning
    forever, as the driver has no client-side query timeout. The work runs in the
    caller's task, and the caller does not wait for the driver's clean-up
    (:func:`clerk_app.lean.within`).
    """
    try:
        return await lean.within(
            lambda: _retried_once(work), TIMEOUT_S if timeout_s is None else timeout_s
        )
    except TimeoutError:
        logger.warning("database did not answer in time")
        raise Unavailable("database timeout") from None
    except lean.DriverError as exc:
        logger.warning("database %s: %s", "error" if exc.sql_error else "unreachable", exc)
        raise Unavailable(str(exc), sql_error=exc.sql_error) from exc
    except SQLAlchemyError as exc:
        logger.warning("database error: %s", type(exc).__name__)
        raise Unavailable(type(exc).__name__, sql_error=True) from exc
    except OSError as exc:  # a refused connection surfaces as such from some drivers
        logger.warning("database unreachable: %s", type(exc).__name__)
        raise Unavailable(type(exc).__name__) from exc


async def _retried_once(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return await work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        logger.info("database connection lost (%s); retrying once", type(exc.orig).__name__)
        return await work()
