"""Clerk organization membership JSON → one ``organization_membership`` row.

* :func:`sync_membership`: the embedded organization is upserted first (so a
  membership that arrives before its organization creates it, and older embedded
  data changes nothing), then one ``INSERT … SELECT … ON CONFLICT (clerk_id) DO
  UPDATE`` from the live organization and user rows: a membership of a tombstoned
  organization or user inserts nothing, and older data changes nothing. When it wrote
  nothing, the reason is looked up: the user has no row yet → :class:`MemberNotSynced`
  (a webhook answers 409 so Svix retries once ``user.created`` has landed); the stored
  membership links another organization or user → :class:`MembershipMismatch`.
* A membership's (organization, user) pair held by another membership id (the user
  left and re-joined, and the deletion was missed): the older one is removed, in a
  SAVEPOINT, and the statement retried.
* :func:`delete_membership`: no row left; deleting twice changes nothing.
* :func:`sync_user_memberships`: a user's complete listing replaces their set.

The caller owns the transaction and commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from clerk_app.clerk.organizations import ClerkMembershipData, clerk_id, membership_data
from clerk_app.models import User, new_user_id, utcnow
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync.org_statements import org_statements
from clerk_app.sync.organizations import OrganizationResult, sync_organization_data
from clerk_app.sync.upsert import MAX_ATTEMPTS, SyncConflict, SyncOutcome, _is_retryable

_M = OrganizationMembership.__table__
_U = User.__table__
_O = Organization.__table__


class MemberNotSynced(LookupError):
    """The membership's user has no row yet: retry once ``user.created`` has been applied."""


class MembershipMismatch(ValueError):
    """The stored membership with this id links another organization or user."""


@dataclass(frozen=True, slots=True)
class MembershipResult:
    """``membership`` is the stored row (``None`` when none exists: a tombstoned org/user)."""

    clerk_id: str
    membership: OrganizationMembership | None
    outcome: SyncOutcome
    organization: OrganizationResult


@dataclass(frozen=True, slots=True)
class MembershipDeleted:
    clerk_id: str
    #: False: there was no such row (already deleted, or never synced).
    removed: bool
    #: Our row ids of the organization and user it linked (when removed).
    organization_id: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipsReplaced:
    results: tuple[MembershipResult, ...]
    #: Clerk ids of the memberships removed because the listing no longer had them.
    removed: tuple[str, ...]


def _load(session: Session, params: dict[str, Any]) -> OrganizationMembership | None:
    statements, _ = org_statements(session)
    query = sa.select(OrganizationMembership).from_statement(statements.membership_upsert)
    return session.scalars(query.execution_options(populate_existing=True), params).one_or_none()


def _upsert(session: Session, params: dict[str, Any], postgres: bool) -> Any:
    if postgres:  # a pair conflict must not abort the caller's transaction
        with session.begin_nested():
            return _load(session, params)
    return _load(session, params)


def _release_pair(session: Session, data: ClerkMembershipData, org_id: str) -> bool:
    """Remove another membership holding our (organization, user) pair if it is older;
    ``False`` when the other one is newer (then ours is the stale one)."""
    user_id = sa.select(_U.c.id).where(_U.c.clerk_id == data.member.clerk_id).scalar_subquery()
    other = session.execute(
        sa.select(_M.c.id, _M.c.clerk_updated_at).where(
            _M.c.organization_id == org_id,
            _M.c.user_id == user_id,
            _M.c.clerk_id != data.clerk_id,
        )
    ).one_or_none()
    if other is None:
        return True
    if other.clerk_updated_at > data.updated_at:
        return False
    session.execute(sa.delete(_M).where(_M.c.id == other.id))
    return True


def _why_not(session: Session, data: ClerkMembershipData, org: OrganizationResult) -> Any:
    user = session.execute(
        sa.select(_U.c.id, _U.c.deleted_at).where(_U.c.clerk_id == data.member.clerk_id)
    ).one_or_none()
    if user is None:
        raise MemberNotSynced(f"user {data.member.clerk_id} of {data.clerk_id} is not synced yet")
    if user.deleted_at is not None:
        return None, SyncOutcome.IGNORED_DELETED
    stored = session.scalars(
        sa.select(OrganizationMembership)
        .where(OrganizationMembership.clerk_id == data.clerk_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if stored is None:  # pragma: no cover - live org and user, no row, no conflict
        raise SyncConflict(f"membership {data.clerk_id} was neither inserted nor found")
    if stored.organization_id != org.organization.id or stored.user_id != user.id:
        raise MembershipMismatch(f"membership {data.clerk_id} links another organization or user")
    return stored, SyncOutcome.IGNORED_STALE


def sync_membership_data(session: Session, data: ClerkMembershipData) -> MembershipResult:
    """:func:`sync_membership` for already-extracted data."""
    org = sync_organization_data(session, data.organization)
    if org.outcome is SyncOutcome.IGNORED_DELETED:
        return MembershipResult(data.clerk_id, None, SyncOutcome.IGNORED_DELETED, org)
    _, postgres = org_statements(session)
    now = utcnow()
    params = {
        "id": new_user_id(),
        "clerk_id": data.clerk_id,
        "org_clerk_id": data.organization.clerk_id,
        "user_clerk_id": data.member.clerk_id,
        "role": data.role,
        "clerk_updated_at": data.updated_at,
        "now": now,
    }
    for _attempt in range(MAX_ATTEMPTS):
        try:
            row = _upsert(session, params, postgres)
            break
        except DBAPIError as exc:
            if not _is_retryable(exc):
                raise
            with session.begin_nested():
                if not _release_pair(session, data, org.organization.id):
                    return MembershipResult(data.clerk_id, None, SyncOutcome.IGNORED_STALE, org)
    else:
        raise SyncConflict(f"could not sync membership {data.clerk_id}: conflicts keep recurring")
    if row is None:
        stored, outcome = _why_not(session, data, org)
        return MembershipResult(data.clerk_id, stored, outcome, org)
    if row.id == params["id"]:
        outcome = SyncOutcome.CREATED
    else:
        outcome = SyncOutcome.UPDATED if row.updated_at == now else SyncOutcome.UNCHANGED
    return MembershipResult(data.clerk_id, row, outcome, org)


def sync_membership(session: Session, membership: Mapping[str, Any]) -> MembershipResult:
    """Create or update one membership from Clerk's JSON (see the module doc).

    Raises:
        ValueError: malformed JSON (no valid ids, role, or embedded organization).
        MemberNotSynced: the user has no row yet (nothing of this call is kept if the
            caller rolls back, which a webhook does).
        MembershipMismatch: the stored membership links another organization or user.
    """
    return sync_membership_data(session, membership_data(membership))


def delete_membership(session: Session, membership: str | Mapping[str, Any]) -> MembershipDeleted:
    """Delete one membership by Clerk id (or Clerk's membership JSON); idempotent.

    Given the JSON, its embedded organization and user (when present) must be the ones
    the stored membership links.

    Raises:
        ValueError: not a Clerk membership id.
        MembershipMismatch: the stored membership links another organization or user.
    """
    links = []
    if isinstance(membership, Mapping):
        raw = membership.get("id")
        org = membership.get("organization")
        user = membership.get("public_user_data")
        if isinstance(org, Mapping) and org.get("id") is not None:
            links.append(_M.c.organization_id == _id_of(_O, clerk_id(org.get("id"), "org_")))
        if isinstance(user, Mapping) and user.get("user_id") is not None:
            links.append(_M.c.user_id == _id_of(_U, clerk_id(user.get("user_id"), "user_")))
    else:
        raw = membership
    key = clerk_id(raw, "orgmem_")
    row = session.execute(
        sa.delete(_M)
        .where(_M.c.clerk_id == key, *links)
        .returning(_M.c.organization_id, _M.c.user_id)
    ).first()
    if row is not None:
        return MembershipDeleted(key, True, row.organization_id, row.user_id)
    if links and session.execute(sa.select(_M.c.id).where(_M.c.clerk_id == key)).first():
        raise MembershipMismatch(f"membership {key} links another organization or user")
    return MembershipDeleted(key, False)


def _id_of(table: Any, key: str) -> Any:
    return sa.select(table.c.id).where(table.c.clerk_id == key).scalar_subquery()


def sync_user_memberships(
    session: Session, user_clerk_id: str, memberships: Sequence[Mapping[str, Any]]
) -> MembershipsReplaced:
    """Make the user's memberships exactly ``memberships`` (a *complete* listing).

    Each is upserted; the user's stored memberships the listing lacks are deleted.
    Every item is checked before anything is written.

    Raises:
        ValueError: a malformed item, or one that belongs to another user.
    """
    clerk_id(user_clerk_id, "user_")
    parsed = [membership_data(item) for item in memberships]
    if any(item.member.clerk_id != user_clerk_id for item in parsed):
        raise ValueError(f"the listing of {user_clerk_id} holds another user's membership")
    results = tuple(sync_membership_data(session, item) for item in parsed)
    user_id = sa.select(_U.c.id).where(_U.c.clerk_id == user_clerk_id).scalar_subquery()
    stale = sa.delete(_M).where(_M.c.user_id == user_id)
    if parsed:
        stale = stale.where(_M.c.clerk_id.not_in([item.clerk_id for item in parsed]))
    removed = session.scalars(stale.returning(_M.c.clerk_id)).all()
    return MembershipsReplaced(results, tuple(sorted(removed)))
