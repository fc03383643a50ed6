"""The Frontend API's environment resource (``GET``/``PATCH /v1/environment``).

Shape from ``@clerk/shared``'s ``EnvironmentJSON`` (``userSettings.d.ts``,
``displayConfig.d.ts``, ``organizationSettings.d.ts``): a development instance that
signs users in with an email address and a password and has organizations enabled
(``organization_settings.enabled``), without forced organization selection (which
would leave every new session ``pending`` on a "choose an organization" task) and
without members creating organizations themselves. Every field clerk-js reads is
sent rather than left to its defaults.
"""

from __future__ import annotations

from typing import Any


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


def environment(
    *, application_name: str = "clerk_app", app_origin: str, organizations: bool = True
) -> dict[str, Any]:
    """A development instance: email address + password, optional names and username,
    organizations on (``organizations=False``: off, as on a fresh instance)."""
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
            "enabled": organizations,
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
