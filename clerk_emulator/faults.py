"""Test knobs that make the emulator misbehave the way a real, busy Clerk does.

All are off by default and can be set from Python (``emulator.faults``) or
over HTTP (``POST /emulator/faults``):

* ``rate_limit`` / ``rate_window_s``: a sliding-window limit answered with
  429, ``Retry-After`` (whole seconds until a slot frees) and Clerk's error
  body. ``enable_rate_limit()`` uses Clerk's development limit, 100 / 10 s.
  Rejected requests do not use up the window, as with Clerk.
* ``fail_next`` / ``fail_probability`` / ``fail_status``: injected 5xx.
* ``latency_s``: added to every request in scope.
* ``hang_next`` / ``hang_s``: the next N requests stall for ``hang_s``
  (longer than a client's timeout) before being served; ``reset()`` or the
  emulator closing releases them, so a test server can always shut down.

Only paths under ``paths`` (default the Backend API, ``/v1/``) are affected;
``/emulator/`` itself never is, so a test can always turn the knobs off.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import deque
from typing import Any

from . import errors

CLERK_DEV_RATE_LIMIT = (100, 10.0)
_KNOBS = {
    "rate_limit": (int, type(None)),
    "rate_window_s": (int, float),
    "fail_next": (int,),
    "fail_status": (int,),
    "fail_probability": (int, float),
    "latency_s": (int, float),
    "hang_next": (int,),
    "hang_s": (int, float),
    "paths": (list, tuple),
}


class Faults:
    """Rate limit, injected failures, latency and hangs for the emulator's HTTP API."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._window: deque[float] = deque()
        self._generation = 0
        # Counters tests can read: how often each fault actually fired.
        self.rate_limited = 0
        self.failed = 0
        self.hung = 0
        self._defaults()

    def _defaults(self) -> None:
        self.rate_limit: int | None = None
        self.rate_window_s = CLERK_DEV_RATE_LIMIT[1]
        self.fail_next = 0
        self.fail_status = 500
        self.fail_probability = 0.0
        self.latency_s = 0.0
        self.hang_next = 0
        self.hang_s = 30.0
        self.paths: tuple[str, ...] = ("/v1/",)

    def reset(self) -> None:
        """Everything off, counters kept; releases requests currently hanging."""
        with self._lock:
            self._defaults()
            self._window.clear()
            self._generation += 1

    def enable_rate_limit(
        self,
        requests: int = CLERK_DEV_RATE_LIMIT[0],
        window_s: float = CLERK_DEV_RATE_LIMIT[1],
    ) -> None:
        self.configure(rate_limit=requests, rate_window_s=window_s)

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Set knobs by name (the HTTP endpoint's JSON); raise ValueError on a bad one."""
        if knobs.get("rate_limit") is True:
            knobs["rate_limit"] = CLERK_DEV_RATE_LIMIT[0]
        for name, value in knobs.items():
            if name not in _KNOBS:
                raise ValueError(f"unknown fault knob {name!r}")
            if isinstance(value, bool) or not isinstance(value, _KNOBS[name]):
                raise ValueError(f"bad value for {name!r}: {value!r}")
            if name != "paths" and value is not None and value < 0:
                raise ValueError(f"{name!r} must not be negative")
        if "fail_status" in knobs and not 500 <= knobs["fail_status"] <= 599:
            raise ValueError("fail_status must be a 5xx status")
        if knobs.get("fail_probability", 0) > 1:
            raise ValueError("fail_probability must be between 0 and 1")
        with self._lock:
            for name, value in knobs.items():
                setattr(self, name, tuple(value) if name == "paths" else value)
            if "rate_limit" in knobs or "rate_window_s" in knobs:
                self._window.clear()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            knobs = {name: getattr(self, name) for name in _KNOBS}
            knobs["paths"] = list(self.paths)
            counters = {"rate_limited": self.rate_limited, "failed": self.failed, "hung": self.hung}
            return {**knobs, **counters}

    def in_scope(self, path: str) -> bool:
        return not path.startswith("/emulator/") and path.startswith(self.paths)

    async def before_request(self, path: str) -> errors.EmulatorError | None:
        """Delay, stall or reject a request; None lets it through."""
        if not self.in_scope(path):
            return None
        with self._lock:
            latency, hang_s, generation = self.latency_s, 0.0, self._generation
            if self.hang_next > 0:
                self.hang_next -= 1
                self.hung += 1
                hang_s = self.hang_s
        if latency:
            await asyncio.sleep(latency)
        if hang_s:
            await self._stall(hang_s, generation)
        with self._lock:
            return self._rate_limited() or self._injected_failure()

    async def _stall(self, seconds: float, generation: int) -> None:
        # Poll rather than wait on an event: knobs are changed from other threads
        # and other event loops, and a short poll is plenty for a test double.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and generation == self._generation:
            await asyncio.sleep(min(0.05, deadline - time.monotonic()))

    def _rate_limited(self) -> errors.EmulatorError | None:
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        while self._window and self._window[0] <= now - self.rate_window_s:
            self._window.popleft()
        if len(self._window) >= self.rate_limit:
            self.rate_limited += 1
            wait = self._window[0] + self.rate_window_s - now if self._window else 1
            return errors.too_many_requests(max(1, math.ceil(wait)))
        self._window.append(now)
        return None

    def _injected_failure(self) -> errors.EmulatorError | None:
        if self.fail_next > 0:
            self.fail_next -= 1
        elif not (self.fail_probability and self._rng.random() < self.fail_probability):
            return None
        self.failed += 1
        return errors.server_error(self.fail_status)
