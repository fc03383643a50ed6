"""Run ASGI apps on real sockets for integration tests.

:class:`ServerThread` reserves a free port on 127.0.0.1 *before* the app is
built (so an app can know its own URL, as the emulator must for its issuer)
and serves it with uvicorn on a background thread. :class:`EmulatorServer`
does that for the Clerk emulator, optionally mounted under a path prefix the
way the Reflex backend mounts it at ``/_clerk``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from clerk_emulator import Emulator, create_emulator_app


class ServerThread:
    """uvicorn on 127.0.0.1:<free port> in a daemon thread; a context manager."""

    def __init__(self, app: ASGIApp | None = None, *, host: str = "127.0.0.1") -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: ASGIApp | None = None, *, timeout: float = 10.0) -> ServerThread:
        self.app = app or self.app
        if self.app is None:
            raise ValueError("no app to serve")
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[self._sock])),
            name=f"test-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EmulatorServer:
    """A Clerk emulator served over HTTP; ``base_url`` is what ClerkAPI/JWKS clients use.

    Args:
        prefix: mount point (e.g. ``"/_clerk"``); the issuer is ``url + prefix``.
        **emulator_kwargs: passed to :class:`Emulator` (``issuer`` is filled in).
    """

    def __init__(
        self, *, prefix: str = "", data_dir: Path | None = None, **emulator_kwargs: Any
    ) -> None:
        self.server = ServerThread()
        self.prefix = prefix
        self.base_url = self.server.url + prefix
        self.emulator = Emulator(issuer=self.base_url, data_dir=data_dir, **emulator_kwargs)
        app: ASGIApp = create_emulator_app(self.emulator)
        if prefix:
            app = Starlette(routes=[Mount(prefix, app=app)])
        self.app = app

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/.well-known/jwks.json"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.emulator.secret_key}"}

    def __enter__(self) -> EmulatorServer:
        self.server.start(self.app)
        return self

    def __exit__(self, *exc: object) -> None:
        self.emulator.close()  # releases stalled requests so the server can stop
        self.server.stop()
