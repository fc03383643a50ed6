"""A browser tab as a script sees it: Reflex 0.10's websocket protocol over python-socketio.

Facts in ``shared/reflex-protocol.md``: socket.io at ``/_event`` (engine.io path and
namespace), the tab's token in the query string, the hydrate event in the CONNECT
packet's ``auth``, events as ``{"name", "payload", "router_data"}`` and updates as
``{"delta", "events"}``. :class:`ReflexTab` keeps the merged state the way the page's
reducers would, records the frontend events the backend asks for (redirects, toasts,
scripts), and lets a caller send an event and wait for the update that answers it.

Client-side navigation is what the page does on a route change: mark the state
unhydrated and send ``on_load_internal`` with the new path, which runs that page's
``on_load`` handlers on the backend.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio

ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
ON_LOAD_INTERNAL = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
SUFFIX = "_rx_state_"

Delta = dict[str, dict[str, Any]]


class ProtocolError(RuntimeError):
    """The backend did not answer as a page expects (timeout, new_token, mismatch)."""


def _plain(delta: dict[str, Any]) -> dict[str, Any]:
    return {k.removesuffix(SUFFIX): v for k, v in delta.items()}


class ReflexTab:
    """One browser tab: one token, one socket at a time.

    Args:
        url: the backend's base URL (``http://127.0.0.1:8000``).
        token: the tab's session token (``sessionStorage``); a fresh uuid4 by default.
            Reconnecting with the same token (a reload, another worker) finds the same
            state on the backend.
        headers: extra HTTP headers for the websocket upgrade (``Accept-Language``, ``Origin``).
    """

    def __init__(
        self, url: str, token: str | None = None, *, headers: dict[str, str] | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token or str(uuid.uuid4())
        self.headers = headers or {}
        self.state: dict[str, dict[str, Any]] = {}
        self.frontend_events: list[dict[str, Any]] = []
        self.pathname = "/"
        self.updates = 0
        #: The update number just after the last connect's full-state hydrate: what the
        #: page's on_load sends comes from there on.
        self.mark = 0
        self.messages: list[tuple[str, Any]] = []  # new_token, state_mismatch …
        #: Called with each frontend event the backend sends (a script's ``window`` hooks).
        self.on_frontend_event: Callable[[dict[str, Any]], None] | None = None
        self._log: list[Delta] = []
        self._changed = asyncio.Condition()
        self._sio: socketio.AsyncClient | None = None

    # -- connection -------------------------------------------------------------------

    async def connect(self, pathname: str = "/", *, timeout: float = 10.0) -> None:
        """Open the socket with the hydrate event for ``pathname``; wait until hydrated."""
        await self.close()
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("event", self._on_update, namespace="/_event")
        for name in ("new_token", "state_mismatch"):
            sio.on(name, self._recorder(name), namespace="/_event")
        self._sio = sio
        self.pathname = pathname
        start = self.updates
        hydrate = {
            "name": HYDRATE,
            "payload": {},
            "router_data": self._router_data(pathname),
        }
        await sio.connect(
            f"{self.url}?token={self.token}",
            socketio_path="/_event",
            transports=["websocket"],
            namespaces=["/_event"],
            auth={"event": hydrate},
            headers=self.headers,
            wait_timeout=timeout,
        )
        await self.wait_for(
            lambda delta: delta.get(ROOT_STATE, {}).get("is_hydrated") is True,
            since=start,
            timeout=timeout,
        )
        # Updates queued for this token before the reconnect (chained events of the
        # previous socket) may arrive first; the full-state hydrate carries the router.
        self.mark = next(
            (
                i + 1
                for i in range(start, len(self._log))
                if "rx_router_headers" in self._log[i].get(ROOT_STATE, {})
            ),
            start + 1,
        )

    async def close(self) -> None:
        if self._sio is not None:
            sio, self._sio = self._sio, None
            await sio.disconnect()

    @property
    def connected(self) -> bool:
        return self._sio is not None and self._sio.connected

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            self.messages.append((name, data))
            async with self._changed:
                self._changed.notify_all()

        return record

    async def _on_update(self, update: dict[str, Any]) -> None:
        delta: Delta = {
            name: _plain(values) for name, values in (update.get("delta") or {}).items()
        }
        for name, values in delta.items():
            self.state.setdefault(name, {}).update(values)
        events = update.get("events") or []
        self.frontend_events.extend(events)
        if self.on_frontend_event is not None:
            for event in events:
                self.on_frontend_event(event)
        async with self._changed:
            self._log.append(delta)
            self.updates += 1
            self._changed.notify_all()

    # -- events -----------------------------------------------------------------------

    def _router_data(self, pathname: str) -> dict[str, Any]:
        path, _, query = pathname.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        return {"pathname": path, "asPath": pathname, "query": params}

    async def send(self, name: str, payload: dict[str, Any] | None = None) -> int:
        """Send one event from the current page; returns the update count before it."""
        if self._sio is None:
            raise ProtocolError("not connected")
        before = self.updates
        await self._sio.emit(
            "event",
            {
                "name": name,
                "payload": payload or {},
                "router_data": self._router_data(self.pathname),
            },
            namespace="/_event",
        )
        return before

    async def wait_for(
        self,
        predicate: Callable[[Delta], bool],
        *,
        since: int,
        timeout: float = 10.0,
    ) -> Delta:
        """The first delta after update number ``since`` that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for delta in self._log[since:]:
                    if predicate(delta):
                        return delta
                since = len(self._log)
                if self.messages and self.messages[-1][0] == "new_token":
                    raise ProtocolError("the backend gave this tab a new token")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProtocolError(f"no matching update within {timeout} s")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def call(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        until: Callable[[Delta], bool],
        timeout: float = 10.0,
    ) -> Delta:
        """Send an event and wait for the update ``until`` recognises."""
        since = await self.send(name, payload)
        return await self.wait_for(until, since=since, timeout=timeout)

    async def start_navigation(self, pathname: str) -> int:
        """Begin a client-side route change; returns the update count before it."""
        self.pathname = pathname
        self.state.setdefault(ROOT_STATE, {})["is_hydrated"] = False
        return await self.send(ON_LOAD_INTERNAL)

    async def navigate(
        self, pathname: str, *, until: Callable[[Delta], bool], timeout: float = 10.0
    ) -> Delta:
        """A client-side route change: the page's ``on_load`` runs on the backend."""
        since = await self.start_navigation(pathname)
        return await self.wait_for(until, since=since, timeout=timeout)

    # -- reading ----------------------------------------------------------------------

    def state_name(self, suffix: str) -> str:
        """The full name of the substate whose name ends with ``suffix``."""
        for name in self.state:
            if name.endswith(suffix):
                return name
        raise KeyError(suffix)

    def var(self, suffix: str, name: str) -> Any:
        return self.state[self.state_name(suffix)][name]

    def redirects(self) -> list[str]:
        """Paths the backend asked this tab to go to, oldest first."""
        return [
            str(e.get("payload", {}).get("path"))
            for e in self.frontend_events
            if e.get("name") == "_redirect"
        ]


def hydrated(delta: Delta) -> bool:
    """A predicate: the page reports itself hydrated (the bridge reports after this)."""
    return delta.get(ROOT_STATE, {}).get("is_hydrated") is True


def has(state_suffix: str, var: str, value: Any = ...) -> Callable[[Delta], bool]:
    """A predicate: the delta sets ``var`` of the substate ending with ``state_suffix``."""

    def check(delta: Delta) -> bool:
        for name, values in delta.items():
            if name.endswith(state_suffix) and var in values:
                return value is ... or values[var] == value
        return False

    return check
