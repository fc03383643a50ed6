"""Clerk's JSON shapes for organizations and memberships, and their input rules.

The store keeps an organization as the dict Clerk serves (minus ``members_count``,
counted when asked) and a membership as a small record (ids, role, metadata, times);
:func:`membership` renders the record with its organization and member embedded as
they are *now*, the way Clerk's Backend API and webhooks serve it. Role keys are
Clerk's two defaults, ``org:admin`` and ``org:member``, with Clerk's system
permissions; the session token carries the role without its ``org:`` prefix.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from . import errors
from .ids import random_base62

ADMIN_ROLE = "org:admin"
MEMBER_ROLE = "org:member"
#: Role key -> (role_name, permissions): Clerk's default roles and system permissions.
ROLES: dict[str, tuple[str, list[str]]] = {
    ADMIN_ROLE: (
        "Admin",
        [
            "org:sys_profile:manage",
            "org:sys_profile:delete",
            "org:sys_memberships:read",
            "org:sys_memberships:manage",
            "org:sys_domains:read",
            "org:sys_domains:manage",
        ],
    ),
    MEMBER_ROLE: ("Member", ["org:sys_memberships:read"]),
}
NAME_MAX = 256
SLUG_MAX = 100
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")


def organization_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_MAX:
        raise errors.invalid_param(
            "name", f"name must be a non-empty string of at most {NAME_MAX} characters."
        )
    return value.strip()


def organization_slug(value: object) -> str:
    """A valid slug: lowercase letters, digits and inner dashes, 1-100 characters."""
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value.strip().lower()):
        raise errors.invalid_param(
            "slug",
            "slug can contain only lowercase alphanumeric characters and the dash '-', "
            f"and at most {SLUG_MAX} characters.",
        )
    return value.strip().lower()


def slug_from_name(name: str) -> str:
    """``"Acme Inc."`` -> ``"acme-inc"`` (a random one when nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: SLUG_MAX - 7].strip("-")
    return slug or random_base62(8).lower()


def role(value: object) -> str:
    if not isinstance(value, str) or value not in ROLES:
        raise errors.invalid_param(
            "role",
            f"role must be one of {', '.join(ROLES)}.",
            code="form_param_value_invalid",
        )
    return value


def token_role(role_key: str) -> str:
    """The role as a v2 session token carries it: ``org:admin`` -> ``admin``."""
    return role_key.removeprefix("org:")


def metadata(param: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_param(param, f"{param} must be a JSON object.")
    return value


def max_memberships(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.invalid_param(
            "max_allowed_memberships",
            "max_allowed_memberships must be a non-negative integer (0: unlimited).",
            code="form_param_value_invalid",
        )
    return value


def organization(org_id: str, now_ms: int, image_url: str) -> dict[str, Any]:
    """An organization with every field Clerk serialises, name and slug still empty."""
    return {
        "object": "organization",
        "id": org_id,
        "name": "",
        "slug": "",
        "image_url": image_url,
        "has_image": False,
        "created_by": None,
        "public_metadata": {},
        "private_metadata": {},
        "max_allowed_memberships": 0,
        "admin_delete_enabled": True,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def deleted_organization(org: dict[str, Any]) -> dict[str, Any]:
    return {"id": org["id"], "object": "organization", "slug": org["slug"], "deleted": True}


def membership_record(
    mem_id: str, org_id: str, user_id: str, role_key: str, now_ms: int, **meta: Any
) -> dict[str, Any]:
    """What the store keeps of a membership (rendered by :func:`membership`)."""
    return {
        "id": mem_id,
        "organization_id": org_id,
        "user_id": user_id,
        "role": role_key,
        "public_metadata": meta.get("public_metadata") or {},
        "private_metadata": meta.get("private_metadata") or {},
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def public_user_data(user: dict[str, Any]) -> dict[str, Any]:
    primary = user.get("primary_email_address_id")
    email = next(
        (e["email_address"] for e in user.get("email_addresses", []) if e["id"] == primary), None
    )
    return {
        "user_id": user["id"],
        "first_name": user.get("first_name"),
        "last_name": user.get("last_name"),
        "image_url": user.get("image_url"),
        "has_image": bool(user.get("has_image")),
        "identifier": email or user.get("username") or "",
    }


def membership(
    record: dict[str, Any], org: dict[str, Any], user: dict[str, Any] | None
) -> dict[str, Any]:
    """Clerk's ``organization_membership`` JSON for ``record``."""
    role_name, permissions = ROLES[record["role"]]
    member = public_user_data(user) if user else {"user_id": record["user_id"]}
    return {
        "object": "organization_membership",
        "id": record["id"],
        "role": record["role"],
        "role_name": role_name,
        "permissions": list(permissions),
        "public_metadata": record["public_metadata"],
        "private_metadata": record["private_metadata"],
        "organization": dict(org),
        "public_user_data": member,
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
    }
