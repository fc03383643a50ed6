"""Session operations of the store: create, look up, end and revoke.

Sessions are what the browser's token refresh hangs on: a token for a session
is only minted while it is ``active``, unexpired and its user still exists.
"""

from __future__ import annotations

import copy
from typing import Any

from . import errors, shapes
from .state import PersistentState


class SessionsMixin(PersistentState):
    def create_session(self, user_id: str) -> dict[str, Any]:
        with self._writing():
            self._user(user_id)
            item = shapes.session(user_id, self.clock.now())
            self._sessions[item["id"]] = item
            return copy.deepcopy(item)

    def get_session(self, session_id: str) -> dict[str, Any]:
        with self._reading():
            found = self._sessions.get(session_id)
            if found is None:
                raise errors.not_found("Session")
            return copy.deepcopy(found)

    def latest_active_session(self, user_id: str) -> dict[str, Any] | None:
        with self._reading():
            active = [
                s
                for s in self._sessions.values()
                if s["user_id"] == user_id and s["status"] == "active"
            ]
            return copy.deepcopy(active[-1]) if active else None

    def list_sessions(
        self, *, user_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        with self._reading():
            return [
                copy.deepcopy(s)
                for s in self._sessions.values()
                if (user_id is None or s["user_id"] == user_id)
                and (status is None or s["status"] == status)
            ]

    def set_session_status(self, session_id: str, status: str) -> dict[str, Any]:
        """End (``ended``) or revoke (``revoked``) a session; idempotent."""
        with self._writing():
            found = self._sessions.get(session_id)
            if found is None:
                raise errors.not_found("Session")
            if found["status"] == "active":
                found.update(status=status, updated_at=self.clock.now())
            return copy.deepcopy(found)
