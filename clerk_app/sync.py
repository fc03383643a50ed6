"""Clerk user JSON → one ``user`` row: the upsert, the deletion policy, the outcome.

One rule decides everything: **Clerk is the source of truth for its fields, and
the newest Clerk data wins.** Concretely:

* :func:`sync_user` is one ``INSERT … ON CONFLICT (clerk_id) DO UPDATE …
  RETURNING`` statement in the common case (same SQL on SQLite and PostgreSQL,
  one round trip, atomic under any concurrency). The ``DO UPDATE`` sets only
  Clerk-managed columns, never bio/links/preferences, and has a ``WHERE``:
  data older than the stored ``clerk_updated_at`` changes nothing, and a
  tombstoned row is never touched.
* Email: the address whose id is ``primary_email_address_id`` (not the first
  one), stripped and lowercased; none → :class:`UserWithoutEmail`, nothing written.
* Username: Clerk's when set; else the one the row already has; else derived
  from the email's local part (``john.doe+x@a.com`` → ``john_doe``), made
  unique (``john``, ``john_2`` … ``john_9``, then ``john_<random>``).
* Unique email/username held by another row: only then (a unique violation)
  does :func:`sync_user` take the slow path, in a SAVEPOINT, retried a bounded
  number of times. The other row is a *stale* claim and releases the value:
  its email becomes NULL (it gets its current address at its next sync) and a
  username is renamed ``<name>_<random>``. Because Clerk never gives one
  address to two accounts at once, the claim with the newer Clerk
  ``updated_at`` is the true one: if the other row's data is newer, *our*
  address is the stale one and is stored as NULL instead. (Derived usernames
  are ours, not Clerk's, so a Clerk username always wins over a stored one.)
  No ``IntegrityError`` escapes.
* :func:`delete_user` tombstones (see its docstring): the row stays, anonymised,
  with ``deleted_at`` set, so a late or replayed ``user.updated`` can never
  bring the user back, and ``user.deleted`` arriving before ``user.created`` wins.

The caller owns the transaction and commits. The fast path does not use a
SAVEPOINT when it can recover without one: on SQLite a failed statement leaves
the transaction intact, and on PostgreSQL, when our statement was the first of
the transaction, rolling it back loses nothing but our own attempt.
"""

from __future__ import annotations

import enum
import re
import secrets
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from clerk_app.models import ProcessedWebhook, User, UTCDateTime, new_user_id, utcnow

_T = User.__table__
_MAPPER = sa.inspect(User)
_COLUMN_KEYS = tuple(column.key for column in _T.c)

#: Derived usernames: base part cap; ``_`` + suffix come on top.
DERIVED_USERNAME_MAX = 24
#: Savepoint attempts of the slow path before giving up (never reached in practice).
MAX_ATTEMPTS = 8

_CLERK_COLUMNS = ("email", "first_name", "last_name", "image_url", "username")
_APP_COLUMNS = ("bio", "company", "job_title", "location", "website", "twitter", "linkedin")
_APP_COLUMNS += ("github",)
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


class UserWithoutEmail(ValueError):
    """The Clerk user has no usable primary email address; nothing was written."""


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


@dataclass(frozen=True, slots=True)
class ClerkUserData:
    """The Clerk-managed fields of one user, extracted and normalised."""

    clerk_id: str
    email: str
    username: str | None
    first_name: str | None
    last_name: str | None
    image_url: str | None
    updated_at: int


def clerk_user_data(clerk_user: Mapping[str, Any]) -> ClerkUserData:
    """Extract what we store from Clerk's user JSON (Backend API / webhook ``data``).

    Raises:
        UserWithoutEmail: no address has the id ``primary_email_address_id``, or it is blank.
    """
    clerk_id = clerk_user.get("id")
    if not isinstance(clerk_id, str) or not clerk_id:
        raise ValueError("Clerk user JSON without an id")
    primary_id = clerk_user.get("primary_email_address_id")
    email = None
    for address in clerk_user.get("email_addresses") or ():
        if primary_id is not None and address.get("id") == primary_id:
            email = (address.get("email_address") or "").strip().lower()
            break
    if not email or "@" not in email or len(email) > 320:
        raise UserWithoutEmail(f"Clerk user {clerk_id} has no primary email address")
    return ClerkUserData(
        clerk_id=clerk_id,
        email=email,
        username=_blank_to_none(clerk_user.get("username"), lower=True),
        first_name=_blank_to_none(clerk_user.get("first_name")),
        last_name=_blank_to_none(clerk_user.get("last_name")),
        image_url=_blank_to_none(clerk_user.get("image_url")),
        updated_at=int(clerk_user.get("updated_at") or 0),
    )


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
    username = row.get("username")
    username_kept = username == data.username if data.username else bool(username)
    return stored_at == data.updated_at and same and username_kept


def _blank_to_none(value: Any, *, lower: bool = False) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower() if lower else value.strip()


def derive_username(email: str) -> str:
    """The username base for an email: local part, ``+tag`` dropped, ``[a-z0-9_]``, capped."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    folded = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")[:DERIVED_USERNAME_MAX].strip("_")
    return name or "user"


def _with_random_suffix(name: str) -> str:
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(6))
    return f"{name[:DERIVED_USERNAME_MAX]}_{suffix}"


# -- the upsert --------------------------------------------------------------------------


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _returning_row(stmt: Any) -> Any:
    return stmt.returning(*_T.c)


def _user_from_row(session: Session, row: sa.Row | None) -> User | None:
    """The ``User`` for a ``RETURNING`` row: persistent in ``session``, no second query.

    What the ORM's loader would do (an object already in the session is
    refreshed, as with ``populate_existing``), at a third of the CPU cost,
    which is most of a sync's cost once the database has answered.
    """
    if row is None:
        return None
    values = dict(zip(_COLUMN_KEYS, row, strict=True))  # Row._asdict() is several times slower
    user = session.identity_map.get(_MAPPER.identity_key_from_primary_key((values["id"],)))
    if user is not None:
        for key, value in values.items():
            set_committed_value(user, key, value)
        return user
    user = _MAPPER.class_manager.new_instance()
    user.__dict__.update(values)
    make_transient_to_detached(user)  # loaded state, clean history, identity key
    session.add(user)  # detached -> persistent
    return user


@dataclass(frozen=True, slots=True)
class _Statements:
    upsert_keep_username: Any
    upsert_set_username: Any
    tombstone: Any


_statements: dict[str, _Statements] = {}


def _build_upsert(dialect: str, *, keep_username: bool) -> Any:
    stmt = _insert_for(dialect)(_T).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        email=sa.bindparam("email"),
        first_name=sa.bindparam("first_name"),
        last_name=sa.bindparam("last_name"),
        image_url=sa.bindparam("image_url"),
        username=sa.bindparam("username"),
        clerk_updated_at=sa.bindparam("clerk_updated_at"),
        synced_at=sa.bindparam("now", type_=UTCDateTime()),
        created_at=sa.bindparam("now", type_=UTCDateTime()),
        updated_at=sa.bindparam("now", type_=UTCDateTime()),
    )
    new = stmt.excluded
    # Without a Clerk username the row keeps its own; the insert's derived one is a fallback.
    username = sa.func.coalesce(_T.c.username, new.username) if keep_username else new.username
    values = {column: new[column] for column in _CLERK_COLUMNS} | {"username": username}
    changed = sa.or_(*(_T.c[column].is_distinct_from(value) for column, value in values.items()))
    return _returning_row(
        stmt.on_conflict_do_update(
            index_elements=[_T.c.clerk_id],
            set_={
                **values,
                "clerk_updated_at": new.clerk_updated_at,
                "synced_at": new.synced_at,
                # updated_at moves only when a value changes: that is how "unchanged" is told.
                "updated_at": sa.case((changed, new.updated_at), else_=_T.c.updated_at),
            },
            where=sa.and_(_T.c.deleted_at.is_(None), _T.c.clerk_updated_at <= new.clerk_updated_at),
        )
    )


def _build_tombstone(dialect: str) -> Any:
    stmt = _insert_for(dialect)(_T).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        deleted_at=sa.bindparam("now", type_=UTCDateTime()),
        created_at=sa.bindparam("now", type_=UTCDateTime()),
        updated_at=sa.bindparam("now", type_=UTCDateTime()),
    )
    cleared = dict.fromkeys(("email", "first_name", "last_name", "image_url", "username"))
    cleared |= dict.fromkeys(_APP_COLUMNS)
    defaults = {"email_notifications": True, "theme": "light", "language": "fr"}
    return _returning_row(
        stmt.on_conflict_do_update(
            index_elements=[_T.c.clerk_id],
            set_={
                **cleared,
                **defaults,
                "deleted_at": stmt.excluded.deleted_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=_T.c.deleted_at.is_(None),
        )
    )


def _statements_for(session: Session) -> tuple[_Statements, bool]:
    """The prepared statements for the session's database, and whether it is PostgreSQL."""
    dialect = session.get_bind().dialect.name
    statements = _statements.get(dialect)
    if statements is None:
        sa.orm.configure_mappers()  # _user_from_row relies on fully set-up instrumentation
        statements = _statements[dialect] = _Statements(
            upsert_keep_username=_build_upsert(dialect, keep_username=True),
            upsert_set_username=_build_upsert(dialect, keep_username=False),
            tombstone=_build_tombstone(dialect),
        )
    return statements, dialect == "postgresql"


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
    statements, postgres = _statements_for(session)
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
                user = _user_from_row(session, session.execute(stmt, params).one_or_none())
        else:
            user = _user_from_row(session, session.execute(stmt, params).one_or_none())
    except DBAPIError as exc:
        if not _is_retryable(exc):
            raise
        if postgres and fresh:
            session.rollback()  # only our own statement was in this transaction
        return _resolve_conflicts(session, data, now)
    result = _applied(user, params) if user is not None else _ignored(session, data.clerk_id)
    return result if result is not None else _resolve_conflicts(session, data, now)


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
    statements, _ = _statements_for(session)
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
    session: Session, statements: _Statements, data: ClerkUserData, now: datetime, attempt: int
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
                .values(username=_with_random_suffix(username), updated_at=now)
            )
    elif current is not None and current.username:
        username = current.username
    else:
        username = _free_username(session, derive_username(data.email), attempt)

    params = _params(data, email=email, username=username, now=now)
    user = _user_from_row(
        session, session.execute(statements.upsert_set_username, params).one_or_none()
    )
    return _applied(user, params) if user is not None else _ignored(session, data.clerk_id)


def _free_username(session: Session, base: str, attempt: int) -> str:
    """``base``, else the first free of ``base_2`` … ``base_9``, else ``base_<random>``."""
    if attempt > 0:  # a concurrent sign-up took our pick: stop competing for small numbers
        return _with_random_suffix(base)
    candidates = [base] + [f"{base}_{n}" for n in range(2, 10)]
    taken = set(session.scalars(sa.select(_T.c.username).where(_T.c.username.in_(candidates))))
    return next((name for name in candidates if name not in taken), _with_random_suffix(base))


# -- deletion ----------------------------------------------------------------------------


def delete_user(session: Session, clerk_id: str) -> None:
    """Tombstone a Clerk user: the deletion policy.

    The row is kept with ``deleted_at`` set and everything personal cleared:
    email and username are released (NULL) for whoever owns them next, names,
    image, bio and links are erased, preferences reset. Keeping the row is what
    makes deletion final: :func:`sync_user` never updates a tombstone, whatever
    the ``updated_at`` of a late or replayed delivery. An unknown ``clerk_id``
    gets a tombstone too, so ``user.deleted`` delivered before ``user.created``
    still wins. Deleting twice changes nothing. The caller commits.
    """
    statements, _ = _statements_for(session)
    now = utcnow()
    params = {"id": new_user_id(), "clerk_id": clerk_id, "now": now}
    _user_from_row(session, session.execute(statements.tombstone, params).one_or_none())


# -- webhook deliveries ------------------------------------------------------------------


def claim_webhook(session: Session, svix_id: str, event_type: str) -> bool:
    """Record a webhook delivery; ``False`` when this ``svix-id`` was already recorded.

    Call it in the same transaction as the sync it guards, so a delivery that
    fails is not recorded and Svix's retry is processed.
    """
    dialect = session.get_bind().dialect.name
    stmt = (
        _insert_for(dialect)(ProcessedWebhook)
        .values(svix_id=svix_id, event_type=event_type, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["svix_id"])
        .returning(ProcessedWebhook.svix_id)
    )
    return session.execute(stmt).first() is not None


def prune_processed_webhooks(session: Session, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget deliveries older than ``older_than`` (Svix stops retrying after about a day)."""
    cutoff = utcnow() - older_than
    result = session.execute(
        sa.delete(ProcessedWebhook).where(ProcessedWebhook.received_at < cutoff)
    )
    return result.rowcount
