"""Clerk's user JSON → the fields this app stores, and the user in custom session claims.

Clerk only: nothing here knows the database. :func:`clerk_user_data` takes the
Backend API's (or a webhook's) user JSON; :func:`user_from_claims` rebuilds that JSON
from a session token carrying the custom claims template (see docs/sync.md), so a page
can skip the Backend API call.

* Email: the address whose id is ``primary_email_address_id`` (not the first one),
  stripped and lowercased; none → :class:`UserWithoutEmail`.
* Username, names, image: blank → ``None``; usernames lowercased.
* ``updated_at``: Clerk's milliseconds (a template's seconds are scaled up).
* Account lifecycle: ``banned``, ``locked``, ``last_sign_in_at`` (ms → UTC datetime),
  ``public_metadata`` (a JSON object of at most 8 KiB, Clerk's own cap). Each is
  ``None`` when the JSON does not carry it (session claims never do): the sync then
  keeps what is stored. ``private_metadata`` is never read; ``unsafe_metadata`` (which
  the user writes from the browser) is never trusted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The claims the custom session-token template adds (see docs/sync.md).
CUSTOM_CLAIMS = ("email", "first_name", "last_name", "username", "image_url", "updated_at")
#: Clerk caps each metadata object at 8 KiB; anything larger is not Clerk's.
MAX_METADATA_BYTES = 8192


class UserWithoutEmail(ValueError):
    """The Clerk user has no usable primary email address; nothing was written."""


@dataclass(frozen=True, slots=True)
class ClerkUserData:
    """The Clerk-managed fields of one user, extracted and normalised."""

    clerk_id: str
    email: str
    username: str | None
    first_name: str | None
    last_name: str | None
    image_url: str | None
    updated_at: int
    banned: bool | None = None
    locked: bool | None = None
    last_sign_in_at: datetime | None = None
    public_metadata: dict[str, Any] | None = None


def clerk_user_data(clerk_user: Mapping[str, Any]) -> ClerkUserData:
    """Extract what we store from Clerk's user JSON (Backend API / webhook ``data``).

    Raises:
        UserWithoutEmail: no address has the id ``primary_email_address_id``, or it is blank.
    """
    clerk_id = clerk_user.get("id")
    if not isinstance(clerk_id, str) or not clerk_id:
        raise ValueError("Clerk user JSON without an id")
    primary_id = clerk_user.get("primary_email_address_id")
    email = None
    for address in clerk_user.get("email_addresses") or ():
        if primary_id is not None and address.get("id") == primary_id:
            email = (address.get("email_address") or "").strip().lower()
            break
    if not email or "@" not in email or len(email) > 320:
        raise UserWithoutEmail(f"Clerk user {clerk_id} has no primary email address")
    return ClerkUserData(
        clerk_id=clerk_id,
        email=email,
        username=_blank_to_none(clerk_user.get("username"), lower=True),
        first_name=_blank_to_none(clerk_user.get("first_name")),
        last_name=_blank_to_none(clerk_user.get("last_name")),
        image_url=_blank_to_none(clerk_user.get("image_url")),
        updated_at=int(clerk_user.get("updated_at") or 0),
        banned=_flag(clerk_user.get("banned")),
        locked=_flag(clerk_user.get("locked")),
        last_sign_in_at=millis_to_datetime(clerk_user.get("last_sign_in_at")),
        public_metadata=public_metadata(clerk_user.get("public_metadata")),
    )


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def millis_to_datetime(value: Any) -> datetime | None:
    """Clerk's milliseconds since the epoch as an aware UTC datetime (``None``: absent)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def public_metadata(value: Any) -> dict[str, Any] | None:
    """Clerk's ``public_metadata``: a JSON object (``None`` when absent).

    Raises:
        ValueError: not an object, not JSON-serialisable, or over 8 KiB.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("public_metadata must be a JSON object")
    try:
        size = len(json.dumps(value, allow_nan=False, separators=(",", ":")).encode())
    except (TypeError, ValueError, RecursionError):
        raise ValueError("public_metadata is not plain JSON") from None
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"public_metadata is over {MAX_METADATA_BYTES} bytes")
    return value


def _blank_to_none(value: Any, *, lower: bool = False) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower() if lower else value.strip()


def profile_claims(claims: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What :func:`user_from_claims` reads from ``claims``, as a tuple to compare with a
    later token's; ``None`` without the custom claims (Clerk is then asked instead)."""
    if "updated_at" not in claims:
        return None
    return (*(claims.get(name) for name in CUSTOM_CLAIMS), claims.get("primary_email_address_id"))


def user_from_claims(user_id: str, claims: Mapping[str, Any]) -> dict[str, Any] | None:
    """Clerk's user JSON rebuilt from custom session claims, or ``None`` without them."""
    email = claims.get("email")
    if not isinstance(email, str) or not email or "updated_at" not in claims:
        return None
    email_id = claims.get("primary_email_address_id") or "idn_from_session_claims"

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) and value else None

    updated = claims.get("updated_at")
    if isinstance(updated, int) and 0 < updated < 10**11:
        updated *= 1000  # a template's {{user.updated_at}} may be in seconds; Clerk JSON is ms
    return {
        "id": user_id,
        "object": "user",
        "primary_email_address_id": email_id,
        "email_addresses": [{"id": email_id, "email_address": email}],
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "username": text("username"),
        "image_url": text("image_url"),
        "updated_at": updated if isinstance(updated, int) else 0,
    }
