"""Clerk-shaped identifiers and a strictly increasing millisecond clock.

Clerk ids are a type prefix and a random base62 body (``user_2abc…``,
``sess_…``, ``idn_…``). The bodies come from :mod:`secrets` because session
ids double as the emulator's browser credential.
"""

from __future__ import annotations

import secrets
import string
import threading
import time

BASE62 = string.digits + string.ascii_letters


def random_base62(length: int = 27) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_id(prefix: str, length: int = 27) -> str:
    """``<prefix>_<random base62>``, e.g. ``new_id("user")`` -> ``user_2Xb…``."""
    return f"{prefix}_{random_base62(length)}"


class MillisClock:
    """Wall-clock milliseconds that never repeat and never go backwards.

    Clerk timestamps are milliseconds; two updates in the same millisecond
    must still get distinct, increasing ``updated_at`` values or the app's
    "newer than what I have" checks would see a tie.
    """

    def __init__(self, last_ms: int = 0) -> None:
        self._last = last_ms
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def advance_to(self, ms: int) -> None:
        """Never hand out a value at or below ``ms`` (e.g. one read from disk)."""
        with self._lock:
            self._last = max(self._last, ms)

    def now(self) -> int:
        with self._lock:
            self._last = max(int(time.time() * 1000), self._last + 1)
            return self._last
