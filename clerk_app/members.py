"""The use cases the pages call for the signed-in user: sync on /welcome, the merged
profile on /members, saving the form. States call these with the *verified* user id and
claims; this module knows no state, page or component.

Where the Clerk-managed fields come from:

* When the verified session token carries them (the custom claims template documented
  in the README: ``email``, ``first_name``, ``last_name``, ``username``, ``image_url``,
  ``primary_email_address_id``, ``updated_at``), they are read from the token: zero
  Backend API calls, at most 60 s old, immune to the Backend API rate limit.
* Otherwise one ``GET /v1/users/{id}`` (retries and 429 back-off are the client's).

Database work goes through :func:`clerk_app.db.run` (a timeout, one retry on a lost
connection) on the event loop: no worker thread, and every other tab's events keep
going while a query is in flight. Each use case is one transaction: a failure writes
nothing. Failures come back as :class:`AccountError` carrying an i18n key, so the UI
can say what happened in the user's language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from clerk_app import account_orgs, db, hooks, lean, schema, services
from clerk_app.clerk.api import ClerkAPIError, UserNotFound
from clerk_app.clerk.users import user_from_claims
from clerk_app.form_merge import edited_values
from clerk_app.models import User, UserPublic
from clerk_app.profile import update_parameters, validate_profile
from clerk_app.sync import (
    SyncOutcome,
    SyncResult,
    UserWithoutEmail,
    is_current,
    sync_user,
    sync_user_outcome,
    upsert_call,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: How long telling "schema behind" from "unavailable" may add to a failure.
SCHEMA_CHECK_TIMEOUT_S = 5.0


class AccountError(Exception):
    """A use case failed; ``key`` names the i18n message (``err_…``)."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key


class AccountSuspended(Exception):
    """The user's row says ``banned`` or ``locked``: every data handler refuses them,
    even while their session token is still valid. Not an :class:`AccountError` (not a
    failure to retry): pages turn it into the "account suspended" state
    (:func:`clerk_app.state.account.refuses_suspended`)."""

    key = "err_account_suspended"


def ensure_active(*sources: Mapping[str, Any] | None) -> None:
    """:class:`AccountSuspended` when any source (our row, Clerk's user) is banned or locked."""
    if any(source and (source.get("banned") or source.get("locked")) for source in sources):
        raise AccountSuspended()


@dataclass(frozen=True)
class ClerkSnapshot:
    """Clerk's user JSON and where it came from (``"claims"`` or ``"api"``)."""

    user: dict[str, Any]
    source: str


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


_LIVE_ROW = sa.select(*User.__table__.c).where(
    User.__table__.c.clerk_id == sa.bindparam("clerk_id"), User.__table__.c.deleted_at.is_(None)
)


async def _run(key: str, work: Callable[[], Awaitable[T]]) -> T:
    """``await db.run(work)``, or ``AccountError(key)`` (``err_schema_behind`` when the
    failure is a schema left behind by pending migrations: that names the fix)."""
    try:
        return await db.run(work)
    except db.Unavailable as exc:
        raise AccountError(await _error_key(key, exc), str(exc)) from exc


async def _error_key(key: str, exc: db.Unavailable) -> str:
    if not exc.sql_error:
        return key
    try:
        state = await asyncio.wait_for(schema.check_async(), SCHEMA_CHECK_TIMEOUT_S)
    except Exception:  # the database is really unavailable: ``key`` says so
        return key
    if state != "behind":
        return key
    logger.warning("the database schema is not at head: %s", schema.MIGRATE_HINT)
    return "err_schema_behind"


async def _in_transaction(fn: Callable[..., T], *args: Any) -> T:
    """``fn(session, *args)``: the shared sync ORM code, in one transaction."""
    async with db.async_session_scope() as session:
        return await session.run_sync(fn, *args)


async def _live_row(clerk_id: str) -> dict[str, Any] | None:
    return await db.execute_one(_LIVE_ROW, {"clerk_id": clerk_id})


def _sync(session: Any, clerk_user: dict[str, Any]) -> UserPublic:
    try:
        return UserPublic.from_user(sync_user(session, clerk_user))
    except UserWithoutEmail as exc:
        raise AccountError("err_no_email", str(exc)) from exc


def _sync_result(session: Any, clerk_user: dict[str, Any]) -> SyncResult:
    try:
        return sync_user_outcome(session, clerk_user)
    except UserWithoutEmail as exc:
        raise AccountError("err_no_email", str(exc)) from exc


async def _upsert(clerk_user: dict[str, Any]) -> UserPublic:
    """The sync: its one statement on the driver; the rare cases (another row holds the
    email or username, a tombstone, newer data stored) through :func:`sync_user`."""
    try:
        stmt, params = upsert_call(clerk_user, db.lean_pool().dialect_name)
    except UserWithoutEmail as exc:
        raise AccountError("err_no_email", str(exc)) from exc

    async def work() -> Mapping[str, Any] | None:
        try:
            return await db.execute_one(stmt, params)
        except lean.DriverError as exc:
            if exc.sqlstate != lean.UNIQUE_VIOLATION:
                raise
            return None

    row = await _run("err_database", work)
    if row is None:
        return await _run("err_database", lambda: _in_transaction(_sync, clerk_user))
    if hooks.registered("user_synced"):  # the row was not current: this sync changed it
        pending = hooks.Pending()
        pending.user_synced(User(**row), SyncOutcome.UPDATED)
        await asyncio.to_thread(pending.fire)
    return UserPublic.model_validate(row)


async def sync_account(user_id: str, claims: Mapping[str, Any]) -> UserPublic:
    """/welcome: fetch (0 or 1 Backend API call) and upsert, atomically; then the user's
    hooks and memberships (:mod:`clerk_app.account_orgs`: 0 or 1 more call)."""
    snapshot = await fetch_clerk_user(user_id, claims)
    # Through the ORM: the membership rule needs the outcome (created, changed, same),
    # which a RETURNING row alone does not tell; /welcome runs once per sign-in.
    result = await _run("err_database", lambda: _in_transaction(_sync_result, snapshot.user))
    await account_orgs.after_user_sync(user_id, claims, result)
    return UserPublic.from_user(result.user)


async def _read(clerk_id: str) -> UserPublic | None:
    row = await _run("err_database", lambda: _live_row(clerk_id))
    ensure_active(row)
    return None if row is None else UserPublic.model_validate(row)


async def load_member(user_id: str, claims: Mapping[str, Any]) -> tuple[UserPublic, bool]:
    """/members: current Clerk fields (≤ 1 API call), synced into the row, then the row.

    The common visit writes nothing: when the row already holds Clerk's current data
    (the same ``updated_at`` and values), it is one read. Otherwise one upsert.
    Returns ``(profile, clerk_is_current)``. When Clerk cannot be reached the stored
    copy of the Clerk fields is shown and ``clerk_is_current`` is False. A banned or
    locked account (our row, or Clerk's fresh data) gets :class:`AccountSuspended`.
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
        ensure_active(row)
        return UserPublic.model_validate(row), True
    profile = await _upsert(snapshot.user)
    ensure_active(row, snapshot.user)
    return profile, True


async def load_preferences(user_id: str) -> tuple[str, str] | None:
    """``(theme, language)`` of a known user; ``None`` before the first sync."""
    try:
        stored = await _read(user_id)
    except (AccountError, AccountSuspended):
        return None
    return (stored.theme, stored.language) if stored else None


class ProfileChanged(Exception):
    """The save was refused: a field the user changed was changed elsewhere meanwhile.

    ``current`` is the stored profile now; nothing was written.
    """

    def __init__(self, current: UserPublic) -> None:
        super().__init__("profile changed elsewhere")
        self.current = current


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
    (:mod:`clerk_app.profile`): :class:`ProfileChanged` otherwise.
    """
    update, errors = validate_profile(form)
    if update is None:
        return None, errors
    values = update.model_dump(exclude_unset=True)
    if shown is not None and expected is not None:
        values = edited_values(values, form, shown)
        if not values:  # nothing to write: the stored profile is the answer
            current = await _read(user_id)
            if current is None:
                raise AccountError("err_user_gone")
            return current, {}
    stmt, params = update_parameters(user_id, values, expected)
    row = await _run("save_unavailable", lambda: db.execute_one(stmt, params))
    if row is None:  # why: gone, suspended (_read raises), or changed meanwhile
        current = await _read(user_id)
        if current is None or expected is None:
            raise AccountError("err_user_gone")
        raise ProfileChanged(current)
    return UserPublic.model_validate(row), {}
