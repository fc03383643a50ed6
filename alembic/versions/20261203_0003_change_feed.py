"""The change feed: PostgreSQL tells listening workers whose data was written.

Revision ID: 0003_change_feed
Revises: 0002_organizations
Create Date: 2026-12-03 17:00:00+00:00

Row triggers ``NOTIFY clerk_app_changes`` (see ``clerk_app/change_feed.py``) with:

* the user's Clerk id when their ``user`` row is inserted, updated or deleted;
* the member's Clerk id when one of their ``organization_membership`` rows is;
* ``*`` when an ``organization`` row is (its name and slug show on every member's page).

A notification is sent at commit, only if the transaction commits, and once per
payload per transaction. SQLite has no ``NOTIFY``: nothing to do there, and the app
then reads on every visit.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_change_feed"
down_revision: str | Sequence[str] | None = "0002_organizations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = {
    "clerk_app_user_changed": """
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('clerk_app_changes', OLD.clerk_id);
          END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.clerk_id <> OLD.clerk_id) THEN
            PERFORM pg_notify('clerk_app_changes', NEW.clerk_id);
          END IF;
          RETURN NULL;
        END
    """,
    "clerk_app_membership_changed": """
        DECLARE
          member text;
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            SELECT clerk_id INTO member FROM "user" WHERE id = OLD.user_id;
            IF member IS NOT NULL THEN
              PERFORM pg_notify('clerk_app_changes', member);
            END IF;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            SELECT clerk_id INTO member FROM "user" WHERE id = NEW.user_id;
            IF member IS NOT NULL THEN
              PERFORM pg_notify('clerk_app_changes', member);
            END IF;
          END IF;
          RETURN NULL;
        END
    """,
    "clerk_app_organization_changed": """
        BEGIN
          PERFORM pg_notify('clerk_app_changes', '*');
          RETURN NULL;
        END
    """,
}
TRIGGERS = {
    "user": "clerk_app_user_changed",
    "organization_membership": "clerk_app_membership_changed",
    "organization": "clerk_app_organization_changed",
}


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for name, body in FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body${body}$body$"
        )
    for table, function in TRIGGERS.items():
        op.execute(
            f'CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def downgrade() -> None:
    if not _postgresql():
        return
    for table, function in TRIGGERS.items():
        op.execute(f'DROP TRIGGER IF EXISTS {function} ON "{table}"')
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
