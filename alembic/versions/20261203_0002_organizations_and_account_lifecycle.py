"""Organizations, memberships, and the user's account lifecycle columns.

Revision ID: 0002_organizations
Revises: 0001_initial_schema
Create Date: 2026-12-03 12:30:00+00:00

* ``organization``: Clerk's organizations (tombstoned on deletion, like users) with two
  app-managed fields, ``description`` and ``website``.
* ``organization_membership``: one row per user and organization, with Clerk's role
  key; deleting either side deletes it.
* ``user``: ``banned``, ``locked``, ``last_sign_in_at`` and ``public_metadata`` from
  Clerk's user object.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002_organizations"
down_revision: str | Sequence[str] | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
JSON_OBJECT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _random_id_default() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 1, 21)")
    return sa.text("(substr(lower(hex(randomblob(11))), 1, 21))")


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column("clerk_updated_at", sa.BigInteger(), server_default="0", nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("banned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("public_metadata", JSON_OBJECT, server_default="{}", nullable=False)
        )
    op.create_table(
        "organization",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=True),
        sa.Column("image_url", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("website", sa.String(), nullable=True),
        sa.Column("id", sa.String(length=21), server_default=_random_id_default(), nullable=False),
        sa.Column("clerk_id", sa.String(), nullable=False),
        *_bookkeeping(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clerk_id", name="uq_organization_clerk_id"),
        sa.UniqueConstraint("slug", name="uq_organization_slug"),
    )
    op.create_table(
        "organization_membership",
        sa.Column("id", sa.String(length=21), server_default=_random_id_default(), nullable=False),
        sa.Column("clerk_id", sa.String(), nullable=False),
        sa.Column("organization_id", sa.String(length=21), nullable=False),
        sa.Column("user_id", sa.String(length=21), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        *_bookkeeping(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clerk_id", name="uq_organization_membership_clerk_id"),
        sa.UniqueConstraint(
            "organization_id", "user_id", name="uq_organization_membership_org_user"
        ),
    )
    op.create_index(
        "ix_organization_membership_user_id", "organization_membership", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_organization_membership_user_id", table_name="organization_membership")
    op.drop_table("organization_membership")
    op.drop_table("organization")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("public_metadata")
        batch.drop_column("last_sign_in_at")
        batch.drop_column("locked")
        batch.drop_column("banned")
