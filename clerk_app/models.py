"""The ``user`` and ``processed_webhook`` tables, and the shapes the UI reads and writes.

(The organization tables are in :mod:`clerk_app.org_models`.)

Each shape is written once and composed:

* :class:`ClerkFields` (``email``, names, ``image_url``, ``username``): Clerk-managed,
  written only by :mod:`clerk_app.sync`, from Clerk's data; Clerk is their source of truth.
* :class:`ProfileFields` (``bio`` … ``github``, preferences): app-managed, written only
  by the profile form's guarded ``UPDATE`` (:mod:`clerk_app.profile`).
* :class:`User` (the table) = both + ids + sync bookkeeping; :class:`UserPublic` (what
  pages read) = both + the dates a page shows; ``ProfileUpdate`` (the form's rules,
  in :mod:`clerk_app.profile`) = :class:`ProfileFields` + validators.

``email`` is unique but nullable: NULL means "released" (see :mod:`clerk_app.sync`),
which is how a deleted account, or a stale row, gives its address back so the
account that now owns it in Clerk can sync. Every column a raw ``INSERT`` may
omit has a server default, including the id.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Field, SQLModel

from clerk_app.i18n import LANGUAGES  # noqa: F401 (re-exported)

#: The theme and language choices, defined once (the UI's languages are i18n's).
Theme = Literal["light", "dark", "system"]
THEMES: tuple[str, ...] = get_args(Theme)

USER_ID_LENGTH = 21
#: JSON on SQLite, JSONB on PostgreSQL (comparable, indexable).
JSON_OBJECT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def new_user_id() -> str:
    """A 21-character URL-safe random id (126 bits, like a nanoid)."""
    return secrets.token_urlsafe(16)[:USER_ID_LENGTH]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as UTC and read back with ``tzinfo=UTC``. Naive values are refused:
    they are always a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware (UTC) datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class random_user_id(sa.sql.expression.FunctionElement[str]):
    """Server-side default id for raw ``INSERT``s (21 hex chars; the app uses new_user_id)."""

    type = sa.String()
    name = "random_user_id"
    inherit_cache = True


@compiles(random_user_id, "postgresql")
def _random_user_id_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 1, 21)"


@compiles(random_user_id, "sqlite")
def _random_user_id_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return "substr(lower(hex(randomblob(11))), 1, 21)"


def _now_default() -> Any:
    return {"server_default": sa.text("CURRENT_TIMESTAMP")}


class ClerkFields(SQLModel):
    """Clerk-managed: copied from Clerk by the sync, read-only in the app."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    image_url: str | None = None
    username: str | None = None


class ProfileFields(SQLModel):
    """App-managed: what the profile form edits. Add a field here (and a migration)."""

    bio: str | None = None
    company: str | None = None
    job_title: str | None = None
    location: str | None = None
    website: str | None = None
    twitter: str | None = None
    linkedin: str | None = None
    github: str | None = None
    email_notifications: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    theme: str = Field(default="light", sa_column_kwargs={"server_default": "light"})
    language: str = Field(default="fr", sa_column_kwargs={"server_default": "fr"})


#: The field names of each part, in declaration order.
CLERK_FIELDS: tuple[str, ...] = tuple(ClerkFields.model_fields)
PROFILE_FIELDS: tuple[str, ...] = tuple(ProfileFields.model_fields)
#: The app-managed fields as a new (or tombstoned) row has them.
PROFILE_DEFAULTS: dict[str, Any] = {
    name: field.default for name, field in ProfileFields.model_fields.items()
}


class User(ClerkFields, ProfileFields, table=True):
    """One Clerk user, as the app knows it."""

    __tablename__ = "user"
    __table_args__ = (
        sa.UniqueConstraint("clerk_id", name="uq_user_clerk_id"),
        sa.UniqueConstraint("email", name="uq_user_email"),
        sa.UniqueConstraint("username", name="uq_user_username"),
    )

    id: str = Field(
        default_factory=new_user_id,
        primary_key=True,
        sa_type=sa.String(USER_ID_LENGTH),
        sa_column_kwargs={"server_default": random_user_id()},
    )
    clerk_id: str

    # Sync bookkeeping.
    # Clerk's updated_at (ms) of the data last applied: older deliveries change nothing.
    clerk_updated_at: int = Field(
        default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    # When Clerk data was last applied (even if unchanged): /members shows "last synced".
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Tombstone: set by delete_user; a deleted user is never updated or resurrected.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Account lifecycle, from Clerk's user object. Banned or locked: every data handler
    # refuses the user, even while a session token is still valid.
    banned: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    locked: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Clerk's public_metadata (backend-only: never in UserPublic). private_metadata is
    # never stored, unsafe_metadata never trusted.
    public_metadata: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON_OBJECT, sa_column_kwargs={"server_default": "{}"}
    )

    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs=_now_default()
    )
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs={**_now_default(), "onupdate": utcnow},
    )


class ProcessedWebhook(SQLModel, table=True):
    """One webhook delivery already handled, keyed by its ``svix-id`` (stable across retries).

    Rows older than the retry window can be pruned
    (:func:`clerk_app.webhooks.prune_processed_webhooks`).
    """

    __tablename__ = "processed_webhook"

    svix_id: str = Field(primary_key=True)
    event_type: str
    received_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, index=True, sa_column_kwargs=_now_default()
    )


class UserPublic(ClerkFields, ProfileFields):
    """What the members page shows: everything but the sync bookkeeping and Clerk's id."""

    id: str
    synced_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_user(cls, user: User) -> UserPublic:
        return cls.model_validate(user, from_attributes=True)
