"""Create the user table (Clerk users and their app profile) and processed_webhook.

Revision ID: 0001_initial_schema
Revises:
Create Date: 2026-11-25 14:12:41+00:00

The user id has a per-database server default (raw SQL inserts work without an
id): PostgreSQL has no randomblob(), SQLite no gen_random_uuid().
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001_initial_schema"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def _random_id_default() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 1, 21)")
    return sa.text("(substr(lower(hex(randomblob(11))), 1, 21))")


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.String(length=21), server_default=_random_id_default(), nullable=False),
        sa.Column("clerk_id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.Column("last_name", sa.String(), nullable=True),
        sa.Column("image_url", sa.String(), nullable=True),
        sa.Column("username", sa.String(), nullable=True),
        sa.Column("bio", sa.String(), nullable=True),
        sa.Column("company", sa.String(), nullable=True),
        sa.Column("job_title", sa.String(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("website", sa.String(), nullable=True),
        sa.Column("twitter", sa.String(), nullable=True),
        sa.Column("linkedin", sa.String(), nullable=True),
        sa.Column("github", sa.String(), nullable=True),
        sa.Column("email_notifications", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("theme", sa.String(), server_default="light", nullable=False),
        sa.Column("language", sa.String(), server_default="fr", nullable=False),
        sa.Column("clerk_updated_at", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clerk_id", name="uq_user_clerk_id"),
        sa.UniqueConstraint("email", name="uq_user_email"),
        sa.UniqueConstraint("username", name="uq_user_username"),
    )
    op.create_table(
        "processed_webhook",
        sa.Column("svix_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("svix_id"),
    )
    op.create_index(
        "ix_processed_webhook_received_at", "processed_webhook", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_processed_webhook_received_at", table_name="processed_webhook")
    op.drop_table("processed_webhook")
    op.drop_table("user")
