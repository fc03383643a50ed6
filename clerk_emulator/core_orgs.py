"""The emulator's organization API: the store's operations, each with Clerk's webhook.

Mixed into :class:`clerk_emulator.core.Emulator`; the HTTP routes and the tests both
call these methods, so every mutation emits the same event whichever way it came:
``organization.created/updated/deleted`` and
``organizationMembership.created/updated/deleted``, whose ``data`` is the organization,
Clerk's deleted object ``{id, object, slug, deleted}``, or the membership (with its
organization and ``public_user_data`` embedded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .org_shapes import MEMBER_ROLE

if TYPE_CHECKING:
    from .store import UserStore
    from .webhooks import WebhookSender


class OrganizationsAPI:
    store: UserStore
    webhooks: WebhookSender

    # -- organizations ------------------------------------------------------------------

    def create_organization(
        self, name: str, /, *, slug: str | None = None, created_by: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create an organization; ``created_by`` becomes its first ``org:admin``.

        ``fields``: ``public_metadata``, ``private_metadata``, ``max_allowed_memberships``.
        Emits ``organization.created``, then ``organizationMembership.created``.
        """
        if slug is not None:
            fields["slug"] = slug
        org, membership = self.store.create_organization(name=name, created_by=created_by, **fields)
        self.webhooks.emit("organization.created", org)
        if membership is not None:
            self.webhooks.emit("organizationMembership.created", membership)
        return org

    def get_organization(
        self, id_or_slug: str, *, include_members_count: bool = False
    ) -> dict[str, Any]:
        return self.store.get_organization(id_or_slug, include_members_count=include_members_count)

    def list_organizations(self, **options: Any) -> tuple[list[dict[str, Any]], int]:
        """``(page, total_count)``; limit, offset, order_by, query, include_members_count."""
        return self.store.list_organizations(**options)

    def update_organization(self, id_or_slug: str, /, **fields: Any) -> dict[str, Any]:
        org = self.store.update_organization(id_or_slug, fields)
        self.webhooks.emit("organization.updated", org)
        return org

    def delete_organization(self, id_or_slug: str) -> dict[str, Any]:
        """Delete an organization and its memberships; emits ``organization.deleted``."""
        deleted = self.store.delete_organization(id_or_slug)
        self.webhooks.emit("organization.deleted", deleted)
        return deleted

    # -- memberships ----------------------------------------------------------------------

    def create_membership(
        self, id_or_slug: str, user_id: str, role: str = MEMBER_ROLE, /, **meta: Any
    ) -> dict[str, Any]:
        membership = self.store.create_membership(id_or_slug, user_id, role, **meta)
        self.webhooks.emit("organizationMembership.created", membership)
        return membership

    def list_memberships(self, id_or_slug: str, **options: Any) -> tuple[list[dict[str, Any]], int]:
        return self.store.list_memberships(id_or_slug, **options)

    def user_memberships(self, user_id: str, **options: Any) -> tuple[list[dict[str, Any]], int]:
        return self.store.user_memberships(user_id, **options)

    def update_membership(self, id_or_slug: str, user_id: str, /, **fields: Any) -> dict[str, Any]:
        membership = self.store.update_membership(id_or_slug, user_id, fields)
        self.webhooks.emit("organizationMembership.updated", membership)
        return membership

    def delete_membership(self, id_or_slug: str, user_id: str) -> dict[str, Any]:
        membership = self.store.delete_membership(id_or_slug, user_id)
        self.webhooks.emit("organizationMembership.deleted", membership)
        return membership

    # -- the active organization ------------------------------------------------------------

    def set_active_organization(self, session_id: str, organization_id: str | None) -> dict:
        """Clerk's ``setActive({organization})``: the session's tokens carry it in ``o``.

        ``None`` goes back to the personal account. Refused with a 404
        ``organization_not_found_or_unauthorized`` unless the user is a member.
        """
        return self.store.set_active_organization(session_id, organization_id)
