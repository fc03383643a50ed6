"""The organization pages' SQL: each read is one statement, the save one guarded ``UPDATE``.

Every statement starts from the *viewer's* row (found by the verified Clerk user id) so
that the viewer's ``banned``/``locked`` flags come with the data, at no extra query.
Memberships are read from our ``organization_membership`` table; the caller may add the
session token's active organization (:func:`clerk_app.clerk.organizations.active_organization`)
as a second source of the viewer's role. Nothing here trusts anything the browser sent.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from clerk_app.form_merge import unchanged
from clerk_app.models import User
from clerk_app.org_models import ADMIN_ROLE, Organization, OrganizationMembership

U = User.__table__
O = Organization.__table__  # noqa: E741 (the table, as in SQL)
M = OrganizationMembership.__table__
_bp = sa.bindparam

_live_viewer = (U.c.clerk_id == _bp("viewer"), U.c.deleted_at.is_(None))

#: The viewer's flags, then one row per live organization they belong to (or one row of
#: NULLs when none): ``banned, locked, name, slug, image_url, role``.
LIST = (
    sa.select(U.c.banned, U.c.locked, O.c.name, O.c.slug, O.c.image_url, M.c.role)
    .select_from(
        U.outerjoin(M, M.c.user_id == U.c.id).outerjoin(
            O, sa.and_(O.c.id == M.c.organization_id, O.c.deleted_at.is_(None))
        )
    )
    .where(*_live_viewer)
    .order_by(O.c.name, O.c.slug)
)

#: The viewer's flags, the live organization ``:slug`` (NULLs when unknown or deleted)
#: and the viewer's membership role in it (NULL when not a member).
VIEW = (
    sa.select(
        U.c.banned,
        U.c.locked,
        O.c.id.label("org_id"),
        O.c.clerk_id.label("org_clerk_id"),
        O.c.name,
        O.c.slug,
        O.c.image_url,
        O.c.description,
        O.c.website,
        M.c.role,
    )
    .select_from(
        U.outerjoin(O, sa.and_(O.c.slug == _bp("slug"), O.c.deleted_at.is_(None))).outerjoin(
            M, sa.and_(M.c.organization_id == O.c.id, M.c.user_id == U.c.id)
        )
    )
    .where(*_live_viewer)
)


@functools.lru_cache(maxsize=2)
def members_statement(with_email: bool) -> sa.Select:
    """The live members of ``:org_id``, admins first; ``email`` only when asked for
    (a member's view never even reads the column)."""
    columns = [U.c.clerk_id, U.c.first_name, U.c.last_name, U.c.username, U.c.image_url]
    columns += [M.c.role, *([U.c.email] if with_email else [])]
    return (
        sa.select(*columns)
        .select_from(M.join(U, U.c.id == M.c.user_id))
        .where(M.c.organization_id == _bp("org_id"), U.c.deleted_at.is_(None))
        .order_by(M.c.role != ADMIN_ROLE, U.c.first_name, U.c.last_name, U.c.clerk_id)
    )


@functools.lru_cache(maxsize=16)
def save_statement(fields: tuple[str, ...], guarded: bool = False) -> sa.Update:
    """``UPDATE organization`` of ``fields`` for ``:b_slug``, only when ``:viewer`` may.

    The viewer may when their row is live, neither banned nor locked, and they are an
    admin of that organization in our database, or the session token says they are
    (``:active_admin_org``: the token's active organization id when its role is admin,
    else NULL, which matches nothing). One statement: the check and the write are atomic.

    ``guarded`` (the form's three-way merge, :mod:`clerk_app.form_merge`): each field is
    written only while it still holds ``:o_<field>``, the value the form started from;
    one another admin changed meanwhile keeps their value (compare the returned row with
    what was sent to tell), and ``updated_at`` moves only if some field was written.
    """
    admin_here = (
        sa.select(M.c.id)
        .where(M.c.organization_id == O.c.id, M.c.user_id == U.c.id, M.c.role == ADMIN_ROLE)
        .correlate_except(M)  # the organization updated, the viewer's row: never new scopes
        .exists()
    )
    viewer_may = (
        sa.select(U.c.id)
        .where(
            *_live_viewer,
            sa.not_(U.c.banned),
            sa.not_(U.c.locked),
            sa.or_(admin_here, O.c.clerk_id == _bp("active_admin_org")),
        )
        .correlate(O)
        .exists()
    )
    values: dict[str, Any] = {name: _bp(f"v_{name}") for name in (*fields, "updated_at")}
    if guarded:
        guards = {name: unchanged(O.c[name], name) for name in fields}
        values = {name: sa.case((guards[name], values[name]), else_=O.c[name]) for name in fields}
        values["updated_at"] = sa.case(
            (sa.or_(*guards.values()), _bp("v_updated_at")), else_=O.c.updated_at
        )
    return (
        sa.update(O)
        .where(O.c.slug == _bp("b_slug"), O.c.deleted_at.is_(None), viewer_may)
        .values(values)
        .returning(*O.c)
    )
