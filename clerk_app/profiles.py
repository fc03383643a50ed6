"""Saving the app-managed part of a profile (bio, links, preferences).

One ``UPDATE … WHERE clerk_id = :b_clerk_id AND deleted_at IS NULL RETURNING *``: atomic,
no read-modify-write race with a concurrent sync (which never writes these
columns), and a deleted user's row cannot be written to. Only the fields set on
the :class:`~clerk_app.models.ProfileUpdate` change.

A save from the form is a three-way merge: it writes only the fields the user changed,
and only while each of them still holds the value the form was showing (``expected``,
``… AND bio IS NOT DISTINCT FROM :o_bio``, in the same statement). A field changed in
another tab meanwhile is kept, not overwritten with this tab's stale copy; when the
user changed that same field too, nothing is written and the caller says so (a
conflict) instead of overwriting silently.

The statement is built once per set of fields (a form always sends the same set) and
executed as a Core statement: no ORM identity map, no per-call statement construction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app.models import ProfileUpdate, User, utcnow

_T = User.__table__


@functools.lru_cache(maxsize=256)
def update_statement(fields: tuple[str, ...], guarded: bool = False) -> sa.Update:
    """``UPDATE`` of ``fields`` (and ``updated_at``) for ``:b_clerk_id``, returning the row.

    ``guarded``: only while each of ``fields`` still equals its ``:o_<field>``.
    """
    where = [_T.c.clerk_id == sa.bindparam("b_clerk_id"), _T.c.deleted_at.is_(None)]
    if guarded:
        where += [_T.c[name].is_not_distinct_from(sa.bindparam(f"o_{name}")) for name in fields]
    return (
        sa.update(_T)
        .where(*where)
        .values({name: sa.bindparam(f"v_{name}") for name in (*fields, "updated_at")})
        .returning(*_T.c)
    )


def update_parameters(
    clerk_id: str, update: ProfileUpdate, expected: Mapping[str, Any] | None = None
) -> tuple[sa.Update, dict[str, Any]]:
    """The statement and parameters that apply ``update`` to the live user ``clerk_id``.

    With ``expected`` (field -> the stored value the user started from), only while
    the stored values of the updated fields are still those.
    """
    values = update.model_dump(exclude_unset=True)
    params = {f"v_{name}": value for name, value in values.items()}
    params |= {"b_clerk_id": clerk_id, "v_updated_at": utcnow()}
    if expected is not None:
        params |= {f"o_{name}": expected.get(name) for name in values}
    return update_statement(tuple(sorted(values)), expected is not None), params


def update_profile(session: Session, clerk_id: str, update: ProfileUpdate) -> User | None:
    """Apply ``update`` to the live user ``clerk_id``; ``None`` if there is none. Caller commits."""
    stmt, params = update_parameters(clerk_id, update)
    query = sa.select(User).from_statement(stmt).execution_options(populate_existing=True)
    return session.scalars(query, params).one_or_none()
