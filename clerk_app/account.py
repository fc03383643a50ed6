"""The app's use cases for the signed-in user: sync on /welcome, the merged profile on
/members, saving the form. States call these with the *verified* user id and claims.

Where the Clerk-managed fields come from:

* When the verified session token carries them (the custom claims template documented
  in the README: ``email``, ``first_name``, ``last_name``, ``username``, ``image_url``,
  ``primary_email_address_id``, ``updated_at``), they are read from the token: zero
  Backend API calls, at most 60 s old, immune to the Backend API rate limit.
* Otherwise one ``GET /v1/users/{id}`` (retries and 429 back-off are the client's).

Database work is synchronous SQLModel and runs in a worker thread so the event loop
(and every other tab's events) keeps going. Each use case is one transaction: a
failure writes nothing. Failures come back as :class:`AccountError` carrying an i18n
key, so the UI can say what happened in the user's language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from clerk_app import services
from clerk_app.clerk.api import ClerkAPIError, UserNotFound
from clerk_app.db import session_scope
from clerk_app.models import User, UserPublic, validate_profile
from clerk_app.profile_form import BIO_MAX_LENGTH, FIELD_MAX_LENGTH
from clerk_app.profiles import update_profile
from clerk_app.sync import UserWithoutEmail, sync_user

logger = logging.getLogger(__name__)

#: The claims the custom session-token template adds (see the README).
CUSTOM_CLAIMS = ("email", "first_name", "last_name", "username", "image_url", "updated_at")

#: The form's field names, equal to the model's (scripts rely on them).
PROFILE_FIELDS = ("bio", "company", "job_title", "location", "website", "twitter", "linkedin")
PROFILE_FIELDS += ("github", "email_notifications", "theme", "language")
MAX_FORM_VALUE = 2000  # far above every limit: anything longer is not a human's input
#: How long a page waits for the database before saying it is unavailable. A stalled
#: connection (a black-holed network, a wedged server) would otherwise keep the page
#: spinning forever: the driver has no client-side query timeout. The worker thread
#: may stay blocked until the network gives up; the page does not wait for it.
DB_TIMEOUT_S = 15.0


class AccountError(Exception):
    """A use case failed; ``key`` names the i18n message (``err_…``)."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key


@dataclass(frozen=True)
class ClerkSnapshot:
    """Clerk's user JSON and where it came from (``"claims"`` or ``"api"``)."""

    user: dict[str, Any]
    source: str


def user_from_claims(user_id: str, claims: Mapping[str, Any]) -> dict[str, Any] | None:
    """Clerk's user JSON rebuilt from custom session claims, or ``None`` without them."""
    email = claims.get("email")
    if not isinstance(email, str) or not email or "updated_at" not in claims:
        return None
    email_id = claims.get("primary_email_address_id") or "idn_from_session_claims"

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) and value else None

    updated = claims.get("updated_at")
    if isinstance(updated, int) and 0 < updated < 10**11:
        updated *= 1000  # a template's {{user.updated_at}} may be in seconds; Clerk JSON is ms
    return {
        "id": user_id,
        "object": "user",
        "primary_email_address_id": email_id,
        "email_addresses": [{"id": email_id, "email_address": email}],
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "username": text("username"),
        "image_url": text("image_url"),
        "updated_at": updated if isinstance(updated, int) else 0,
    }


async def fetch_clerk_user(user_id: str, claims: Mapping[str, Any]) -> ClerkSnapshot:
    """The Clerk-managed data: from the token's claims when present, else one API call."""
    from_claims = user_from_claims(user_id, claims)
    if from_claims is not None:
        return ClerkSnapshot(from_claims, "claims")
    try:
        return ClerkSnapshot(await services.get_clerk_api().get_user(user_id), "api")
    except UserNotFound as exc:
        raise AccountError("err_user_gone", str(exc)) from exc
    except ClerkAPIError as exc:
        key = "err_clerk_rate_limited" if exc.status == 429 else "err_clerk_unreachable"
        raise AccountError(key, str(exc)) from exc


async def _in_thread(key: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in a worker thread, or ``AccountError(key)`` after DB_TIMEOUT_S."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args), DB_TIMEOUT_S)
    except TimeoutError:
        logger.warning("database did not answer within %.0f s", DB_TIMEOUT_S)
        raise AccountError(key, "database timeout") from None


def _sync(clerk_user: dict[str, Any]) -> UserPublic:
    try:
        with session_scope() as session:
            return UserPublic.from_user(sync_user(session, clerk_user))
    except UserWithoutEmail as exc:
        raise AccountError("err_no_email", str(exc)) from exc
    except SQLAlchemyError as exc:
        logger.warning("sync failed: %s", type(exc).__name__)
        raise AccountError("err_database", type(exc).__name__) from exc


async def sync_account(user_id: str, claims: Mapping[str, Any]) -> UserPublic:
    """/welcome: fetch (0 or 1 Backend API call) and upsert, atomically."""
    snapshot = await fetch_clerk_user(user_id, claims)
    return await _in_thread("err_database", _sync, snapshot.user)


def _read(clerk_id: str) -> UserPublic | None:
    try:
        with session_scope() as session:
            user = session.exec(
                select(User).where(User.clerk_id == clerk_id, User.deleted_at.is_(None))
            ).one_or_none()
            return UserPublic.from_user(user) if user else None
    except SQLAlchemyError as exc:
        raise AccountError("err_database", type(exc).__name__) from exc


async def load_member(user_id: str, claims: Mapping[str, Any]) -> tuple[UserPublic, bool]:
    """/members: current Clerk fields (≤ 1 API call), synced into the row, then the row.

    Returns ``(profile, clerk_is_current)``. When Clerk cannot be reached the stored
    copy of the Clerk fields is shown and ``clerk_is_current`` is False.
    """
    try:
        snapshot = await fetch_clerk_user(user_id, claims)
    except AccountError as exc:
        if exc.key == "err_user_gone":
            raise
        stored = await _in_thread("err_database", _read, user_id)
        if stored is None:
            raise
        return stored, False
    return await _in_thread("err_database", _sync, snapshot.user), True


async def load_preferences(user_id: str) -> tuple[str, str] | None:
    """``(theme, language)`` of a known user; ``None`` before the first sync."""
    try:
        stored = await _in_thread("err_database", _read, user_id)
    except AccountError:
        return None
    return (stored.theme, stored.language) if stored else None


def check_form(form: object) -> dict[str, str]:
    """The submitted form as ``{field: str}``; ``ValueError`` for anything else.

    Reflex coerces event arguments loosely, so the shape is checked here: a dict of
    known field names to strings of human size, nothing more.
    """
    if not isinstance(form, dict) or len(form) > len(PROFILE_FIELDS) + 2:
        raise ValueError("form must be a small object")
    cleaned: dict[str, str] = {}
    for key, value in form.items():
        if key not in PROFILE_FIELDS:
            raise ValueError(f"unknown field {key!r}")
        if isinstance(value, bool):
            value = "on" if value else ""
        if not isinstance(value, str) or len(value) > MAX_FORM_VALUE:
            raise ValueError(f"bad value for {key!r}")
        cleaned[key] = value
    # An unticked checkbox is absent from the browser's form data: it means "off".
    cleaned.setdefault("email_notifications", "")
    return cleaned


def _save(clerk_id: str, update: Any) -> UserPublic | None:
    try:
        with session_scope() as session:
            user = update_profile(session, clerk_id, update)
            return UserPublic.from_user(user) if user else None
    except SQLAlchemyError as exc:
        raise AccountError("save_unavailable", type(exc).__name__) from exc


async def save_profile(
    user_id: str, form: dict[str, str]
) -> tuple[UserPublic | None, dict[str, str]]:
    """Validate and save; ``(profile, {})`` or ``(None, {field: error_code})``."""
    update, errors = validate_profile(form)
    if update is None:
        return None, errors
    saved = await _in_thread("save_unavailable", _save, user_id, update)
    if saved is None:
        raise AccountError("err_user_gone")
    return saved, {}


def length_limit(field: str) -> int:
    return BIO_MAX_LENGTH if field == "bio" else FIELD_MAX_LENGTH
