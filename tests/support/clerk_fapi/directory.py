"""Where the Frontend API stub finds users, checks passwords and gets session tokens.

Clerk's Frontend API and Backend API are two faces of one instance: a user
created through the Backend API signs in through the Frontend API, and both
sign tokens with the same key. :class:`EmulatorDirectory` gives the stub that
single source of truth: the emulator that plays the Backend API for the app.
Users and passwords come from ``Emulator.create_user``, password checks and
their Clerk errors from ``Emulator.authenticate``, sessions from
``Emulator.create_session``, and every token from ``Emulator.mint_token``
(RS256, the emulator's current key), so the app verifies real signatures
against the emulator's JWKS. Custom session claims follow the emulator's
``custom_claims`` switch, as they follow the dashboard setting in Clerk.

Organizations too: a user's memberships come from ``Emulator.user_memberships``, and a
session's active organization is the emulator's (``last_active_organization_id``,
changed by ``Emulator.set_active_organization``), so the tokens it mints carry the v2
``o`` claim (``{id, rol, slg}``) exactly when clerk-js asked for that organization.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from clerk_emulator import EmulatorError


class Refused(Exception):
    """The instance refused a call; ``body`` is Clerk's error JSON, ``status`` its status."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["errors"][0]["long_message"])
        self.status = status
        self.body = body


class SignInRefused(Refused):
    """Wrong identifier or password."""


class Directory(Protocol):
    """What the stub needs from the instance's user store and signer."""

    def find_user(self, identifier: str) -> dict[str, Any] | None: ...

    def authenticate(self, identifier: str, password: str) -> dict[str, Any]: ...

    def get_user(self, user_id: str) -> dict[str, Any] | None: ...

    def create_session(self, user_id: str) -> str: ...

    def end_session(self, session_id: str) -> None: ...

    def session_active(self, session_id: str) -> bool: ...

    def mint_token(
        self, user_id: str, *, sid: str, azp: str, issuer: str, lifetime_s: int
    ) -> str: ...

    def organization_memberships(self, user_id: str) -> list[dict[str, Any]]:
        """The user's memberships, Backend API shape, newest first."""
        ...

    def active_organization_id(self, session_id: str) -> str | None: ...

    def set_active_organization(self, session_id: str, organization_id: str | None) -> None:
        """Make it the session's active organization, or :class:`Refused` (not a member)."""
        ...

    def asset(self, path: str) -> tuple[str, bytes] | None:
        """A file the instance serves from its own host (``image_url``s), or None."""
        ...


class EmulatorDirectory:
    """A :class:`Directory` backed by ``clerk_emulator.Emulator``.

    Args:
        emulator: the emulator the app uses as its Backend API and JWKS.
        served_at: where the emulator's HTTP app listens, for the avatar images
            its users' ``image_url`` point to (on its issuer, the Frontend API
            host, as Clerk's point to Clerk's image host).
    """

    def __init__(self, emulator: Any, *, served_at: str | None = None) -> None:
        self.emulator = emulator
        self.served_at = served_at.rstrip("/") if served_at else None

    def find_user(self, identifier: str) -> dict[str, Any] | None:
        return self.emulator.store.find_user(identifier)

    def authenticate(self, identifier: str, password: str) -> dict[str, Any]:
        try:
            return self.emulator.authenticate(identifier, password)
        except EmulatorError as exc:
            raise SignInRefused(exc.status, exc.to_json()) from None

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        try:
            return self.emulator.get_user(user_id)
        except EmulatorError:  # deleted in the meantime
            return None

    def create_session(self, user_id: str) -> str:
        return self.emulator.create_session(user_id)

    def end_session(self, session_id: str) -> None:
        self.emulator.end_session(session_id)

    def session_active(self, session_id: str) -> bool:
        try:
            return self.emulator.store.get_session(session_id)["status"] == "active"
        except EmulatorError:
            return False

    def mint_token(self, user_id: str, *, sid: str, azp: str, issuer: str, lifetime_s: int) -> str:
        return self.emulator.mint_token(
            user_id, sid=sid, azp=azp, issuer=issuer, lifetime_s=lifetime_s
        )

    def organization_memberships(self, user_id: str) -> list[dict[str, Any]]:
        try:
            return self.emulator.user_memberships(user_id, limit=500)[0]
        except EmulatorError:  # deleted in the meantime
            return []

    def active_organization_id(self, session_id: str) -> str | None:
        try:
            return self.emulator.store.get_session(session_id).get("last_active_organization_id")
        except EmulatorError:
            return None

    def set_active_organization(self, session_id: str, organization_id: str | None) -> None:
        try:
            self.emulator.set_active_organization(session_id, organization_id)
        except EmulatorError as exc:
            raise Refused(exc.status, exc.to_json()) from None

    def asset(self, path: str) -> tuple[str, bytes] | None:
        if not (self.served_at and path.startswith("/emulator/avatars/")):
            return None
        reply = httpx.get(self.served_at + path, timeout=10)
        if reply.status_code != 200:
            return None
        return reply.headers.get("content-type", "application/octet-stream"), reply.content
