"""What the store's organization and membership operations share: lookups, paging.

Lookups are called with the state's lock held (inside ``_reading``/``_writing``);
a membership is rendered with its organization and member as they are at that moment
(:func:`.org_shapes.membership`).
"""

from __future__ import annotations

import copy
from typing import Any

from . import errors
from . import org_shapes as shapes
from .state import PersistentState

ORG_ORDER_FIELDS = ("created_at", "updated_at", "name")
MEMBERSHIP_ORDER_FIELDS = ("created_at", "updated_at")
ORG_UPDATABLE = frozenset(
    {
        "name",
        "slug",
        "public_metadata",
        "private_metadata",
        "max_allowed_memberships",
        "admin_delete_enabled",
    }
)


def _order(order_by: str, allowed: tuple[str, ...]) -> tuple[str, bool]:
    field = order_by.lstrip("+-")
    if field not in allowed:
        raise errors.invalid_param(
            "order_by",
            f"order_by must be one of {', '.join(allowed)} (+/- prefixed).",
            code="form_param_value_invalid",
        )
    return field, order_by.startswith("-")


def paged(items: list[Any], order_by: str, allowed: tuple[str, ...], limit: int, offset: int):
    field, descending = _order(order_by, allowed)
    ordered = sorted(items, key=lambda i: (i[field], i["id"]), reverse=descending)
    return ordered[offset : offset + limit], len(items)


def refuse_unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise errors.invalid_param(
            name, f"{name} is not a valid parameter for this request.", code="form_param_unknown"
        )


class OrgBase(PersistentState):
    # -- lookups (call with the lock held) ------------------------------------------

    def _org(self, id_or_slug: str) -> dict[str, Any]:
        found = self._organizations.get(id_or_slug)
        if found is None:
            found = next((o for o in self._organizations.values() if o["slug"] == id_or_slug), None)
        if found is None:
            raise errors.not_found("Organization")
        return found

    def _check_slug_free(self, slug: str, org_id: str | None = None) -> None:
        if any(o["slug"] == slug and o["id"] != org_id for o in self._organizations.values()):
            raise errors.identifier_taken("slug", "slug")

    def _records(self, *, org_id: str | None = None, user_id: str | None = None):
        return [
            m
            for m in self._memberships.values()
            if (org_id is None or m["organization_id"] == org_id)
            and (user_id is None or m["user_id"] == user_id)
        ]

    def _record(self, org_id: str, user_id: str) -> dict[str, Any]:
        found = self._records(org_id=org_id, user_id=user_id)
        if not found:
            raise errors.not_found("Organization membership")
        return found[0]

    def _render(self, record: dict[str, Any]) -> dict[str, Any]:
        org = self._organizations[record["organization_id"]]
        return copy.deepcopy(shapes.membership(record, org, self._users.get(record["user_id"])))

    def _with_count(self, org: dict[str, Any], include: bool) -> dict[str, Any]:
        found = copy.deepcopy(org)
        if include:
            found["members_count"] = len(self._records(org_id=org["id"]))
        return found

    def _check_admin_left(self, record: dict[str, Any]) -> None:
        """Refuse to remove or demote an organization's last admin (as Clerk does)."""
        admins = self._records(org_id=record["organization_id"])
        if record["role"] == shapes.ADMIN_ROLE and not any(
            m["role"] == shapes.ADMIN_ROLE and m["id"] != record["id"] for m in admins
        ):
            raise errors.EmulatorError(
                403,
                "organization_minimum_permissions_needed",
                "There has to be at least one organization member with the minimum required "
                "permissions.",
            )

    def _forget_active(self, *, org_id: str, user_id: str | None = None) -> None:
        for session in self._sessions.values():
            if session.get("last_active_organization_id") == org_id and (
                user_id is None or session["user_id"] == user_id
            ):
                session["last_active_organization_id"] = None
