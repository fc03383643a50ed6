"""The app's use cases for the signed-in user: sync on /welcome, the merged profile on
/members, saving the form. States call these with the *verified* user id and claims.

Where the Clerk-managed fields come from:

* When the verified session token carries them (the custom claims template documented
  in the README: ``email``, ``first_name``, ``last_name``, ``username``, ``image_url``,
  ``primary_email_address_id``, ``updated_at``), they are read from the token: zero
  Backend API calls, at most 60 s old, immune to the Backend API rate limit.
* Otherwise one ``GET /v1/users/{id}`` (retries and 429 back-off are the client's).

Database work is the synchronous SQLModel code shared with the webhooks and the CLI,
run on the event loop through an async driver (:func:`clerk_app.db.async_session_scope`):
no worker thread, and every other tab's events keep going while a query is in flight.
Each use case is one transaction: a failure writes nothing. Failures come back as
:class:`AccountError` carrying an i18n key, so the UI can say what happened in the
user's language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from clerk_app import schema, services
from clerk_app.clerk.api import ClerkAPIError, UserNotFound
from clerk_app.db import async_session_scope, execute_one
from clerk_app.models import ProfileUpdate, User, UserPublic, validate_profile
from clerk_app.profile_form import BIO_MAX_LENGTH, FIELD_MAX_LENGTH
from clerk_app.profiles import update_parameters
from clerk_app.sync import UserWithoutEmail, is_current, sync_user

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: The claims the custom session-token template adds (see the README).
CUSTOM_CLAIMS = ("email", "first_name", "last_name", "username", "image_url", "updated_at")

#: The form's field names, equal to the model's (scripts rely on them).
PROFILE_FIELDS = ("bio", "company", "job_title", "location", "website", "twitter", "linkedin")
PROFILE_FIELDS += ("github", "email_notifications", "theme", "language")
MAX_FORM_VALUE = 2000  # far above every limit: anything longer is not a human's input
#: How long a page waits for the database before saying it is unavailable (the query is
#: then cancelled and its connection discarded).
DB_TIMEOUT_S = 15.0
#: How long telling "schema behind" from "unavailable" may add to a failure.
SCHEMA_CHECK_TIMEOUT_S = 5.0


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


#: The database the use cases use (``None``: the configured one; tests point it elsewhere).
DB_URL: str | None = None

_LIVE_ROW = sa.select(*User.__table__.c).where(
    User.__table__.c.clerk_id == sa.bindparam("clerk_id"), User.__table__.c.deleted_at.is_(None)
)


async def _run(key: str, work: Callable[[], Awaitable[T]]) -> T:
    """``await work()`` (database work), or raise ``AccountError(key)``.

    A connection lost under the statement (a server restart or failover, a network
    reset) is retried once, on a fresh connection: every unit here is idempotent (reads,
    the upsert, an ``UPDATE`` of the values the user sees), so a retry converges, and
    the pool needs no round trip per checkout to test its connections.

    Also ``AccountError(key)`` after DB_TIMEOUT_S: a stalled connection (a black-holed
    network, a wedged server) would otherwise keep the page spinning forever, as the
    driver has no client-side query timeout. The page does not wait for the cleanup
    either: cancelling the query server-side and dropping the connection (psycopg
    allows itself up to 10 s for that) goes on in the background.
    """
    task = asyncio.ensure_future(_retried_once(work))
    try:
        done, _ = await asyncio.wait({task}, timeout=DB_TIMEOUT_S)
    except asyncio.CancelledError:  # the event itself was cancelled (a newer navigation)
        _abandon(task)
        raise
    if not done:
        _abandon(task)
        logger.warning("database did not answer within %.0f s", DB_TIMEOUT_S)
        raise AccountError(key, "database timeout")
    try:
        return task.result()
    except SQLAlchemyError as exc:
        logger.warning("database error: %s", type(exc).__name__)
        raise AccountError(await _error_key(key), type(exc).__name__) from exc
    except OSError as exc:  # a refused connection surfaces as such from some drivers
        logger.warning("database unreachable: %s", type(exc).__name__)
        raise AccountError(key, type(exc).__name__) from exc


async def _error_key(key: str) -> str:
    """``err_schema_behind`` when migrations are pending (a missing table, a missing
    column…): that names the fix, where "unavailable" would not. Else ``key``."""
    try:
        state = await asyncio.wait_for(schema.check_async(DB_URL), SCHEMA_CHECK_TIMEOUT_S)
    except Exception:  # the database is really unavailable: ``key`` says so
        return key
    if state != "behind":
        return key
    logger.warning("the database schema is not at head: %s", schema.MIGRATE_HINT)
    return "err_schema_behind"


async def _retried_once(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return await work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        logger.info("database connection lost (%s); retrying once", type(exc.orig).__name__)
        return await work()


#: Cancelled database work still cleaning up (kept referenced until it is done).
_abandoned: set[asyncio.Future[Any]] = set()


def _abandon(task: asyncio.Future[Any]) -> None:
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget_abandoned)


def _forget_abandoned(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.info("abandoned database work ended with %s", type(task.exception()).__name__)


async def _in_transaction(fn: Callable[..., T], *args: Any) -> T:
    """``fn(session, *args)``: the shared sync ORM code, in one transaction."""
    async with async_session_scope(DB_URL) as session:
        return await session.run_sync(fn, *args)


async def _live_row(clerk_id: str) -> dict[str, Any] | None:
    return await execute_one(_LIVE_ROW, {"clerk_id": clerk_id}, DB_URL)


def _sync(session: Any, clerk_user: dict[str, Any]) -> UserPublic:
    try:
        return UserPublic.from_user(sync_user(session, clerk_user))
    except UserWithoutEmail as exc:
        raise AccountError("err_no_email", str(exc)) from exc


async def sync_account(user_id: str, claims: Mapping[str, Any]) -> UserPublic:
    """/welcome: fetch (0 or 1 Backend API call) and upsert, atomically."""
    snapshot = await fetch_clerk_user(user_id, claims)
    return await _run("err_database", lambda: _in_transaction(_sync, snapshot.user))


async def _read(clerk_id: str) -> UserPublic | None:
    row = await _run("err_database", lambda: _live_row(clerk_id))
    return None if row is None else UserPublic.model_validate(row)


async def load_member(user_id: str, claims: Mapping[str, Any]) -> tuple[UserPublic, bool]:
    """/members: current Clerk fields (≤ 1 API call), synced into the row, then the row.

    The common visit writes nothing: when the row already holds Clerk's current data
    (the same ``updated_at`` and values), it is one read. Otherwise one upsert.
    Returns ``(profile, clerk_is_current)``. When Clerk cannot be reached the stored
    copy of the Clerk fields is shown and ``clerk_is_current`` is False.
    """
    try:
        snapshot = await fetch_clerk_user(user_id, claims)
    except AccountError as exc:
        if exc.key == "err_user_gone":
            raise
        stored = await _read(user_id)
        if stored is None:
            raise
        return stored, False
    row = await _run("err_database", lambda: _live_row(user_id))
    if row is not None and is_current(row, snapshot.user):
        return UserPublic.model_validate(row), True
    return await _run("err_database", lambda: _in_transaction(_sync, snapshot.user)), True


async def load_preferences(user_id: str) -> tuple[str, str] | None:
    """``(theme, language)`` of a known user; ``None`` before the first sync."""
    try:
        stored = await _read(user_id)
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


class ProfileChanged(Exception):
    """The save was refused: a field the user changed was changed elsewhere meanwhile.

    ``current`` is the stored profile now; nothing was written.
    """

    def __init__(self, current: UserPublic) -> None:
        super().__init__("profile changed elsewhere")
        self.current = current


def form_values(profile: UserPublic) -> dict[str, str]:
    """``profile``'s app-managed fields as the form shows them (checkbox: "on" / "")."""
    values = profile.model_dump(include=set(PROFILE_FIELDS))
    return {
        field: ("on" if values[field] else "")
        if field == "email_notifications"
        else str(values[field] or "")
        for field in PROFILE_FIELDS
    }


def stored_values(profile: UserPublic) -> dict[str, Any]:
    """``profile``'s app-managed fields as stored: what a guarded save expects."""
    return profile.model_dump(include=set(PROFILE_FIELDS))


async def save_profile(
    user_id: str,
    form: dict[str, str],
    *,
    shown: Mapping[str, str] | None = None,
    expected: Mapping[str, Any] | None = None,
) -> tuple[UserPublic | None, dict[str, str]]:
    """Validate and save; ``(profile, {})`` or ``(None, {field: error_code})``.

    With ``shown`` (what the form was showing, :func:`form_values`) and ``expected``
    (the stored values it came from, :func:`stored_values`), only the fields the user
    changed are written, and only if nobody changed them meanwhile
    (:mod:`clerk_app.profiles`): :class:`ProfileChanged` otherwise.
    """
    update, errors = validate_profile(form)
    if update is None:
        return None, errors
    if shown is not None and expected is not None:
        changed = {f for f, v in form.items() if v != shown.get(f, "")}
        values = {k: v for k, v in update.model_dump(exclude_unset=True).items() if k in changed}
        if not values:  # nothing to write: the stored profile is the answer
            current = await _read(user_id)
            if current is None:
                raise AccountError("err_user_gone")
            return current, {}
        update = ProfileUpdate.model_construct(_fields_set=set(values), **values)
    stmt, params = update_parameters(user_id, update, expected)
    row = await _run("save_unavailable", lambda: execute_one(stmt, params, DB_URL))
    if row is None:
        current = await _read(user_id) if expected is not None else None
        if current is None:
            raise AccountError("err_user_gone")
        raise ProfileChanged(current)
    return UserPublic.model_validate(row), {}


def length_limit(field: str) -> int:
    return BIO_MAX_LENGTH if field == "bio" else FIELD_MAX_LENGTH
