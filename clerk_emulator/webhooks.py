"""Signed, asynchronous webhook delivery, the way Clerk (through Svix) sends them.

Each event is serialised once; every attempt POSTs the same body with the same
``svix-id`` (receivers use it as an idempotency key) and a fresh
``svix-timestamp``/``svix-signature`` made by the svix library itself, so the
app's verifier is tested against the real signing code.

Delivery runs on one daemon thread fed by a time-ordered queue: a user API
call returns at once, a failed attempt (non-2xx or connection error) is
retried after ``retry_delays`` without holding up later events, which, as with
Svix, means no ordering guarantee once a retry happens. ``wait()``/``drain()``
block until nothing is pending, and ``deliveries`` is the log tests inspect.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .ids import new_id

logger = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass
class Attempt:
    at: float
    status_code: int | None
    error: str | None = None


@dataclass(eq=False)
class Delivery:
    """One message (and, after a redelivery, one more record with the same ``msg_id``)."""

    msg_id: str
    event_type: str
    payload: str
    url: str
    attempts: list[Attempt] = field(default_factory=list)
    status: str = "pending"  # "pending" | "delivered" | "failed"

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.payload)


class WebhookSender:
    """Queue, sign and POST Clerk events to ``url``; a no-op while ``url`` is None."""

    def __init__(
        self,
        secret: str,
        url: str | None = None,
        *,
        instance_id: str = "",
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self.secret = secret
        self.instance_id = instance_id
        self.retry_delays = tuple(retry_delays)
        self._signer: Any = None  # svix's, made on the first delivery (start-up time)
        self._timeout_s = timeout_s
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._in_flight = 0
        self._log: list[Delivery] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- producing ------------------------------------------------------------

    def emit(self, event_type: str, data: dict[str, Any]) -> Delivery | None:
        """Queue a Clerk event (``user.created`` …) for delivery; None when no URL is set."""
        if not self.url:
            return None
        event = {
            "data": data,
            "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": ""}},
            "instance_id": self.instance_id,
            "object": "event",
            "timestamp": int(time.time() * 1000),
            "type": event_type,
        }
        delivery = Delivery(new_id("msg"), event_type, json.dumps(event), self.url)
        self._schedule(delivery, 0.0)
        return delivery

    def redeliver(self, msg_id: str) -> Delivery:
        """Send a message again with the same ``svix-id`` (like Svix's manual resend)."""
        with self._cond:
            original = next(d for d in reversed(self._log) if d.msg_id == msg_id)
        copy = Delivery(original.msg_id, original.event_type, original.payload, original.url)
        self._schedule(copy, 0.0)
        return copy

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        with self._cond:
            if self._closed:
                # The change already happened; failing the caller now would only lie about it.
                logger.warning("webhook %s dropped: sender closed", delivery.event_type)
                delivery.status = "failed"
                return
            self._log.append(delivery)
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._seq), delivery))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="clerk-emulator-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    # -- observing ------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        with self._cond:
            return list(self._log)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._in_flight

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every queued delivery succeeded or gave up; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._queue) + self._in_flight} webhooks pending")
                self._cond.wait(left)

    async def drain(self, timeout: float = 10.0) -> None:
        """``await``-able :meth:`wait`, for async tests and handlers."""
        await asyncio.to_thread(self.wait, timeout)

    def close(self) -> None:
        """Stop the worker; undelivered messages are dropped."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread:
            self._thread.join(timeout=self._timeout_s + 1)

    # -- the worker -----------------------------------------------------------

    def _next_due(self) -> Delivery | None:
        with self._cond:
            while not self._closed:
                if not self._queue:
                    self._cond.wait()
                    continue
                due = self._queue[0][0] - time.monotonic()
                if due > 0:
                    self._cond.wait(due)
                    continue
                self._in_flight += 1
                return heapq.heappop(self._queue)[2]
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s) as client:
            while (delivery := self._next_due()) is not None:
                attempt = self._attempt(client, delivery)
                with self._cond:
                    self._in_flight -= 1
                    delivery.attempts.append(attempt)
                    ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
                    retries_done = len(delivery.attempts) - 1
                    if ok:
                        delivery.status = "delivered"
                    elif retries_done < len(self.retry_delays) and not self._closed:
                        delay = self.retry_delays[retries_done]
                        heapq.heappush(
                            self._queue, (time.monotonic() + delay, next(self._seq), delivery)
                        )
                    else:
                        delivery.status = "failed"
                    self._cond.notify_all()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> Attempt:
        timestamp = int(time.time())
        if self._signer is None:
            from svix.webhooks import Webhook

            self._signer = Webhook(self.secret)
        signature = self._signer.sign(
            delivery.msg_id, datetime.fromtimestamp(timestamp, tz=UTC), delivery.payload
        )
        headers = {
            "content-type": "application/json",
            "user-agent": "Svix-Webhooks/1.0 (clerk-app emulator)",
            "svix-id": delivery.msg_id,
            "svix-timestamp": str(timestamp),
            "svix-signature": signature,
        }
        try:
            response = client.post(delivery.url, content=delivery.payload, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(time.time(), None, f"{type(exc).__name__}: {exc}")
        return Attempt(time.time(), response.status_code)
