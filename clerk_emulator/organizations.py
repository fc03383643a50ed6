"""Organization operations of the store: create, read, list, update, delete; the active one.

Every mutation validates its input before taking the write lock and checks the rest
(uniqueness, existence) inside it, so a refused request changes nothing. The active
organization is a property of a session (``last_active_organization_id``, as in
Clerk); the session token's ``o`` claim is read from it.
"""

from __future__ import annotations

import copy
from typing import Any

from . import errors
from . import org_shapes as shapes
from .ids import new_id, random_base62
from .org_base import ORG_ORDER_FIELDS, ORG_UPDATABLE, OrgBase, paged, refuse_unknown


class OrganizationsMixin(OrgBase):
    # -- organizations ----------------------------------------------------------------

    def create_organization(self, /, *, name: object, created_by: str | None = None, **fields: Any):
        """Create an organization; its creator becomes its first admin.

        Returns ``(organization, membership or None)``. Without ``slug`` one is made
        from the name (with a random suffix if that one is taken).
        """
        refuse_unknown(fields, ORG_UPDATABLE - {"name", "admin_delete_enabled"})
        name = shapes.organization_name(name)
        slug = fields.get("slug")
        slug = shapes.organization_slug(slug) if slug is not None else None
        public = shapes.metadata("public_metadata", fields.get("public_metadata"))
        private = shapes.metadata("private_metadata", fields.get("private_metadata"))
        max_members = shapes.max_memberships(fields.get("max_allowed_memberships", 0))
        if created_by is not None and not isinstance(created_by, str):
            raise errors.invalid_param("created_by", "created_by must be a user id.")
        with self._writing():
            if created_by is not None:
                self._user(created_by)
            if slug is None:
                slug = shapes.slug_from_name(name)
                if any(o["slug"] == slug for o in self._organizations.values()):
                    slug = f"{slug}-{random_base62(6).lower()}"
            self._check_slug_free(slug)
            now = self.clock.now()
            org_id = new_id("org")
            org = shapes.organization(
                org_id, now, f"{self._avatar_base}/emulator/avatars/{org_id}.svg"
            )
            org.update(
                name=name,
                slug=slug,
                created_by=created_by,
                public_metadata=public,
                private_metadata=private,
                max_allowed_memberships=max_members,
            )
            self._organizations[org_id] = org
            membership = None
            if created_by is not None:
                record = shapes.membership_record(
                    new_id("orgmem"), org_id, created_by, shapes.ADMIN_ROLE, now
                )
                self._memberships[record["id"]] = record
                membership = self._render(record)
            return copy.deepcopy(org), membership

    def get_organization(self, id_or_slug: str, *, include_members_count: bool = False):
        with self._reading():
            return self._with_count(self._org(id_or_slug), include_members_count)

    def list_organizations(
        self,
        *,
        limit: int = 10,
        offset: int = 0,
        order_by: str = "-created_at",
        query: str = "",
        include_members_count: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """``(page, total_count)``; ``query`` matches id, name or slug (any case)."""
        wanted = query.lower()
        with self._reading():
            found = [
                o
                for o in self._organizations.values()
                if not wanted or wanted in f"{o['id']} {o['name']} {o['slug']}".lower()
            ]
            page, total = paged(found, order_by, ORG_ORDER_FIELDS, limit, offset)
            return [self._with_count(o, include_members_count) for o in page], total

    def update_organization(self, id_or_slug: str, fields: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(fields, ORG_UPDATABLE)
        changes: dict[str, Any] = {}
        if "name" in fields:
            changes["name"] = shapes.organization_name(fields["name"])
        if fields.get("slug") is not None:
            changes["slug"] = shapes.organization_slug(fields["slug"])
        for name in ("public_metadata", "private_metadata"):
            if name in fields:
                changes[name] = shapes.metadata(name, fields[name])
        if "max_allowed_memberships" in fields:
            changes["max_allowed_memberships"] = shapes.max_memberships(
                fields["max_allowed_memberships"]
            )
        if "admin_delete_enabled" in fields:
            changes["admin_delete_enabled"] = bool(fields["admin_delete_enabled"])
        with self._writing():
            org = self._org(id_or_slug)
            if "slug" in changes:
                self._check_slug_free(changes["slug"], org["id"])
            org.update(changes, updated_at=self.clock.now())
            return copy.deepcopy(org)

    def delete_organization(self, id_or_slug: str) -> dict[str, Any]:
        """Delete an organization and its memberships; Clerk's deleted object."""
        with self._writing():
            org = self._org(id_or_slug)
            for record in self._records(org_id=org["id"]):
                del self._memberships[record["id"]]
            del self._organizations[org["id"]]
            self._forget_active(org_id=org["id"])
            return shapes.deleted_organization(org)

    # -- the active organization of a session ---------------------------------------------

    def set_active_organization(self, session_id: str, org_id: str | None) -> dict[str, Any]:
        """Make ``org_id`` (None: the personal account) the session's active organization.

        Refused (404 ``organization_not_found_or_unauthorized``, as Clerk's Frontend API
        answers) unless the session's user is a member; a session no longer active is 401.
        """
        with self._writing():
            session = self._sessions.get(session_id)
            if session is None or session["status"] != "active":
                raise errors.unauthenticated("The session is no longer active.")
            if org_id is not None:
                org = self._organizations.get(org_id) if isinstance(org_id, str) else None
                if org is None or not self._records(org_id=org_id, user_id=session["user_id"]):
                    raise errors.EmulatorError(
                        404,
                        "organization_not_found_or_unauthorized",
                        "Organization not found or unauthorized",
                        "The organization does not exist or the user is not a member of it.",
                    )
            session.update(last_active_organization_id=org_id, updated_at=self.clock.now())
            return copy.deepcopy(session)

    def active_organization_claim(
        self, session: dict[str, Any], user_id: str
    ) -> dict[str, str] | None:
        """The v2 token's ``o`` claim for ``user_id`` in ``session``: ``{id, rol, slg}``.

        None without an active organization, or once the user is no longer a member.
        """
        org_id = session.get("last_active_organization_id")
        if not org_id:
            return None
        with self._reading():
            org = self._organizations.get(org_id)
            records = self._records(org_id=org_id, user_id=user_id)
            if org is None or not records:
                return None
            return {
                "id": org["id"],
                "rol": shapes.token_role(records[0]["role"]),
                "slg": org["slug"],
            }
