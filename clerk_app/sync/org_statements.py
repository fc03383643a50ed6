"""The organization sync's statements, built once per dialect (SQLite, PostgreSQL).

* ``org_upsert``: ``INSERT … ON CONFLICT (clerk_id) DO UPDATE`` of the Clerk-managed
  columns, only when the data is not older than what is stored and the row is not a
  tombstone; ``RETURNING`` the row;
* ``org_tombstone``: the same shape, clearing everything and setting ``deleted_at``
  (an unknown id gets a tombstone too);
* ``membership_upsert``: ``INSERT … SELECT`` from the live organization and the live
  user rows (so a membership of a tombstoned or unknown organization or user inserts
  nothing), ``ON CONFLICT (clerk_id) DO UPDATE`` of the role when the data is not older
  and the membership still links the same organization and user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clerk_app.models import User, UTCDateTime
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync.statements import insert_for

_O = Organization.__table__
_M = OrganizationMembership.__table__
_U = User.__table__


@dataclass(frozen=True, slots=True)
class OrgStatements:
    org_upsert: Any
    org_tombstone: Any
    membership_upsert: Any


_built: dict[str, OrgStatements] = {}


def _now() -> Any:
    return sa.bindparam("now", type_=UTCDateTime())


def _org_upsert(dialect: str) -> Any:
    stmt = insert_for(dialect)(_O).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        name=sa.bindparam("name"),
        slug=sa.bindparam("slug"),
        image_url=sa.bindparam("image_url"),
        clerk_updated_at=sa.bindparam("clerk_updated_at"),
        created_at=_now(),
        updated_at=_now(),
    )
    new = stmt.excluded
    values = {name: new[name] for name in ("name", "slug", "image_url")}
    changed = sa.or_(*(_O.c[name].is_distinct_from(value) for name, value in values.items()))
    return stmt.on_conflict_do_update(
        index_elements=[_O.c.clerk_id],
        set_={
            **values,
            "clerk_updated_at": new.clerk_updated_at,
            "updated_at": sa.case((changed, new.updated_at), else_=_O.c.updated_at),
        },
        where=sa.and_(_O.c.deleted_at.is_(None), _O.c.clerk_updated_at <= new.clerk_updated_at),
    ).returning(*_O.c)


def _org_tombstone(dialect: str) -> Any:
    stmt = insert_for(dialect)(_O).values(
        id=sa.bindparam("id"),
        clerk_id=sa.bindparam("clerk_id"),
        name="",
        deleted_at=_now(),
        created_at=_now(),
        updated_at=_now(),
    )
    cleared = {"name": "", "slug": None, "image_url": None, "description": None, "website": None}
    return stmt.on_conflict_do_update(
        index_elements=[_O.c.clerk_id],
        set_={**cleared, "deleted_at": stmt.excluded.deleted_at, "updated_at": _now()},
        where=_O.c.deleted_at.is_(None),
    ).returning(_O.c.id)


def _membership_upsert(dialect: str) -> Any:
    source = (
        sa.select(
            sa.bindparam("id", type_=sa.String()),
            sa.bindparam("clerk_id", type_=sa.String()),
            _O.c.id,
            _U.c.id,
            sa.bindparam("role", type_=sa.String()),
            sa.bindparam("clerk_updated_at", type_=sa.BigInteger()),
            _now(),
            _now(),
        )
        .select_from(
            _O.join(_U, sa.true())  # one row of each, by their unique clerk_id: no product
        )
        .where(
            _O.c.clerk_id == sa.bindparam("org_clerk_id"),
            _O.c.deleted_at.is_(None),
            _U.c.clerk_id == sa.bindparam("user_clerk_id"),
            _U.c.deleted_at.is_(None),
        )
    )
    columns = [
        "id",
        "clerk_id",
        "organization_id",
        "user_id",
        "role",
        "clerk_updated_at",
        "created_at",
        "updated_at",
    ]
    stmt = insert_for(dialect)(_M).from_select(columns, source)
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[_M.c.clerk_id],
        set_={
            "role": new.role,
            "clerk_updated_at": new.clerk_updated_at,
            "updated_at": sa.case((_M.c.role != new.role, new.updated_at), else_=_M.c.updated_at),
        },
        where=sa.and_(
            _M.c.clerk_updated_at <= new.clerk_updated_at,
            _M.c.organization_id == new.organization_id,
            _M.c.user_id == new.user_id,
        ),
    ).returning(*_M.c)


def org_statements(session: Any) -> tuple[OrgStatements, bool]:
    """The statements for the session's database, and whether it is PostgreSQL."""
    dialect = session.get_bind().dialect.name
    built = _built.get(dialect)
    if built is None:
        built = _built[dialect] = OrgStatements(
            org_upsert=_org_upsert(dialect),
            org_tombstone=_org_tombstone(dialect),
            membership_upsert=_membership_upsert(dialect),
        )
    return built, dialect == "postgresql"
