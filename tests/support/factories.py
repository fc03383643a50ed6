"""Factories for Clerk-shaped data, so tests describe only what matters to them."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

_counter = itertools.count(1)


def clerk_id() -> str:
    """A Clerk-looking user id (``user_`` + 27 random characters)."""
    return "user_" + secrets.token_hex(14)[:27]


def clerk_user(
    *,
    email: str | None = None,
    emails: list[str] | None = None,
    primary: int | None = 0,
    **overrides: Any,
) -> dict[str, Any]:
    """Clerk's user JSON as ``GET /v1/users/{id}`` returns it.

    Args:
        email: the primary address (default: a unique ``user<n>@example.com``).
        emails: all addresses, in Clerk's order; ``primary`` is the index of the
            primary one (``None``: no primary address). Overrides ``email``.
        **overrides: any top-level field (``id``, ``username``, ``updated_at`` …).
    """
    n = next(_counter)
    if emails is None:
        emails = [email or f"user{n}.{secrets.token_hex(3)}@example.com"]
    now_ms = int(time.time() * 1000)
    addresses = [
        {
            "id": f"idn_{secrets.token_hex(12)}",
            "object": "email_address",
            "email_address": address,
            "verification": {"status": "verified", "strategy": "email_code"},
            "linked_to": [],
        }
        for address in emails
    ]
    user = {
        "id": clerk_id(),
        "object": "user",
        "username": None,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "image_url": f"https://img.clerk.com/{secrets.token_hex(8)}",
        "has_image": True,
        "primary_email_address_id": (
            addresses[primary]["id"] if primary is not None and addresses else None
        ),
        "primary_phone_number_id": None,
        "email_addresses": addresses,
        "phone_numbers": [],
        "external_accounts": [],
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "password_enabled": True,
        "two_factor_enabled": False,
        "banned": False,
        "locked": False,
        "created_at": now_ms,
        "updated_at": now_ms,
        "last_sign_in_at": now_ms,
    }
    user.update(overrides)
    return user


def updated(user: dict[str, Any], *, delta_ms: int = 1000, **changes: Any) -> dict[str, Any]:
    """A later version of ``user`` (``updated_at`` moved forward by ``delta_ms``)."""
    return {**user, **changes, "updated_at": user["updated_at"] + delta_ms}


def with_email(user: dict[str, Any], address: str, *, delta_ms: int = 1000) -> dict[str, Any]:
    """A later version of ``user`` whose primary address is ``address``."""
    entry = {
        "id": f"idn_{secrets.token_hex(12)}",
        "object": "email_address",
        "email_address": address,
    }
    return updated(
        user,
        delta_ms=delta_ms,
        email_addresses=[*user["email_addresses"], entry],
        primary_email_address_id=entry["id"],
    )


def org_id() -> str:
    """A Clerk-looking organization id (``org_`` + 27 random characters)."""
    return "org_" + secrets.token_hex(14)[:27]


def clerk_organization(**overrides: Any) -> dict[str, Any]:
    """Clerk's organization JSON as ``GET /v1/organizations/{id}`` and webhooks send it."""
    n = next(_counter)
    now_ms = int(time.time() * 1000)
    org = {
        "object": "organization",
        "id": org_id(),
        "name": f"Org {n}",
        "slug": f"org-{n}-{secrets.token_hex(3)}",
        "image_url": f"https://img.clerk.com/org-{secrets.token_hex(6)}",
        "has_image": True,
        "max_allowed_memberships": 5,
        "admin_delete_enabled": True,
        "public_metadata": {},
        "private_metadata": {},
        "created_by": None,
        "created_at": now_ms,
        "updated_at": now_ms,
    }
    org.update(overrides)
    return org


def clerk_membership(
    user: dict[str, Any], organization: dict[str, Any], *, role: str = "org:member", **overrides
) -> dict[str, Any]:
    """Clerk's organization membership JSON, embedding ``organization`` and the user."""
    now_ms = int(time.time() * 1000)
    membership = {
        "object": "organization_membership",
        "id": "orgmem_" + secrets.token_hex(14)[:27],
        "role": role,
        "role_name": role.removeprefix("org:").title(),
        "permissions": [],
        "public_metadata": {},
        "private_metadata": {},
        "organization": organization,
        "public_user_data": {
            "user_id": user["id"],
            "identifier": (user.get("email_addresses") or [{}])[0].get("email_address"),
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name"),
            "image_url": user.get("image_url"),
            "has_image": True,
        },
        "created_at": now_ms,
        "updated_at": now_ms,
    }
    membership.update(overrides)
    return membership
