"""The pages' hot path to the database: SQLAlchemy statements compiled once, run on the driver.

A page event's statement (the /members read, the save's ``UPDATE … RETURNING``, the
sync's upsert, the organizations list) is a SQLAlchemy Core statement defined once,
next to its rules. Through the async engine each run costs ~400 µs of CPU (greenlet
hops, pool checkout and check-in, transaction bookkeeping, result objects) for a
statement the driver runs in ~100 µs. Here it is compiled once per dialect (SQL,
parameter order, column defaults, SQLAlchemy's bind and result processors: values come
back as the ORM returns them) and run on a raw connection: psycopg 3 async in
autocommit (one round trip, atomic on its own), or aiosqlite (one thread hop, the
pragmas of :mod:`clerk_app.db`'s engines).

:class:`Pool`: a fixed set of connections per event loop, opened on demand. A lost
connection drops every one opened before it (they died together) and the statement is
retried once. Errors are :class:`DriverError` (``sql_error``: the database answered;
its SQLSTATE, ``23505`` for a unique violation). Timeouts: :func:`clerk_app.db.run`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)

UNIQUE_VIOLATION = "23505"
T = TypeVar("T")


class DriverError(Exception):
    """A statement failed. ``sql_error``: the database answered with an error (as opposed
    to not being reachable); ``sqlstate``: its code when known."""

    def __init__(self, detail: str, *, sql_error: bool, sqlstate: str | None = None) -> None:
        super().__init__(detail)
        self.sql_error = sql_error
        self.sqlstate = sqlstate


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement for one dialect: what the driver needs, computed once."""

    sql: str
    positional: tuple[str, ...]  # parameter order (``?``, ``%s``): args go as a tuple
    defaults: Mapping[str, Any]  # what SQLAlchemy fills in: column defaults, literals
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    columns: tuple[str, ...]
    processed: tuple[tuple[str, Callable[[Any], Any]], ...]  # timestamps, SQLite's bools

    @classmethod
    def of(cls, stmt: sa.Executable, dialect: sa.Dialect) -> Compiled:
        compiled = stmt.compile(dialect=dialect)
        # Values written into the statement itself (``role == "org:admin"``, ``.limit(1)``).
        defaults: dict[str, Any] = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None
        }
        for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
            default = column.default
            if default is None or not default.is_scalar:
                raise ValueError(f"{column.key}: only scalar column defaults are supported here")
            defaults[column.key] = default.arg
        result_columns = compiled._result_columns  # (key, name, objects, type)
        processors = [(c[0], c[3]._cached_result_processor(dialect, None)) for c in result_columns]
        return cls(
            sql=compiled.string,
            positional=tuple(compiled.positiontup or ()),
            defaults=defaults,
            binds=tuple(compiled._bind_processors.items()),
            columns=tuple(column[0] for column in result_columns),
            processed=tuple((name, process) for name, process in processors if process),
        )

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **params} if self.defaults else dict(params)
        for name, process in self.binds:
            if name in values:
                values[name] = process(values[name])
        return tuple(values[name] for name in self.positional)

    def row(self, raw: Any) -> dict[str, Any]:
        row = dict(zip(self.columns, raw, strict=True))
        for name, process in self.processed:
            row[name] = process(row[name])
        return row


def _dialect(name: str) -> sa.Dialect:
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        # Positional (``%s``): psycopg then needs no name lookup and reordering per call.
        return PGDialect_psycopg(paramstyle="format")
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    return SQLiteDialect_pysqlite()


MAX_COMPILED = 512  # compiled statements a pool keeps (the app builds a few dozen)


@dataclass(slots=True)
class _Connection:
    raw: Any
    generation: int
    #: psycopg: the connection's one cursor, reused (one statement at a time per connection).
    cursor: Any = None


class Pool:
    """Up to ``size`` driver connections to one database (a SQLAlchemy ``url``), for one
    event loop. ``connect_options``: SQLite: ``pragmas`` (run on each new connection);
    PostgreSQL: ``psycopg.AsyncConnection.connect``'s keyword arguments.
    """

    def __init__(self, url: str, size: int, **connect_options: Any) -> None:
        parsed = sa.make_url(url)
        self.dialect_name = "sqlite" if parsed.drivername.startswith("sqlite") else "postgresql"
        self._dialect = _dialect(self.dialect_name)
        if self.dialect_name == "sqlite":
            self._target: Any = parsed.database or ":memory:"
        else:
            self._target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self._options = connect_options
        self._slots: asyncio.Queue[_Connection | None] = asyncio.Queue()
        for _ in range(size):
            self._slots.put_nowait(None)
        self._generation = 0
        self._compiled: dict[int, tuple[sa.Executable, Compiled]] = {}

    def compiled(self, stmt: sa.Executable) -> Compiled:
        found = self._compiled.get(id(stmt))
        if found is None or found[0] is not stmt:
            if len(self._compiled) >= MAX_COMPILED:  # statements built per call: stay bounded
                self._compiled.clear()
            found = self._compiled[id(stmt)] = (stmt, Compiled.of(stmt, self._dialect))
        return found[1]

    async def fetch_one(self, stmt: sa.Executable, params: Mapping[str, Any]) -> dict | None:
        """Run ``stmt``; its first row (columns by name, processed as SQLAlchemy would)."""
        rows = await self.fetch_all(stmt, params, limit=1)
        return rows[0] if rows else None

    async def fetch_all(
        self, stmt: sa.Executable, params: Mapping[str, Any], *, limit: int | None = None
    ) -> list[dict]:
        """Run ``stmt``; its rows (at most ``limit``), as :meth:`fetch_one` gives one."""
        compiled = self.compiled(stmt)
        args = compiled.parameters(params)
        for attempt in (1, 2):
            conn = await self._acquire()
            try:
                raw = await self._run(conn, compiled.sql, args, limit)
            except BaseException as exc:
                lost = self._lost(conn.raw, exc)
                self._release(conn, discard=lost or not isinstance(exc, Exception))
                if lost:
                    self._generation += 1  # its siblings died with it (a restart)
                    if attempt == 1:
                        logger.info("database connection lost (%s); retrying once", type(exc))
                        continue
                raise self._error(exc) from exc
            self._release(conn)
            return [compiled.row(row) for row in raw]
        raise AssertionError("unreachable")

    # -- connections ----------------------------------------------------------------------

    async def _acquire(self) -> _Connection:
        while True:
            conn = await self._slots.get()
            if conn is not None and conn.generation == self._generation:
                return conn
            if conn is not None:
                self._close(conn.raw)
            try:
                raw = await self._connect()
                # Rows in binary: timestamps and numbers decode without parsing text.
                cursor = raw.cursor(binary=True) if self.dialect_name == "postgresql" else None
                return _Connection(raw, self._generation, cursor)
            except BaseException as exc:
                self._slots.put_nowait(None)
                if isinstance(exc, Exception):
                    raise self._error(exc) from exc
                raise

    def _release(self, conn: _Connection, *, discard: bool = False) -> None:
        if discard:
            self._close(conn.raw)
            self._slots.put_nowait(None)
        else:
            self._slots.put_nowait(conn)

    async def _connect(self) -> Any:
        if self.dialect_name == "postgresql":
            import psycopg

            return await psycopg.AsyncConnection.connect(
                self._target, autocommit=True, **self._options
            )
        import aiosqlite

        # isolation_level=None: the sqlite3 module leaves transactions alone; one
        # statement is its own transaction.
        conn = await aiosqlite.connect(self._target, isolation_level=None)
        for pragma in self._options.get("pragmas", ()):
            await conn.execute(pragma)
        return conn

    async def _run(self, conn: _Connection, sql: str, args: Any, limit: int | None) -> list:
        # Every statement here returns rows (SELECT, or RETURNING).
        if self.dialect_name == "postgresql":
            # Prepared at once: each statement here runs again and again.
            await conn.cursor.execute(sql, args, prepare=True)
            if limit == 1:
                row = await conn.cursor.fetchone()
                return [] if row is None else [row]
            return await conn.cursor.fetchall()
        rows = await conn.raw.execute_fetchall(sql, args)  # one hop to the connection's thread
        return list(rows[:limit] if limit else rows)

    def _lost(self, conn: Any, exc: BaseException) -> bool:
        """The connection died under the statement (not an error the database returned)."""
        if self.dialect_name != "postgresql":
            return False
        import psycopg

        return isinstance(exc, psycopg.OperationalError) and (conn.broken or conn.closed)

    def _close(self, conn: Any) -> None:
        try:
            if self.dialect_name == "postgresql":
                conn.pgconn.finish()  # no round trip: the connection may be dead or stalled
            else:
                conn.stop()
        except Exception:  # already gone
            pass

    def _error(self, exc: BaseException) -> BaseException:
        if not isinstance(exc, Exception) or isinstance(exc, DriverError):
            return exc
        if isinstance(exc, sqlite3.Error):
            unique = isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
            state = UNIQUE_VIOLATION if unique else None
            return DriverError(type(exc).__name__, sql_error=True, sqlstate=state)
        sqlstate = getattr(exc, "sqlstate", None)
        return DriverError(type(exc).__name__, sql_error=sqlstate is not None, sqlstate=sqlstate)

    def close(self) -> None:
        """Close the idle connections (no round trip, any loop)."""
        while not self._slots.empty():
            conn = self._slots.get_nowait()
            if conn is not None:
                self._close(conn.raw)


async def within(work: Callable[[], Awaitable[T]], timeout_s: float) -> T:
    """``await work()`` in the caller's task, or :class:`TimeoutError` after ``timeout_s``.

    ``asyncio.timeout`` (one timer, no extra task), but an expiry cancels twice: the
    second cuts psycopg's clean-up short (up to 10 s for a server-side cancel on a
    black-holed connection), so the caller never waits for a dead server.
    """
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    cancels = 0
    inside = True

    def cancel() -> None:
        nonlocal cancels
        if inside:
            cancels += 1
            task.cancel()

    def expire() -> None:
        cancel()
        loop.call_soon(cancel)  # runs after the work has begun its clean-up

    timer = loop.call_later(timeout_s, expire)
    try:
        return await work()
    except asyncio.CancelledError:
        if not cancels:
            raise  # cancelled from outside (a newer navigation): not ours to swallow
        inside = False
        for _ in range(cancels):
            task.uncancel()
        raise TimeoutError from None
    finally:
        inside = False
        timer.cancel()
