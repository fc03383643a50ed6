"""The Frontend API's JSON resources, as clerk-js parses them (the environment is in
:mod:`tests.support.clerk_fapi.environment`).

Shapes follow ``@clerk/shared``'s ``*JSON`` types (``types/json.d.ts``,
``userSettings.d.ts``, ``displayConfig.d.ts``): every field clerk-js reads is
present, with the values of a development instance that signs users in with an
email address and a password. Fields clerk-js tolerates missing are still sent
rather than leaning on its defaults, so a future release that stops defaulting
them does not silently change what the tests exercise.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def clerk_error(
    code: str, message: str, long_message: str | None = None, *, param: str | None = None
) -> dict[str, Any]:
    """Clerk's error envelope: ``{"errors": [...], "clerk_trace_id": ...}``."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "long_message": long_message or message,
        "meta": {"param_name": param} if param else {},
    }
    return {"errors": [error], "clerk_trace_id": secrets.token_hex(16)}


# -- users, sessions, clients ------------------------------------------------------------


def fapi_user(
    backend_user: dict[str, Any], memberships: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The Frontend API's view of a Backend API user (no private metadata), with the
    user's organization memberships (Backend API shape) as clerk-js reads them."""
    user = copy.deepcopy(backend_user)
    user.pop("private_metadata", None)
    user["organization_memberships"] = [membership(m) for m in memberships or []]
    user.setdefault("profile_image_id", "")
    user.setdefault("create_organizations_limit", None)
    for key in ("passkeys", "enterprise_accounts", "external_accounts", "web3_wallets"):
        user.setdefault(key, [])
    return user


def _identifier(user: dict[str, Any]) -> str:
    for item in user.get("email_addresses", []):
        if item["id"] == user.get("primary_email_address_id"):
            return item["email_address"]
    return user.get("username") or ""


def public_user_data(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": user.get("first_name"),
        "last_name": user.get("last_name"),
        "image_url": user.get("image_url", ""),
        "has_image": user.get("has_image", False),
        "identifier": _identifier(user),
        "user_id": user["id"],
        "username": user.get("username"),
    }


def token(jwt: str) -> dict[str, Any]:
    return {"object": "token", "id": new_id("tok"), "jwt": jwt}


def session(
    sid: str,
    user: dict[str, Any],
    jwt: str,
    *,
    created_at: int,
    memberships: list[dict[str, Any]] | None = None,
    active_organization_id: str | None = None,
) -> dict[str, Any]:
    now = now_ms()
    return {
        "object": "session",
        "id": sid,
        "status": "active",
        "factor_verification_age": [0, -1],
        "expire_at": now + 7 * 24 * 3600 * 1000,
        "abandon_at": now + 30 * 24 * 3600 * 1000,
        "last_active_at": now,
        "last_active_token": token(jwt),
        "last_active_organization_id": active_organization_id,
        "actor": None,
        "tasks": None,
        "user": fapi_user(user, memberships),
        "public_user_data": public_user_data(user),
        "created_at": created_at,
        "updated_at": now,
    }


# -- organizations -----------------------------------------------------------------------


def membership(backend: dict[str, Any]) -> dict[str, Any]:
    """A Backend API ``organization_membership`` as the Frontend API serves it to its
    member (``OrganizationMembershipJSON``): no private metadata, and the organization
    with its ``members_count`` and ``pending_invitations_count``."""
    organization = {
        key: value for key, value in backend["organization"].items() if key != "private_metadata"
    }
    organization.setdefault("members_count", 1)
    organization.setdefault("pending_invitations_count", 0)
    return {
        "object": "organization_membership",
        "id": backend["id"],
        "role": backend["role"],
        "role_name": backend.get("role_name", ""),
        "permissions": list(backend.get("permissions", [])),
        "public_metadata": backend.get("public_metadata", {}),
        "organization": organization,
        "public_user_data": backend.get("public_user_data", {}),
        "created_at": backend["created_at"],
        "updated_at": backend["updated_at"],
    }


def paginated(data: list[dict[str, Any]], total_count: int) -> dict[str, Any]:
    """A ``/v1/me/...`` list: ``{"response": {"data", "total_count"}}`` (clerk-js reads
    ``response.data`` and ``response.total_count``)."""
    return {"response": {"data": data, "total_count": total_count}, "client": None}


# -- clients -----------------------------------------------------------------------------


def client(
    client_id: str,
    *,
    sessions: list[dict[str, Any]],
    sign_in: dict[str, Any] | None = None,
    created_at: int,
) -> dict[str, Any]:
    return {
        "object": "client",
        "id": client_id,
        "sessions": sessions,
        "sign_in": sign_in,
        "sign_up": None,
        "last_active_session_id": sessions[-1]["id"] if sessions else None,
        "last_authentication_strategy": None,
        "cookie_expires_at": None,
        "captcha_bypass": False,
        "created_at": created_at,
        "updated_at": now_ms(),
    }


def sign_in(
    sign_in_id: str,
    *,
    identifier: str,
    user: dict[str, Any] | None,
    status: str,
    first_factor_verification: dict[str, Any] | None = None,
    created_session_id: str | None = None,
) -> dict[str, Any]:
    factors = []
    if user is not None:
        factors.append({"strategy": "password"})
        if user.get("primary_email_address_id"):
            factors.append(
                {
                    "strategy": "email_code",
                    "safe_identifier": identifier,
                    "email_address_id": user["primary_email_address_id"],
                    "primary": True,
                }
            )
    return {
        "object": "sign_in",
        "id": sign_in_id,
        "status": status,
        "supported_identifiers": ["email_address", "username"],
        "identifier": identifier,
        "user_data": {
            "first_name": (user or {}).get("first_name"),
            "last_name": (user or {}).get("last_name"),
            "image_url": (user or {}).get("image_url", ""),
            "has_image": (user or {}).get("has_image", False),
        },
        "supported_first_factors": factors,
        "supported_second_factors": [],
        "first_factor_verification": first_factor_verification,
        "second_factor_verification": None,
        "created_session_id": created_session_id,
        "abandon_at": now_ms() + 24 * 3600 * 1000,
    }


def verification(strategy: str, status: str = "verified") -> dict[str, Any]:
    return {
        "object": "verification",
        "id": "",
        "status": status,
        "strategy": strategy,
        "attempts": 1,
        "expire_at": None,
        "verified_at_client": None,
        "error": None,
    }
