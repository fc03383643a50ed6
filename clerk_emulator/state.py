"""The persisted state behind the emulator's store: users, passwords, sessions,
organizations, memberships, clock.

One lock guards it because the store is used from the server's event loop,
from test threads and from the webhook thread at once. With a data
directory the state lives in ``state.json``: every operation first reloads
the file if another process changed it, and every mutation is a locked
read-modify-write ending in an atomic replace, so a CLI seeding users next to
a running server loses nothing. Without one, it lives in memory.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import errors
from .ids import MillisClock
from .persist import JsonFile


class PersistentState:
    """Dicts of Clerk JSON keyed by id, and the context managers that guard them."""

    def __init__(self, path: Path | None = None, *, avatar_base: str = "") -> None:
        self._file = JsonFile(path) if path else None
        self._avatar_base = avatar_base.rstrip("/")
        self._lock = threading.RLock()
        self._users: dict[str, dict[str, Any]] = {}
        self._passwords: dict[str, str] = {}
        self._sessions: dict[str, dict[str, Any]] = {}
        self._organizations: dict[str, dict[str, Any]] = {}
        #: Membership records (:func:`.org_shapes.membership_record`), by ``orgmem_`` id.
        self._memberships: dict[str, dict[str, Any]] = {}
        self.clock = MillisClock()
        with self._reading():
            pass

    # -- persistence ----------------------------------------------------------

    def _refresh(self) -> None:
        if not (self._file and self._file.changed()):
            return
        doc = self._file.read() or {}
        self._users = {item["id"]: item for item in doc.get("users", [])}
        self._passwords = dict(doc.get("passwords", {}))
        self._sessions = {item["id"]: item for item in doc.get("sessions", [])}
        self._organizations = {item["id"]: item for item in doc.get("organizations", [])}
        self._memberships = {item["id"]: item for item in doc.get("memberships", [])}
        self.clock.advance_to(doc.get("clock_ms", 0))

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock:
            self._refresh()
            yield

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock:
            if self._file is None:
                yield
                return
            with self._file.locked():
                self._refresh()
                yield
                self._file.write(
                    {
                        "version": 1,
                        "clock_ms": self.clock.last,
                        "users": list(self._users.values()),
                        "passwords": self._passwords,
                        "sessions": list(self._sessions.values()),
                        "organizations": list(self._organizations.values()),
                        "memberships": list(self._memberships.values()),
                    }
                )

    def _user(self, user_id: str) -> dict[str, Any]:
        found = self._users.get(user_id)
        if found is None:
            raise errors.not_found("User")
        return found
