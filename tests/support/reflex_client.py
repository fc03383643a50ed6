"""A Reflex 0.10 websocket client, as an attacker's script would write one.

No browser: python-socketio's ``AsyncClient`` speaks the protocol described in
``shared/reflex-protocol.md`` directly. The client token (the browser tab's identity)
is chosen here; the hydrate event rides in the CONNECT packet; events are
``{"name": "<state>.<handler>", "payload": {...}, "router_data": {...}}``.

Every message the server sends is kept in :attr:`ReflexClient.received` (raw) so a
test can scan *everything* that reached this "browser" for secrets, and merged into
:attr:`ReflexClient.state` (``{state_full_name: {var: value}}``) to read the result.
Reflex 0.10 has no end-of-event marker and sends nothing for an event that changes
nothing, so :meth:`ReflexClient.call` waits for the first answer, then for the
stream to go quiet for ``settle_s``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import socketio

ROOT_STATE = "reflex___state____state"
NAMESPACE = "/_event"
SUFFIX = "_rx_state_"


def state_name(cls: type) -> str:
    """The full name Reflex gives a state class (``reflex___state____state.…``)."""
    return cls.get_full_name()


class ReflexClient:
    """One "tab": a socket with its own client token."""

    def __init__(
        self,
        backend_url: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
    ) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.token = token or str(uuid.uuid4())
        self.headers = dict(headers or {})
        if origin:
            self.headers.setdefault("Origin", origin)
        self.received: list[dict[str, Any]] = []
        self.state: dict[str, dict[str, Any]] = {}
        self.other_messages: list[tuple[str, Any]] = []
        self._arrived = asyncio.Event()
        self._sio = socketio.AsyncClient(reconnection=False)
        self._sio.on("event", self._on_event, namespace=NAMESPACE)
        for name in ("new_token", "state_mismatch", "reload"):
            self._sio.on(name, self._other(name), namespace=NAMESPACE)

    # -- connection -----------------------------------------------------------------------

    async def connect(self, pathname: str = "/", *, timeout_s: float = 15.0) -> ReflexClient:
        hydrate = {
            "event": {
                "name": f"{ROOT_STATE}.hydrate_and_load",
                "payload": {},
                "router_data": {"pathname": pathname, "asPath": pathname, "query": {}},
            }
        }
        await self._sio.connect(
            f"{self.backend_url}?token={self.token}",
            namespaces=[NAMESPACE],
            socketio_path="/_event",
            transports=["websocket"],
            headers=self.headers,
            auth=hydrate,
            wait_timeout=timeout_s,
        )
        await self._wait(timeout_s, settle_s=0.3, until=lambda: self.hydrated)
        return self

    async def close(self) -> None:
        await self._sio.disconnect()

    async def __aenter__(self) -> ReflexClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._sio.connected

    @property
    def hydrated(self) -> bool:
        return bool(self.get(ROOT_STATE, "is_hydrated"))

    # -- events ---------------------------------------------------------------------------

    async def emit_raw(self, data: Any) -> None:
        """Send anything as the ``event`` message (malformed events included)."""
        await self._sio.emit("event", data, namespace=NAMESPACE)

    async def call(
        self,
        handler: str,
        payload: Any = None,
        *,
        pathname: str = "/",
        query: dict[str, str] | None = None,
        timeout_s: float = 10.0,
        settle_s: float = 0.2,
    ) -> list[dict[str, Any]]:
        """Send ``<state>.<handler>`` and return what arrived until the stream went quiet.

        ``handler`` is ``"<state_full_name>.<name>"``; ``payload`` its keyword arguments.
        Returns ``[]`` when the server answered nothing within ``timeout_s``.
        """
        start = len(self.received)
        await self.emit_raw(
            {
                "name": handler,
                "payload": {} if payload is None else payload,
                "router_data": {"pathname": pathname, "asPath": pathname, "query": query or {}},
            }
        )
        await self._wait(timeout_s, settle_s=settle_s, since=start)
        return self.received[start:]

    def get(self, state: str, var: str, default: Any = None) -> Any:
        return self.state.get(state, {}).get(var, default)

    def events_from(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The client-side events (toasts, redirects …) the server asked for."""
        return [event for message in messages for event in message.get("events") or []]

    def dump(self) -> str:
        """Everything received, as one JSON string (for secret scanning)."""
        return json.dumps([self.received, self.other_messages], default=str, ensure_ascii=False)

    # -- internals ------------------------------------------------------------------------

    async def _on_event(self, data: Any) -> None:
        if isinstance(data, str):
            data = json.loads(data)
        self.received.append(data)
        for state, values in (data.get("delta") or {}).items():
            merged = self.state.setdefault(state, {})
            for key, value in values.items():
                merged[key.removesuffix(SUFFIX)] = value
        self._arrived.set()

    def _other(self, name: str):
        async def handler(data: Any = None) -> None:
            self.other_messages.append((name, data))
            self._arrived.set()

        return handler

    async def _wait(
        self, timeout_s: float, *, settle_s: float, since: int | None = None, until=None
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        baseline = len(self.received) if since is None else since

        def done() -> bool:
            return until() if until is not None else len(self.received) > baseline

        while not done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return
        while True:  # then until nothing more arrives for settle_s
            count = len(self.received)
            await asyncio.sleep(settle_s)
            if len(self.received) == count or loop.time() > deadline + 5:
                return
