"""The emulator's Python API: one object holding keys, users, sessions, faults and webhooks.

Tests and the local-mode app drive it directly (``create_user``,
``mint_token`` …) or through the HTTP app built around it
(:func:`clerk_emulator.app.create_emulator_app`); both paths go
through the same methods, so every mutation emits the same webhook.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from . import errors
from .core_orgs import OrganizationsAPI
from .faults import Faults
from .keys import KeyRing
from .local_secrets import read_or_create_secrets
from .persist import ensure_private_dir
from .store import UserStore
from .tokens import SESSION_TOKEN_HEADER, TOKEN_LIFETIME_S, session_claims
from .webhooks import DEFAULT_RETRY_DELAYS, WebhookSender

#: Where an app built on this template receives Clerk webhooks (``clerk_app.routes``).
DEFAULT_WEBHOOK_PATH = "/api/webhooks/clerk"


def _origins(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [item.rstrip("/") for item in items if item]


class Emulator(OrganizationsAPI):
    """A local, Clerk-compatible instance. ``data_dir=None`` keeps everything in memory.

    Organizations and memberships: :class:`~clerk_emulator.core_orgs.OrganizationsAPI`.
    """

    def __init__(
        self,
        *,
        issuer: str,
        secret_key: str | None = None,
        data_dir: Path | str | None = None,
        authorized_party: str | Sequence[str] | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        custom_claims: bool = False,
        key_size: int = 2048,
        webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        fault_seed: int | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.data_dir = ensure_private_dir(Path(data_dir)) if data_dir else None
        local = read_or_create_secrets(self.data_dir)
        self.secret_key = secret_key or local.secret_key
        self.webhook_secret = webhook_secret or local.webhook_secret
        self.instance_id = local.instance_id
        self.authorized_parties = _origins(authorized_party)
        #: When True every session token carries :func:`clerk_claims` of its user.
        self.custom_claims = custom_claims
        self.keys = KeyRing(
            self.data_dir / "keys.json" if self.data_dir else None, key_size=key_size
        )
        self.store = UserStore(
            self.data_dir / "state.json" if self.data_dir else None, avatar_base=self.issuer
        )
        self.faults = Faults(seed=fault_seed)
        self.webhooks = WebhookSender(
            self.webhook_secret,
            webhook_url,
            instance_id=self.instance_id,
            retry_delays=webhook_retry_delays,
        )
        #: (method, path, status) of recent HTTP requests, newest last.
        self.requests: deque[tuple[str, str, int]] = deque(maxlen=10_000)

    @property
    def authorized_party(self) -> str | None:
        return self.authorized_parties[0] if self.authorized_parties else None

    @property
    def webhook_url(self) -> str | None:
        return self.webhooks.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.webhooks.url = url

    def close(self) -> None:
        """Release stalled requests and stop webhook delivery."""
        self.faults.reset()
        self.webhooks.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- users --------------------------------------------------------------------

    def create_user(
        self,
        email: str | Sequence[str] | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a user (the first of several emails is primary); emits ``user.created``.

        ``extra``: ``public_metadata``, ``private_metadata``, ``unsafe_metadata``, ``external_id``.
        """
        emails = [email] if isinstance(email, str) else list(email or [])
        user = self.store.create_user(
            email_addresses=emails,
            first_name=first_name,
            last_name=last_name,
            username=username,
            password=password,
            **extra,
        )
        self.webhooks.emit("user.created", user)
        return user

    def get_user(self, user_id: str) -> dict[str, Any]:
        return self.store.get_user(user_id)

    def list_users(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        order_by: str = "created_at",
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """All users oldest first by default (the HTTP API defaults to ``-created_at``)."""
        count = limit if limit is not None else self.store.count_users()
        return self.store.list_users(limit=count, offset=offset, order_by=order_by, filters=filters)

    def count_users(self, **filters: Any) -> int:
        return self.store.count_users(filters)

    def update_user(self, user_id: str, /, **fields: Any) -> dict[str, Any]:
        """PATCH a user (``email_address=`` makes that address primary); emits ``user.updated``."""
        user = self.store.update_user(user_id, fields)
        self.webhooks.emit("user.updated", user)
        return user

    def set_account_flag(self, user_id: str, flag: str, value: bool) -> dict[str, Any]:
        """Clerk's ban/unban/lock/unlock (``flag``: banned or locked); emits ``user.updated``."""
        user = self.store.set_account_flag(user_id, flag, value)
        self.webhooks.emit("user.updated", user)
        return user

    def add_email_address(
        self, user_id: str, email: str, *, primary: bool = False, verified: bool = True
    ) -> dict[str, Any]:
        """Attach an address to a user; returns the address; emits ``user.updated``."""
        item, user = self.store.add_email_address(
            user_id, email, primary=primary, verified=verified
        )
        self.webhooks.emit("user.updated", user)
        return item

    def delete_user(self, user_id: str) -> dict[str, Any]:
        """Delete a user, end their sessions and memberships; emits ``user.deleted``.

        Each membership ended emits ``organizationMembership.deleted`` first.
        """
        deleted, memberships = self.store.delete_user(user_id)
        for membership in memberships:
            self.webhooks.emit("organizationMembership.deleted", membership)
        self.webhooks.emit("user.deleted", deleted)
        return deleted

    def authenticate(self, identifier: str, password: str) -> dict[str, Any]:
        """The user with this email/username and password, or Clerk's 422 sign-in error."""
        return self.store.authenticate(identifier, password)

    # -- sessions and tokens --------------------------------------------------------

    def create_session(self, user_id: str) -> str:
        return self.store.create_session(user_id)["id"]

    def end_session(self, session_id: str) -> dict[str, Any]:
        return self.store.set_session_status(session_id, "ended")

    def revoke_session(self, session_id: str) -> dict[str, Any]:
        return self.store.set_session_status(session_id, "revoked")

    def sign_in(self, identifier: str, password: str, *, azp: str | None = None) -> dict[str, Any]:
        """Check credentials, open a session, return ``{session_id, user_id, jwt}``."""
        user = self.authenticate(identifier, password)
        sid = self.create_session(user["id"])
        return {"session_id": sid, "user_id": user["id"], "jwt": self.session_token(sid, azp=azp)}

    def session_token(self, session_id: str, *, azp: str | None = None) -> str:
        """A fresh token for an active session (what clerk-js fetches every minute).

        Raises a 401 :class:`EmulatorError` once the session ended, was revoked or
        expired, or its user was deleted.
        """
        try:
            session = self.store.get_session(session_id)
            if session["status"] != "active" or session["expire_at"] <= time.time() * 1000:
                raise errors.unauthenticated("The session is no longer active.")
            user = self.store.get_user(session["user_id"])
        except errors.EmulatorError as exc:
            if exc.status == 401:
                raise
            raise errors.unauthenticated("The session is no longer active.") from None
        return self._sign(user, session, azp=azp)

    def mint_token(
        self,
        user_id: str,
        *,
        sid: str | None = None,
        azp: str | None = None,
        lifetime_s: int = TOKEN_LIFETIME_S,
        claims: dict[str, Any] | None = None,
        issuer: str | None = None,
        now: float | datetime | None = None,
    ) -> str:
        """A Clerk v2 session token for ``user_id``, signed with the current key.

        Without ``sid`` the user's latest active session is used (one is created if
        needed). ``claims`` are added last and may override standard claims, which
        is how tests build wrong-``iss``/``azp``/``v`` tokens.
        """
        user = self.store.get_user(user_id)
        if sid is None:
            session = self.store.latest_active_session(user_id)
            sid = session["id"] if session else self.create_session(user_id)
        try:
            session = self.store.get_session(sid)
        except errors.EmulatorError:
            session = {"id": sid, "created_at": None}
        return self._sign(
            user, session, azp=azp, lifetime_s=lifetime_s, claims=claims, issuer=issuer, now=now
        )

    def _sign(
        self,
        user: dict[str, Any],
        session: dict[str, Any],
        *,
        azp: str | None = None,
        lifetime_s: int = TOKEN_LIFETIME_S,
        claims: dict[str, Any] | None = None,
        issuer: str | None = None,
        now: float | datetime | None = None,
    ) -> str:
        payload = session_claims(
            user,
            session,
            issuer=issuer or self.issuer,
            azp=azp or self.authorized_party,
            lifetime_s=lifetime_s,
            custom=self.custom_claims,
            organization=self.store.active_organization_claim(session, user["id"]),
            extra=claims,
            now=time.time() if now is None else now,
        )
        return self.keys.sign(payload, headers=SESSION_TOKEN_HEADER)

    # -- keys -------------------------------------------------------------------

    def rotate_key(self, *, drop_old: bool = False) -> str:
        """Make a new signing key current; returns its ``kid``."""
        return self.keys.rotate(drop_old=drop_old).kid

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()
