"""One state, trivial handlers: what Reflex itself costs per event.

``/`` has no ``on_load``; ``/loaded`` runs the same trivial handler as its ``on_load``,
so a client-side navigation there costs what any page load costs the framework
(``on_load_internal`` plus one chained handler) and nothing else.

``write`` is the floor of any handler that saves something: the trivial handler plus
one autocommitted single-row write (``INSERT … ON CONFLICT DO UPDATE … RETURNING``)
through the raw async driver (psycopg, a fixed set of connections, no ORM), on the
database named by ``CEILING_DB_URL``.
"""

import asyncio
import os

import psycopg
import reflex as rx

POOL_SIZE = 10
_pool: asyncio.Queue | None = None
_pool_lock = asyncio.Lock()


async def _connection_pool() -> asyncio.Queue:
    """``POOL_SIZE`` autocommit connections, opened on first use (once per worker)."""
    global _pool
    if _pool is not None:
        return _pool
    async with _pool_lock:
        if _pool is None:
            url = os.environ["CEILING_DB_URL"]
            connections = [
                await psycopg.AsyncConnection.connect(url, autocommit=True)
                for _ in range(POOL_SIZE)
            ]
            await connections[0].execute(
                "CREATE TABLE IF NOT EXISTS ceiling_write (token text PRIMARY KEY, n int)"
            )
            pool: asyncio.Queue = asyncio.Queue()
            for connection in connections:
                pool.put_nowait(connection)
            _pool = pool
    return _pool


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1

    @rx.event
    async def write(self):
        pool = await _connection_pool()
        conn = await pool.get()
        try:
            cursor = await conn.execute(
                "INSERT INTO ceiling_write (token, n) VALUES (%s, 1) ON CONFLICT (token) "
                "DO UPDATE SET n = ceiling_write.n + 1 RETURNING n",
                (self.router.session.client_token,),
            )
            (self.count,) = await cursor.fetchone()
        finally:
            pool.put_nowait(conn)


def index() -> rx.Component:
    return rx.text(CounterState.count, id="count")


app = rx.App()
app.add_page(index, route="/")
app.add_page(index, route="/loaded", on_load=CounterState.increment)
