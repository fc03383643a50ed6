"""Clerk's organization JSON → what the app stores, and the session token's ``o`` claim.

Clerk only: nothing here knows the database.

* :func:`organization_data`: an organization object (Backend API, webhook ``data``,
  or the ``organization`` embedded in a membership).
* :func:`membership_data`: an organization membership object; it embeds its
  organization and the member's ``public_user_data``, which is enough to create
  either row when the membership arrives first.
* :func:`active_organization`: the v2 session token's ``o`` claim (``id``, ``rol``,
  ``slg``), the user's *active* organization, read with zero Backend API calls.

Role keys are Clerk's (``org:admin``, ``org:member``, custom ``org:<key>``); the token
carries them without the ``org:`` prefix (``"rol": "admin"``), which is added back here.
Anything malformed raises :class:`ValueError` (a payload) or gives ``None`` (a claim).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_CLERK_ID = re.compile(r"[A-Za-z0-9_]{1,64}")
_ROLE = re.compile(r"org:[a-z0-9_:-]{1,64}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


@dataclass(frozen=True, slots=True)
class ClerkOrganizationData:
    """The Clerk-managed fields of one organization, extracted and normalised."""

    clerk_id: str
    name: str
    slug: str | None
    image_url: str | None
    updated_at: int
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class ClerkMemberData:
    """What a membership tells about its user (``public_user_data``)."""

    clerk_id: str
    identifier: str | None
    first_name: str | None
    last_name: str | None
    image_url: str | None


@dataclass(frozen=True, slots=True)
class ClerkMembershipData:
    """One organization membership, with its embedded organization and member."""

    clerk_id: str
    role: str
    updated_at: int
    organization: ClerkOrganizationData
    member: ClerkMemberData


@dataclass(frozen=True, slots=True)
class ActiveOrganization:
    """The active organization in a verified session token (the ``o`` claim)."""

    clerk_id: str
    slug: str | None
    role: str


def clerk_id(value: Any, prefix: str) -> str:
    """A Clerk id of the given kind (``org_``, ``orgmem_``, ``user_``), or ValueError."""
    if not isinstance(value, str) or not value.startswith(prefix) or not _CLERK_ID.fullmatch(value):
        raise ValueError(f"not a Clerk {prefix}… id: {value!r}"[:120])
    return value


def normalise_role(value: Any) -> str:
    """Clerk's role key with its ``org:`` prefix (a token's ``admin`` → ``org:admin``)."""
    if not isinstance(value, str):
        raise ValueError("role is not a string")
    role = value.strip().lower()
    if not role.startswith("org:"):
        role = f"org:{role}"
    if not _ROLE.fullmatch(role):
        raise ValueError(f"not a Clerk role key: {value!r}"[:120])
    return role


def organization_data(organization: Mapping[str, Any]) -> ClerkOrganizationData:
    """Extract what we store from Clerk's organization JSON."""
    if not isinstance(organization, Mapping):
        raise ValueError("organization is not an object")
    name = _text(organization.get("name"))
    created_by = organization.get("created_by")
    return ClerkOrganizationData(
        clerk_id=clerk_id(organization.get("id"), "org_"),
        name=(name or "")[:256],
        slug=_slug(organization.get("slug")),
        image_url=_text(organization.get("image_url")),
        updated_at=_millis(organization.get("updated_at")),
        created_by=created_by if isinstance(created_by, str) and created_by else None,
    )


def membership_data(membership: Mapping[str, Any]) -> ClerkMembershipData:
    """Extract a membership, its organization and its member from Clerk's JSON."""
    if not isinstance(membership, Mapping):
        raise ValueError("membership is not an object")
    user = membership.get("public_user_data")
    if not isinstance(user, Mapping):
        raise ValueError("membership without public_user_data")
    return ClerkMembershipData(
        clerk_id=clerk_id(membership.get("id"), "orgmem_"),
        role=normalise_role(membership.get("role")),
        updated_at=_millis(membership.get("updated_at")),
        organization=organization_data(membership.get("organization")),  # type: ignore[arg-type]
        member=ClerkMemberData(
            clerk_id=clerk_id(user.get("user_id"), "user_"),
            identifier=_text(user.get("identifier")),
            first_name=_text(user.get("first_name")),
            last_name=_text(user.get("last_name")),
            image_url=_text(user.get("image_url")),
        ),
    )


def active_organization(claims: Mapping[str, Any]) -> ActiveOrganization | None:
    """The ``o`` claim of a verified v2 session token, or ``None`` (none, or malformed)."""
    claim = claims.get("o")
    if not isinstance(claim, Mapping):
        return None
    try:
        return ActiveOrganization(
            clerk_id=clerk_id(claim.get("id"), "org_"),
            slug=_slug(claim.get("slg")),
            role=normalise_role(claim.get("rol")),
        )
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _slug(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    slug = value.strip().lower()
    return slug if _SLUG.fullmatch(slug) else None


def _millis(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value
