"""A TCP proxy a test controls: the way to break a database connection on purpose.

Tests point the app at the proxy instead of PostgreSQL, then make the network fail
the ways a real one does, without touching the machine's shared server:

* :meth:`TCPProxy.refuse` / :meth:`TCPProxy.accept`: stop / resume listening, so new
  connections get ``ECONNREFUSED`` (the server is down);
* :meth:`TCPProxy.cut`: reset every open connection (a crash, a failover, a killed
  backend), new ones still welcome;
* :meth:`TCPProxy.stall` / :meth:`TCPProxy.resume`: hold every byte in both
  directions, connections stay open (a network black hole);
* :meth:`TCPProxy.cut_when`: reset a connection the moment the client sends a chosen
  byte pattern (``b"INSERT"``, ``b"COMMIT"``): the connection dies *mid-sync*, before
  the statement reaches the server or, with ``forward=True``, after it was sent but
  before the answer comes back (the ambiguous commit).

It runs an asyncio loop in a daemon thread; every control method is thread-safe and
synchronous, so plain (sync) tests and the app's worker threads can use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass

_CHUNK = 65536


@dataclass
class _Trigger:
    pattern: bytes
    forward: bool
    fired: threading.Event
    times: int = 1


class TCPProxy:
    """Forward ``127.0.0.1:<port>`` to ``upstream``; see the module docstring."""

    def __init__(self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        probe = socket.socket()
        probe.bind((host, 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._flowing: asyncio.Event | None = None
        self._conns: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._trigger: _Trigger | None = None
        #: Connections whose server-to-client bytes are dropped (a reply about to be lost).
        self._muted: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        #: Connections accepted so far (a test can tell "the app reconnected").
        self.accepted = 0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> TCPProxy:
        self._thread.start()
        self._call(self._init())
        self.accept()
        return self

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> TCPProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url_for(self, url: str) -> str:
        """``url`` (a database URL) with its host and port replaced by the proxy's."""
        import sqlalchemy as sa

        return (
            sa.make_url(url)
            .set(host=self.host, port=self.port)
            .render_as_string(hide_password=False)
        )

    # -- controls ---------------------------------------------------------------------------

    def refuse(self) -> None:
        """Stop listening: new connections are refused; open ones are left alone."""
        self._call(self._close_listener())

    def accept(self) -> None:
        """Listen again (on the same port)."""
        self._call(self._open_listener())

    def cut(self) -> int:
        """Reset every open connection; returns how many there were."""
        return self._call(self._cut_all())

    def stall(self) -> None:
        """Hold all traffic (both directions) until :meth:`resume`."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def resume(self) -> None:
        self._loop.call_soon_threadsafe(self._flowing.set)

    def cut_when(self, pattern: bytes, *, forward: bool = False, times: int = 1) -> threading.Event:
        """Reset the next ``times`` connections whose client sends ``pattern``.

        With ``forward=False`` the chunk carrying ``pattern`` never reaches the server;
        with ``forward=True`` it does, and the connection dies before the reply. Returns
        an event set when the trigger first fired.
        """
        fired = threading.Event()
        self._trigger = _Trigger(pattern, forward, fired, times)
        return fired

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    # -- internals --------------------------------------------------------------------------

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _init(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def _open_listener(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, self.host, self.port, reuse_address=True
            )

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _shutdown(self) -> None:
        await self._close_listener()
        await self._cut_all()
        self._flowing.set()  # release pumps parked by a stall
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _cut_all(self) -> int:
        conns = list(self._conns)
        for pair in conns:
            self._reset(pair)
        return len(conns)

    def _reset(self, pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter]) -> None:
        self._conns.discard(pair)
        self._muted.discard(pair)
        for writer in pair:
            sock = writer.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                # Linger 0: close() sends RST, as a crashed peer or a dropped route does.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        self.accepted += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.transport.abort()
            return
        pair = (client_w, server_w)
        self._conns.add(pair)
        # Swallow cancellation (the proxy stopping): asyncio's stream callback would
        # otherwise report a cancelled connection handler as an error.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(
                self._pump(client_r, server_w, pair, upstream=True),
                self._pump(server_r, client_w, pair, upstream=False),
                return_exceptions=True,
            )
        self._reset(pair)

    async def _pump(self, reader, writer, pair, *, upstream: bool) -> None:
        while pair in self._conns:
            data = await reader.read(_CHUNK)
            if not data:
                break
            await self._flowing.wait()
            if pair not in self._conns:
                break
            trigger = self._trigger
            if upstream and trigger is not None and trigger.pattern in data:
                trigger.times -= 1
                if trigger.times <= 0:
                    self._trigger = None
                if trigger.forward:
                    self._muted.add(pair)  # the server's answer must never arrive
                    writer.write(data)
                    await writer.drain()
                    await asyncio.sleep(0.05)  # let the server act on it before the reset
                self._reset(pair)
                trigger.fired.set()
                break
            if not upstream and pair in self._muted:
                continue
            writer.write(data)
            await writer.drain()
        if pair in self._conns:  # a clean close from one side: half-close the other
            with contextlib.suppress(OSError, RuntimeError):
                writer.write_eof()
