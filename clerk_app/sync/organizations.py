"""Clerk organization JSON → one ``organization`` row: the upsert and the tombstone.

The same rules as users (:mod:`clerk_app.sync`):

* :func:`sync_organization` is one ``INSERT … ON CONFLICT (clerk_id) DO UPDATE …
  RETURNING``: only Clerk-managed columns (``name``, ``slug``, ``image_url``), never
  the app's ``description``/``website``; data older than the stored
  ``clerk_updated_at`` changes nothing; a tombstone is never touched.
* A slug held by another row (a unique violation) takes the slow path, in a
  SAVEPOINT: Clerk never gives one slug to two live organizations, so the claim with
  the newer Clerk ``updated_at`` is the true one and the other is stored as NULL.
* :func:`delete_organization` tombstones: the row stays with ``deleted_at`` set, its
  name, slug (released), image and app fields cleared, and its memberships deleted.
  An unknown id gets a tombstone too, so ``organization.deleted`` arriving before
  ``organization.created`` still wins, and nothing brings it back.

The caller owns the transaction and commits.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from clerk_app.clerk.organizations import ClerkOrganizationData, organization_data
from clerk_app.clerk.organizations import clerk_id as checked_clerk_id
from clerk_app.models import new_user_id, utcnow
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync.org_statements import org_statements
from clerk_app.sync.upsert import MAX_ATTEMPTS, SyncConflict, SyncOutcome, _is_retryable

_O = Organization.__table__


class DeleteOutcome(enum.StrEnum):
    DELETED = "deleted"
    #: Already a tombstone: nothing changed.
    ALREADY_DELETED = "already_deleted"


@dataclass(frozen=True, slots=True)
class OrganizationResult:
    """The row as stored after the sync (a tombstone or newer data stays as it was)."""

    organization: Organization
    outcome: SyncOutcome


@dataclass(frozen=True, slots=True)
class OrganizationDeleted:
    clerk_id: str
    outcome: DeleteOutcome
    #: Clerk ids of the memberships this deletion removed.
    memberships: tuple[str, ...] = ()


def _params(data: ClerkOrganizationData, slug: str | None, now: Any) -> dict[str, Any]:
    return {
        "id": new_user_id(),
        "clerk_id": data.clerk_id,
        "name": data.name,
        "slug": slug,
        "image_url": data.image_url,
        "clerk_updated_at": data.updated_at,
        "now": now,
    }


def _load(session: Session, stmt: Any, params: dict[str, Any]) -> Organization | None:
    query = sa.select(Organization).from_statement(stmt)
    return session.scalars(query.execution_options(populate_existing=True), params).one_or_none()


def _outcome(session: Session, org: Organization | None, params: dict) -> OrganizationResult:
    if org is not None:
        if org.id == params["id"]:
            return OrganizationResult(org, SyncOutcome.CREATED)
        changed = org.updated_at == params["now"]
        return OrganizationResult(org, SyncOutcome.UPDATED if changed else SyncOutcome.UNCHANGED)
    stored = session.scalars(
        sa.select(Organization)
        .where(Organization.clerk_id == params["clerk_id"])
        .execution_options(populate_existing=True)
    ).one()
    deleted = stored.deleted_at is not None
    return OrganizationResult(
        stored, SyncOutcome.IGNORED_DELETED if deleted else SyncOutcome.IGNORED_STALE
    )


def sync_organization_data(session: Session, data: ClerkOrganizationData) -> OrganizationResult:
    """:func:`sync_organization` for already-extracted data (a membership's embedded org)."""
    statements, postgres = org_statements(session)
    now = utcnow()
    params = _params(data, data.slug, now)
    try:
        if postgres:  # a slug conflict must not abort the caller's transaction
            with session.begin_nested():
                org = _load(session, statements.org_upsert, params)
        else:
            org = _load(session, statements.org_upsert, params)
    except DBAPIError as exc:
        if not _is_retryable(exc):
            raise
        return _resolve_slug(session, data, now)
    return _outcome(session, org, params)


def sync_organization(session: Session, organization: Mapping[str, Any]) -> OrganizationResult:
    """Create or update the row for a Clerk organization (Backend API or webhook JSON).

    Raises:
        ValueError: the JSON lacks a valid organization id; nothing was written.
        SyncConflict: slug conflicts kept recurring (pathological).
    """
    return sync_organization_data(session, organization_data(organization))


def _resolve_slug(session: Session, data: ClerkOrganizationData, now: Any) -> OrganizationResult:
    statements, _ = org_statements(session)
    for _attempt in range(MAX_ATTEMPTS):
        try:
            with session.begin_nested():
                slug = data.slug
                holder = session.execute(
                    sa.select(_O.c.id, _O.c.clerk_updated_at).where(
                        _O.c.slug == slug, _O.c.clerk_id != data.clerk_id
                    )
                ).one_or_none()
                if holder is not None and holder.clerk_updated_at <= data.updated_at:
                    session.execute(
                        sa.update(_O).where(_O.c.id == holder.id).values(slug=None, updated_at=now)
                    )
                elif holder is not None:
                    slug = None  # the other organization's claim is newer: ours is stale
                params = _params(data, slug, now)
                return _outcome(session, _load(session, statements.org_upsert, params), params)
        except DBAPIError as exc:
            if not _is_retryable(exc):
                raise
    raise SyncConflict(f"could not sync organization {data.clerk_id}: slugs keep colliding")


def delete_organization(session: Session, clerk_id: str) -> OrganizationDeleted:
    """Tombstone a Clerk organization and delete its memberships (see the module doc).

    Raises:
        ValueError: not a Clerk organization id; nothing was written.
    """
    checked_clerk_id(clerk_id, "org_")
    statements, _ = org_statements(session)
    params = {"id": new_user_id(), "clerk_id": clerk_id, "now": utcnow()}
    tombstoned = session.execute(statements.org_tombstone, params).first() is not None
    m = OrganizationMembership.__table__
    orgs = sa.select(_O.c.id).where(_O.c.clerk_id == clerk_id).scalar_subquery()
    removed = session.scalars(
        sa.delete(m).where(m.c.organization_id == orgs).returning(m.c.clerk_id)
    ).all()
    outcome = DeleteOutcome.DELETED if tombstoned else DeleteOutcome.ALREADY_DELETED
    return OrganizationDeleted(clerk_id, outcome, tuple(sorted(removed)))
