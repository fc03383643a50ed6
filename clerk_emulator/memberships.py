"""Membership operations of the store: add, list, change the role, remove.

Clerk's rules the app can meet: a user is a member once (400
``already_a_member_in_organization``), an organization keeps at least one admin (403
``organization_minimum_permissions_needed``), ``max_allowed_memberships`` (when not 0)
caps the members (403 ``organization_membership_quota_exceeded``).
"""

from __future__ import annotations

from typing import Any

from . import errors
from . import org_shapes as shapes
from .ids import new_id
from .org_base import MEMBERSHIP_ORDER_FIELDS, OrgBase, paged, refuse_unknown


class MembershipsMixin(OrgBase):
    # -- memberships ------------------------------------------------------------------

    def create_membership(
        self, id_or_slug: str, user_id: str, role: object, /, **meta: Any
    ) -> dict[str, Any]:
        role_key = shapes.role(role)
        refuse_unknown(meta, frozenset({"public_metadata", "private_metadata"}))
        meta = {name: shapes.metadata(name, value) for name, value in meta.items()}
        with self._writing():
            org = self._org(id_or_slug)
            self._user(user_id)
            if self._records(org_id=org["id"], user_id=user_id):
                raise errors.EmulatorError(
                    400,
                    "already_a_member_in_organization",
                    "already a member",
                    f"User {user_id} is already a member of the organization.",
                )
            limit = org["max_allowed_memberships"]
            if limit and len(self._records(org_id=org["id"])) >= limit:
                raise errors.EmulatorError(
                    403,
                    "organization_membership_quota_exceeded",
                    "Membership quota exceeded",
                    "You have reached your limit of organization memberships.",
                )
            now = self.clock.now()
            record = shapes.membership_record(
                new_id("orgmem"), org["id"], user_id, role_key, now, **meta
            )
            self._memberships[record["id"]] = record
            return self._render(record)

    def list_memberships(
        self,
        id_or_slug: str,
        *,
        limit: int = 10,
        offset: int = 0,
        order_by: str = "-created_at",
        user_ids: list[str] | None = None,
        roles: list[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        with self._reading():
            org = self._org(id_or_slug)
            found = [
                m
                for m in self._records(org_id=org["id"])
                if (not user_ids or m["user_id"] in user_ids) and (not roles or m["role"] in roles)
            ]
            page, total = paged(found, order_by, MEMBERSHIP_ORDER_FIELDS, limit, offset)
            return [self._render(m) for m in page], total

    def user_memberships(
        self, user_id: str, *, limit: int = 10, offset: int = 0, order_by: str = "-created_at"
    ) -> tuple[list[dict[str, Any]], int]:
        """A user's memberships (``GET /v1/users/{id}/organization_memberships``)."""
        with self._reading():
            self._user(user_id)
            found = self._records(user_id=user_id)
            page, total = paged(found, order_by, MEMBERSHIP_ORDER_FIELDS, limit, offset)
            return [self._render(m) for m in page], total

    def update_membership(self, id_or_slug: str, user_id: str, fields: dict[str, Any]):
        refuse_unknown(fields, frozenset({"role", "public_metadata", "private_metadata"}))
        changes: dict[str, Any] = {}
        if "role" in fields:
            changes["role"] = shapes.role(fields["role"])
        for name in ("public_metadata", "private_metadata"):
            if name in fields:
                changes[name] = shapes.metadata(name, fields[name])
        with self._writing():
            record = self._record(self._org(id_or_slug)["id"], user_id)
            if changes.get("role", shapes.ADMIN_ROLE) != shapes.ADMIN_ROLE:
                self._check_admin_left(record)
            record.update(changes, updated_at=self.clock.now())
            return self._render(record)

    def delete_membership(self, id_or_slug: str, user_id: str) -> dict[str, Any]:
        """Remove a member; returns the membership as it was (what Clerk answers)."""
        with self._writing():
            record = self._record(self._org(id_or_slug)["id"], user_id)
            self._check_admin_left(record)
            rendered = self._render(record)
            del self._memberships[record["id"]]
            self._forget_active(org_id=record["organization_id"], user_id=user_id)
            return rendered

    def _drop_user_memberships(self, user_id: str) -> list[dict[str, Any]]:
        """With the write lock held: remove a (deleted) user's memberships, rendered."""
        removed = [self._render(m) for m in self._records(user_id=user_id)]
        for item in removed:
            del self._memberships[item["id"]]
        return removed
