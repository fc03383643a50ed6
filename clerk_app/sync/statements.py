"""The sync's statements, built once per dialect, and rows turned into ``User`` objects.

* the upsert: one ``INSERT … ON CONFLICT (clerk_id) DO UPDATE … RETURNING`` that sets
  only Clerk-managed columns, and only when the data is not older than what is stored
  and the row is not a tombstone (two variants: with Clerk's username, or keeping ours);
* the tombstone: the same shape, clearing everything personal (``public_metadata`` too).

The account fields (``banned``, ``locked``, ``last_sign_in_at``, ``public_metadata``)
take a NULL parameter as "not in this payload": the row keeps its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from clerk_app.models import CLERK_FIELDS, PROFILE_DEFAULTS, User, UTCDateTime

#: A parameter's ``None`` is SQL NULL ("not given: keep what is stored"), not JSON null.
_JSON_PARAM = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
#: Account fields a payload may lack (session claims never carry them): NULL keeps the row's.
LIFECYCLE_PARAMS: dict[str, Any] = {
    "banned": sa.Boolean(),
    "locked": sa.Boolean(),
    "last_sign_in_at": UTCDateTime(),
    "public_metadata": _JSON_PARAM,
}
_LIFECYCLE_DEFAULTS = {
    "banned": sa.false(),
    "locked": sa.false(),
    "last_sign_in_at": sa.null(),
    "public_metadata": sa.text("'{}'"),
}

_T = User.__table__
_MAPPER = sa.inspect(User)
_COLUMN_KEYS = tuple(column.key for column in _T.c)


def insert_for(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert
    # SQLite's dialect loads with the first SQLite statement, not with every start-up.
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def returning_row(stmt: Any) -> Any:
    return stmt.returning(*_T.c)


def user_from_row(session: Session, row: sa.Row | None) -> User | None:
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
class Statements:
    upsert_keep_username: Any
    upsert_set_username: Any
    tombstone: Any


_statements: dict[str, Statements] = {}


def _build_upsert(dialect: str, *, keep_username: bool) -> Any:
    stmt = insert_for(dialect)(_T).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        email=sa.bindparam("email"),
        first_name=sa.bindparam("first_name"),
        last_name=sa.bindparam("last_name"),
        image_url=sa.bindparam("image_url"),
        username=sa.bindparam("username"),
        clerk_updated_at=sa.bindparam("clerk_updated_at"),
        **{
            name: sa.func.coalesce(sa.bindparam(name, type_=kind), _LIFECYCLE_DEFAULTS[name])
            for name, kind in LIFECYCLE_PARAMS.items()
        },
        synced_at=sa.bindparam("now", type_=UTCDateTime()),
        created_at=sa.bindparam("now", type_=UTCDateTime()),
        updated_at=sa.bindparam("now", type_=UTCDateTime()),
    )
    new = stmt.excluded
    # Without a Clerk username the row keeps its own; the insert's derived one is a fallback.
    username = sa.func.coalesce(_T.c.username, new.username) if keep_username else new.username
    values = {column: new[column] for column in CLERK_FIELDS} | {"username": username}
    values |= {
        name: sa.func.coalesce(sa.bindparam(name, type_=kind), _T.c[name])
        for name, kind in LIFECYCLE_PARAMS.items()
    }
    changed = sa.or_(*(_T.c[column].is_distinct_from(value) for column, value in values.items()))
    return returning_row(
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
    stmt = insert_for(dialect)(_T).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        deleted_at=sa.bindparam("now", type_=UTCDateTime()),
        created_at=sa.bindparam("now", type_=UTCDateTime()),
        updated_at=sa.bindparam("now", type_=UTCDateTime()),
    )
    # Everything personal cleared, preferences back to their defaults.
    cleared = dict.fromkeys(CLERK_FIELDS) | PROFILE_DEFAULTS
    cleared |= {"last_sign_in_at": None, "public_metadata": sa.text("'{}'")}
    return returning_row(
        stmt.on_conflict_do_update(
            index_elements=[_T.c.clerk_id],
            set_={
                **cleared,
                "deleted_at": stmt.excluded.deleted_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=_T.c.deleted_at.is_(None),
        )
    )


def statements_for(session: Session) -> tuple[Statements, bool]:
    """The prepared statements for the session's database, and whether it is PostgreSQL."""
    dialect = session.get_bind().dialect.name
    return statements_for_dialect(dialect), dialect == "postgresql"


def statements_for_dialect(dialect: str) -> Statements:
    """The statements for ``dialect`` (``"sqlite"`` or ``"postgresql"``), built once."""
    statements = _statements.get(dialect)
    if statements is None:
        sa.orm.configure_mappers()  # user_from_row relies on fully set-up instrumentation
        statements = _statements[dialect] = Statements(
            upsert_keep_username=_build_upsert(dialect, keep_username=True),
            upsert_set_username=_build_upsert(dialect, keep_username=False),
            tombstone=_build_tombstone(dialect),
        )
    return statements
