"""Clerk user JSON → one ``user`` row: the upsert and its slow path (see the package doc)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from clerk_app.clerk.users import ClerkUserData, clerk_user_data
from clerk_app.models import User, new_user_id, utcnow
from clerk_app.sync.statements import (
    LIFECYCLE_PARAMS,
    Statements,
    statements_for,
    statements_for_dialect,
    user_from_row,
)
from clerk_app.sync.usernames import derive_username, free_username, with_random_suffix

_T = User.__table__
#: Savepoint attempts of the slow path before giving up (never reached in practice).
MAX_ATTEMPTS = 8


class SyncConflict(RuntimeError):
    """Unique email/username conflicts kept recurring for every attempt (pathological)."""


class SyncOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    #: Same Clerk data as stored (``synced_at`` still moves).
    UNCHANGED = "unchanged"
    #: Older than the data already applied: nothing changed.
    IGNORED_STALE = "ignored_stale"
    #: The user is tombstoned: nothing changed.
    IGNORED_DELETED = "ignored_deleted"


@dataclass(frozen=True, slots=True)
class SyncResult:
    user: User
    outcome: SyncOutcome


def is_current(row: Mapping[str, Any], clerk_user: Mapping[str, Any]) -> bool:
    """A sync of ``clerk_user`` would change nothing in the stored ``row`` (its columns,
    by name) but ``synced_at``: it holds the same or newer Clerk data. Lets a page read
    instead of write. Values are compared too, so a row whose email was released to
    another account (see :func:`sync_user`) is still synced to get it back.
    """
    try:
        data = clerk_user_data(clerk_user)
    except ValueError:  # no id, no email: the sync path says what is wrong
        return False
    stored_at = row.get("clerk_updated_at")
    if row.get("deleted_at") is not None or stored_at is None:
        return False
    if stored_at > data.updated_at:
        return True  # a newer webhook already landed: the upsert's WHERE would skip
    clerk_columns = ("email", "first_name", "last_name", "image_url")
    same = all(row.get(name) == getattr(data, name) for name in clerk_columns)
    same = same and all(  # the account fields this payload carries (None: not carried)
        getattr(data, name) is None or row.get(name) == getattr(data, name)
        for name in LIFECYCLE_PARAMS
    )
    username = row.get("username")
    username_kept = username == data.username if data.username else bool(username)
    return stored_at == data.updated_at and same and username_kept


#: unique_violation; deadlock_detected (two slow paths renaming each other's rows).
_RETRYABLE_SQLSTATES = frozenset({"23505", "40P01"})


def _is_retryable(exc: DBAPIError) -> bool:
    """A unique violation (or a PostgreSQL deadlock): resolvable by choosing again."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRYABLE_SQLSTATES
    return isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in str(exc.orig)


def _params(data: ClerkUserData, *, email: str | None, username: str, now: datetime) -> dict:
    return {
        "id": new_user_id(),
        "clerk_id": data.clerk_id,
        "email": email,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "image_url": data.image_url,
        "username": username,
        "clerk_updated_at": data.updated_at,
        "banned": data.banned,
        "locked": data.locked,
        "last_sign_in_at": data.last_sign_in_at,
        "public_metadata": data.public_metadata,
        "now": now,
    }


def _applied(user: User, params: dict) -> SyncResult:
    if user.id == params["id"]:  # our freshly generated id: this statement inserted the row
        return SyncResult(user, SyncOutcome.CREATED)
    if user.updated_at == params["now"]:
        return SyncResult(user, SyncOutcome.UPDATED)
    return SyncResult(user, SyncOutcome.UNCHANGED)


def _ignored(session: Session, clerk_id: str) -> SyncResult | None:
    """The row the DO UPDATE's WHERE refused to touch: tombstoned or newer (None if gone)."""
    user = session.scalars(
        sa.select(User).where(User.clerk_id == clerk_id).execution_options(populate_existing=True)
    ).one_or_none()
    if user is None:
        return None
    deleted = user.deleted_at is not None
    return SyncResult(user, SyncOutcome.IGNORED_DELETED if deleted else SyncOutcome.IGNORED_STALE)


def sync_user_outcome(session: Session, clerk_user: Mapping[str, Any]) -> SyncResult:
    """Like :func:`sync_user`, and also say what happened (for summaries and logs)."""
    data = clerk_user_data(clerk_user)
    statements, postgres = statements_for(session)
    now = utcnow()
    keep = data.username is None
    params = _params(
        data, email=data.email, username=data.username or derive_username(data.email), now=now
    )
    stmt = statements.upsert_keep_username if keep else statements.upsert_set_username
    # PostgreSQL aborts the whole transaction on an error; protect the caller's earlier work.
    fresh = not session.in_transaction()
    try:
        if postgres and not fresh:
            with session.begin_nested():
                user = user_from_row(session, session.execute(stmt, params).one_or_none())
        else:
            user = user_from_row(session, session.execute(stmt, params).one_or_none())
    except DBAPIError as exc:
        if not _is_retryable(exc):
            raise
        if postgres and fresh:
            session.rollback()  # only our own statement was in this transaction
        return _resolve_conflicts(session, data, now)
    result = _applied(user, params) if user is not None else _ignored(session, data.clerk_id)
    return result if result is not None else _resolve_conflicts(session, data, now)


def upsert_call(clerk_user: Mapping[str, Any], dialect: str) -> tuple[Any, dict[str, Any]]:
    """The common case of :func:`sync_user` as one statement and its parameters, for a
    caller that runs it itself (the pages, on the driver). A ``RETURNING`` row is the
    synced row; no row (a tombstone, newer data stored) or a unique violation (another
    row holds the email or username) is :func:`sync_user`'s to settle.

    Raises:
        UserWithoutEmail: the user has no primary email address.
    """
    data = clerk_user_data(clerk_user)
    statements = statements_for_dialect(dialect)
    username = data.username or derive_username(data.email)
    params = _params(data, email=data.email, username=username, now=utcnow())
    keep = data.username is None
    return (statements.upsert_keep_username if keep else statements.upsert_set_username), params


def sync_user(session: Session, clerk_user: Mapping[str, Any]) -> User:
    """Create or update the row for a Clerk user; return it (a tombstone stays a tombstone).

    Args:
        session: the caller's session; the caller commits.
        clerk_user: Clerk's user JSON as the Backend API or a webhook returns it.

    Raises:
        UserWithoutEmail: the user has no primary email address; nothing was written.
    """
    return sync_user_outcome(session, clerk_user).user


# -- the slow path: a unique email/username is held by another row -----------------------


def _resolve_conflicts(session: Session, data: ClerkUserData, now: datetime) -> SyncResult:
    statements, _ = statements_for(session)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with session.begin_nested():
                result = _resolve_once(session, statements, data, now, attempt)
            if result is not None:
                return result
        except DBAPIError as exc:  # someone took the value we chose meanwhile: retry
            if not _is_retryable(exc):
                raise
    raise SyncConflict(f"could not sync Clerk user {data.clerk_id}: unique values keep colliding")


def _resolve_once(
    session: Session, statements: Statements, data: ClerkUserData, now: datetime, attempt: int
) -> SyncResult | None:
    current = session.execute(
        sa.select(_T.c.username, _T.c.deleted_at, _T.c.clerk_updated_at).where(
            _T.c.clerk_id == data.clerk_id
        )
    ).one_or_none()
    if current is not None and (
        current.deleted_at is not None or current.clerk_updated_at > data.updated_at
    ):
        # The upsert will change nothing, so release nothing on behalf of this data.
        return _ignored(session, data.clerk_id)

    email: str | None = data.email
    holder = session.execute(
        sa.select(_T.c.id, _T.c.clerk_updated_at).where(
            _T.c.email == email, _T.c.clerk_id != data.clerk_id
        )
    ).one_or_none()
    if holder is not None:
        if holder.clerk_updated_at <= data.updated_at:
            session.execute(
                sa.update(_T).where(_T.c.id == holder.id).values(email=None, updated_at=now)
            )
        else:
            email = None  # the other row's claim is newer: ours is the stale one

    if data.username is not None:
        username = data.username
        holder = session.execute(
            sa.select(_T.c.id).where(_T.c.username == username, _T.c.clerk_id != data.clerk_id)
        ).one_or_none()
        if holder is not None:
            session.execute(
                sa.update(_T)
                .where(_T.c.id == holder.id)
                .values(username=with_random_suffix(username), updated_at=now)
            )
    elif current is not None and current.username:
        username = current.username
    else:
        username = free_username(session, derive_username(data.email), attempt)

    params = _params(data, email=email, username=username, now=now)
    user = user_from_row(
        session, session.execute(statements.upsert_set_username, params).one_or_none()
    )
    return _applied(user, params) if user is not None else _ignored(session, data.clerk_id)
