"""The ``organization`` and ``organization_membership`` tables, and their shapes.

The same split as for users (:mod:`clerk_app.models`):

* :class:`OrganizationClerkFields` (``name``, ``slug``, ``image_url``): Clerk-managed,
  written only by the sync (:mod:`clerk_app.sync.organizations`) from Clerk's data.
* :class:`OrganizationProfileFields` (``description``, ``website``): app-managed,
  editable by the organization's admins only.
* :class:`Organization` (the table) = both + ids + sync bookkeeping + a tombstone:
  a deleted organization keeps its row (anonymised, slug released, ``deleted_at``
  set) so a late ``organization.updated`` can never bring it back.
* :class:`OrganizationMembership`: one user in one organization with Clerk's role
  key (``org:admin``, ``org:member``, or a custom ``org:<key>``). A deleted
  membership leaves no row; deleting an organization or a user row deletes its
  memberships (``ON DELETE CASCADE``).

Both reference our own rows (``organization.id``, ``user.id``), never Clerk ids, and
each keeps Clerk's id in a unique ``clerk_id`` (``org_…``, ``orgmem_…``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clerk_app.models import USER_ID_LENGTH, UTCDateTime, new_user_id, random_user_id, utcnow

#: Clerk's two default role keys (custom roles are ``org:<key>`` too).
ADMIN_ROLE = "org:admin"
MEMBER_ROLE = "org:member"
DESCRIPTION_MAX_LENGTH = 500


def _id_field() -> object:
    return Field(
        default_factory=new_user_id,
        primary_key=True,
        sa_type=sa.String(USER_ID_LENGTH),
        sa_column_kwargs={"server_default": random_user_id()},
    )


def _clerk_updated_at_field() -> object:
    return Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})


def _created_at_field() -> object:
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs={"server_default": sa.text("CURRENT_TIMESTAMP")},
    )


def _updated_at_field() -> object:
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs={"server_default": sa.text("CURRENT_TIMESTAMP"), "onupdate": utcnow},
    )


class OrganizationClerkFields(SQLModel):
    """Clerk-managed: copied from Clerk by the sync, read-only in the app."""

    name: str = ""
    slug: str | None = None
    image_url: str | None = None


class OrganizationProfileFields(SQLModel):
    """App-managed: what an organization's admins edit (rules in the org form)."""

    description: str | None = None
    website: str | None = None


ORGANIZATION_CLERK_FIELDS: tuple[str, ...] = tuple(OrganizationClerkFields.model_fields)
ORGANIZATION_PROFILE_FIELDS: tuple[str, ...] = tuple(OrganizationProfileFields.model_fields)


class Organization(OrganizationClerkFields, OrganizationProfileFields, table=True):
    """One Clerk organization, as the app knows it."""

    __tablename__ = "organization"
    __table_args__ = (
        sa.UniqueConstraint("clerk_id", name="uq_organization_clerk_id"),
        sa.UniqueConstraint("slug", name="uq_organization_slug"),
    )

    id: str = _id_field()
    clerk_id: str
    # Clerk's updated_at (ms) of the data last applied: older deliveries change nothing.
    clerk_updated_at: int = _clerk_updated_at_field()
    # Tombstone: set when Clerk deletes the organization; never updated again.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created_at_field()
    updated_at: datetime = _updated_at_field()


class OrganizationMembership(SQLModel, table=True):
    """One user's membership of one organization, with Clerk's role key."""

    __tablename__ = "organization_membership"
    __table_args__ = (
        sa.UniqueConstraint("clerk_id", name="uq_organization_membership_clerk_id"),
        sa.UniqueConstraint(
            "organization_id", "user_id", name="uq_organization_membership_org_user"
        ),
    )

    id: str = _id_field()
    clerk_id: str
    organization_id: str = Field(
        sa_type=sa.String(USER_ID_LENGTH), foreign_key="organization.id", ondelete="CASCADE"
    )
    user_id: str = Field(
        sa_type=sa.String(USER_ID_LENGTH), foreign_key="user.id", ondelete="CASCADE", index=True
    )
    role: str
    clerk_updated_at: int = _clerk_updated_at_field()
    created_at: datetime = _created_at_field()
    updated_at: datetime = _updated_at_field()
