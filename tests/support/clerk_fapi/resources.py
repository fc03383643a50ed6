"""The Frontend API's JSON resources, as clerk-js parses them.

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


# -- environment -------------------------------------------------------------------------


def _attribute(
    *,
    enabled: bool,
    required: bool = False,
    first_factors: list[str] | None = None,
    verifications: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "enabled": enabled,
        "required": required,
        "verifications": verifications or [],
        "used_for_first_factor": bool(first_factors),
        "first_factors": first_factors or [],
        "used_for_second_factor": False,
        "second_factors": [],
        "verify_at_sign_up": bool(verifications),
    }


def environment(*, application_name: str = "clerk_app", app_origin: str) -> dict[str, Any]:
    """A development instance: email address + password, optional names and username."""
    attributes = {
        "email_address": _attribute(
            enabled=True,
            required=True,
            first_factors=["email_code"],
            verifications=["email_code"],
        ),
        "phone_number": _attribute(enabled=False),
        "username": _attribute(enabled=True),
        "first_name": _attribute(enabled=True),
        "last_name": _attribute(enabled=True),
        "password": _attribute(enabled=True, required=True),
        "web3_wallet": _attribute(enabled=False),
        "authenticator_app": _attribute(enabled=False),
        "backup_code": _attribute(enabled=False),
        "passkey": _attribute(enabled=False),
    }
    theme = {
        "general": {
            "color": "#6c47ff",
            "background_color": "#ffffff",
            "font_family": "",
            "font_color": "#000000",
            "label_font_weight": "600",
            "padding": "1em",
            "border_radius": "0.5em",
            "box_shadow": "0 2px 8px rgba(0, 0, 0, 0.2)",
        },
        "buttons": {"font_color": "#ffffff", "font_family": "", "font_weight": "600"},
        "accounts": {"background_color": "#ffffff"},
    }
    return {
        "object": "environment",
        "id": "env_stub",
        "auth_config": {
            "object": "auth_config",
            "id": "aac_stub",
            "single_session_mode": True,
            "claimed_at": None,
            "reverification": False,
        },
        "display_config": {
            "object": "display_config",
            "id": "display_config_stub",
            "instance_environment_type": "development",
            "application_name": application_name,
            "branded": True,
            "show_devmode_warning": True,
            "preferred_sign_in_strategy": "password",
            "after_sign_in_url": f"{app_origin}/",
            "after_sign_up_url": f"{app_origin}/",
            "after_sign_out_all_url": f"{app_origin}/",
            "after_sign_out_one_url": f"{app_origin}/",
            "after_switch_session_url": f"{app_origin}/",
            "home_url": f"{app_origin}/",
            "sign_in_url": f"{app_origin}/sign-in",
            "sign_up_url": f"{app_origin}/sign-up",
            "user_profile_url": f"{app_origin}/user",
            "organization_profile_url": f"{app_origin}/organization",
            "create_organization_url": f"{app_origin}/create-organization",
            "after_leave_organization_url": f"{app_origin}/",
            "after_create_organization_url": f"{app_origin}/",
            "waitlist_url": f"{app_origin}/waitlist",
            "after_join_waitlist_url": f"{app_origin}/",
            "support_email": "",
            "terms_url": "",
            "privacy_policy_url": "",
            "logo_image_url": "",
            "favicon_image_url": "",
            "captcha_public_key": None,
            "captcha_widget_type": "smart",
            "captcha_public_key_invisible": None,
            "captcha_provider": "turnstile",
            "captcha_oauth_bypass": [],
            "captcha_heartbeat": False,
            "theme": theme,
        },
        "user_settings": {
            "attributes": attributes,
            "actions": {"delete_self": True, "create_organization": False},
            "social": {},
            "enterprise_sso": {
                "enabled": False,
                "self_serve_sso": False,
                "self_serve_directory_sync": False,
            },
            "sign_in": {"second_factor": {"required": False, "enabled": False}},
            "sign_up": {
                "allowlist_only": False,
                "progressive": True,
                "captcha_enabled": False,
                "mode": "public",
                "legal_consent_enabled": False,
            },
            "password_settings": {
                "allowed_special_characters": "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~",
                "disable_hibp": True,
                "min_length": 8,
                "max_length": 72,
                "require_special_char": False,
                "require_numbers": False,
                "require_uppercase": False,
                "require_lowercase": False,
                "show_zxcvbn": False,
                "min_zxcvbn_strength": 0,
            },
            "passkey_settings": {"allow_autofill": False, "show_sign_in_button": False},
            "username_settings": {"min_length": 4, "max_length": 64},
            "attack_protection": {"enumeration_protection": {"enabled": False}},
        },
        "organization_settings": {
            "enabled": False,
            "max_allowed_memberships": 5,
            "force_organization_selection": False,
            "actions": {"admin_delete": True},
            "domains": {"enabled": False, "enrollment_modes": [], "default_role": None},
            "slug": {"disabled": False},
        },
        "api_keys_settings": {"enabled": False, "user_api_keys_enabled": False},
        "maintenance_mode": False,
        "client_debug_mode": False,
    }


# -- users, sessions, clients ------------------------------------------------------------


def fapi_user(backend_user: dict[str, Any]) -> dict[str, Any]:
    """The Frontend API's view of a Backend API user (no private metadata)."""
    user = copy.deepcopy(backend_user)
    user.pop("private_metadata", None)
    user.setdefault("organization_memberships", [])
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


def session(sid: str, user: dict[str, Any], jwt: str, *, created_at: int) -> dict[str, Any]:
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
        "last_active_organization_id": None,
        "actor": None,
        "tasks": None,
        "user": fapi_user(user),
        "public_user_data": public_user_data(user),
        "created_at": created_at,
        "updated_at": now,
    }


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
