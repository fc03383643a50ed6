"""The session token's ``o`` claim (the active organization) keeps the stored role current.

A verified v2 session token names the user's active organization and their role in
it (:class:`~clerk_app.clerk.organizations.ActiveOrganization`). That is at most 60 s
old and costs zero Backend API calls, so :func:`apply_active_organization`:

* reads the stored membership (one indexed ``SELECT``); same role → ``CURRENT``;
* a different role → one guarded ``UPDATE`` (only if the role still differs and no
  newer Clerk data has landed since the token was issued) → ``UPDATED``;
* no live organization, user or membership row → ``UNKNOWN``: the caller falls back
  to a sync from the Backend API (the claim alone cannot create a membership: it
  carries no membership id).

With ``as_of_ms`` (the token's ``iat``, in ms) the update also moves the row's
``clerk_updated_at`` forward to it, so a delayed webhook carrying older data cannot
undo what the token said.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app.clerk.organizations import ActiveOrganization
from clerk_app.models import User, utcnow
from clerk_app.org_models import Organization, OrganizationMembership

_M = OrganizationMembership.__table__
_O = Organization.__table__
_U = User.__table__


class ActiveRole(enum.StrEnum):
    NO_CLAIM = "no_claim"
    CURRENT = "current"
    UPDATED = "updated"
    #: Stored data is newer than the token: left as it is.
    STALE_TOKEN = "stale_token"
    UNKNOWN = "unknown"


_STORED = (
    sa.select(_M.c.id, _M.c.role, _M.c.clerk_updated_at)
    .join(_O, _O.c.id == _M.c.organization_id)
    .join(_U, _U.c.id == _M.c.user_id)
    .where(
        _U.c.clerk_id == sa.bindparam("user_clerk_id"),
        _U.c.deleted_at.is_(None),
        _O.c.clerk_id == sa.bindparam("org_clerk_id"),
        _O.c.deleted_at.is_(None),
    )
)


def apply_active_organization(
    session: Session,
    user_clerk_id: str,
    active: ActiveOrganization | None,
    *,
    as_of_ms: int | None = None,
) -> ActiveRole:
    """Keep the stored role of ``user_clerk_id`` in the token's active organization current.

    Args:
        session: the caller's session; the caller commits.
        user_clerk_id: the verified token's ``sub``.
        active: :func:`~clerk_app.clerk.organizations.active_organization` of its claims.
        as_of_ms: the token's ``iat`` in ms; when given, stored data newer than it wins.
    """
    if active is None:
        return ActiveRole.NO_CLAIM
    params = {"user_clerk_id": user_clerk_id, "org_clerk_id": active.clerk_id}
    stored = session.execute(_STORED, params).one_or_none()
    if stored is None:
        return ActiveRole.UNKNOWN
    if stored.role == active.role:
        return ActiveRole.CURRENT
    if as_of_ms is not None and stored.clerk_updated_at > as_of_ms:
        return ActiveRole.STALE_TOKEN
    stamp = stored.clerk_updated_at if as_of_ms is None else as_of_ms
    changed = session.execute(
        sa.update(_M)
        .where(
            _M.c.id == stored.id,
            _M.c.role != active.role,
            _M.c.clerk_updated_at <= stamp,
        )
        .values(role=active.role, clerk_updated_at=stamp, updated_at=utcnow())
    ).rowcount
    return ActiveRole.UPDATED if changed else ActiveRole.CURRENT
