"""The Frontend API stub's clients: each browser's sessions, rendered as clerk-js reads them.

A *client* is what Clerk keys by the ``__client`` cookie (development instances: by the
dev-browser id clerk-js sends as ``?__clerk_db_jwt=``): the sessions opened in that
browser and a sign-in in progress. Users, sessions' status, memberships and the active
organization live in the :class:`~tests.support.clerk_fapi.directory.Directory` (the
emulator); this module only remembers which sessions belong to which browser and
renders them with a fresh token each time, as Clerk's Frontend API does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import resources as res
from .directory import Directory

#: The token minter signature: (user_id, session_id, azp) -> JWT.
TokenFactory = Callable[[str, str, str], str]


@dataclass
class Client:
    id: str
    created_at: int = field(default_factory=res.now_ms)
    session_ids: list[str] = field(default_factory=list)
    sign_in: dict[str, Any] | None = None


class Reply(Exception):
    """Raised by a handler to answer with a status and a JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class Clients:
    """Every browser's client, and the JSON of its sessions.

    Args:
        directory: users, sessions, memberships (the emulator).
        mint: the stub's current token factory (looked up on each call, so a test may
            swap it for forged tokens at any time).
    """

    def __init__(self, directory: Directory, mint: Callable[[], TokenFactory]) -> None:
        self.directory = directory
        self._mint = mint
        self._clients: dict[str, Client] = {}
        self._session_users: dict[str, str] = {}  # session id -> user id
        self._session_created: dict[str, int] = {}

    def new_dev_browser(self) -> str:
        dev_browser = res.new_id("dvb")
        self._clients[dev_browser] = Client(id=res.new_id("client"))
        return dev_browser

    def get(self, query: dict[str, str]) -> Client:
        # Development hosts (``*.accounts.dev``) get a dev browser and send it back on every
        # call; other hosts (live keys) share one client, like the ``__client`` cookie would.
        key = query.get("__clerk_db_jwt") or "default"
        if key not in self._clients:
            self._clients[key] = Client(id=res.new_id("client"))
        return self._clients[key]

    def open_session(self, client: Client, user_id: str) -> str:
        sid = self.directory.create_session(user_id)
        self._session_users[sid] = user_id
        client.session_ids.append(sid)
        return sid

    def active_sessions(self, client: Client) -> list[tuple[str, dict[str, Any]]]:
        """``(sid, user)`` of the client's live sessions; ended ones are dropped."""
        alive = []
        for sid in list(client.session_ids):
            user_id = self._session_users.get(sid)
            user = self.directory.get_user(user_id) if user_id else None
            if user is None or not self.directory.session_active(sid):
                client.session_ids.remove(sid)
                continue
            alive.append((sid, user))
        return alive

    def current_user(self, client: Client) -> dict[str, Any] | None:
        """The user of the client's last active session (``/v1/me``), or None."""
        alive = self.active_sessions(client)
        return alive[-1][1] if alive else None

    def token(self, user_id: str, sid: str, origin: str) -> str:
        """A session token for ``sid``, for the page at ``origin`` (its ``azp``)."""
        return self._mint()(user_id, sid, origin)

    def session_json(self, sid: str, user: dict[str, Any], origin: str) -> dict[str, Any]:
        created = self._session_created.setdefault(sid, res.now_ms())
        jwt = self.token(user["id"], sid, origin)
        return res.session(
            sid,
            user,
            jwt,
            created_at=created,
            memberships=self.directory.organization_memberships(user["id"]),
            active_organization_id=self.directory.active_organization_id(sid),
        )

    def client_json(self, client: Client, origin: str) -> dict[str, Any]:
        sessions = [
            self.session_json(sid, user, origin) for sid, user in self.active_sessions(client)
        ]
        return res.client(
            client.id, sessions=sessions, sign_in=client.sign_in, created_at=client.created_at
        )

    def envelope(self, response: Any, client: Client, origin: str) -> dict[str, Any]:
        """``{"response": …, "client": …}``: clerk-js replaces its client with ours."""
        return {"response": response, "client": self.client_json(client, origin)}

    def end_sessions(self, client: Client) -> None:
        for sid in client.session_ids:
            self.directory.end_session(sid)
        client.session_ids.clear()
        client.sign_in = None

    def end_session(self, client: Client, sid: str) -> None:
        self.directory.end_session(sid)
        client.session_ids.remove(sid)
