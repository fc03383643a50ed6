"""Clerk's JSON shapes for users, email addresses and sessions, and input validation.

Builders return plain dicts exactly as the Backend API serialises them; the
store keeps those dicts, so what it persists is what it serves. Validation
follows Clerk's rules and error codes where the app could observe them
(identifier format and uniqueness, username length/characters, password length).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Any

from . import errors
from .ids import new_id

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
USERNAME_RE = re.compile(r"[a-z0-9_-]+")
SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000
_PBKDF2_ROUNDS = 100_000


def normalise_email(value: object) -> str:
    if not isinstance(value, str) or not EMAIL_RE.fullmatch(value.strip()):
        raise errors.invalid_param("email_address", "email_address must be a valid email address.")
    return value.strip().lower()


def normalise_username(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.invalid_param("username", "username must be a string.")
    username = value.strip().lower()
    if not 4 <= len(username) <= 64:
        raise errors.EmulatorError(
            422,
            "form_username_invalid_length",
            "Username must be between 4 and 64 characters long.",
            param="username",
        )
    if not USERNAME_RE.fullmatch(username):
        raise errors.EmulatorError(
            422,
            "form_username_invalid_character",
            "Username can only contain letters, numbers and '_' or '-'.",
            param="username",
        )
    return username


def optional_name(param: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 256:
        raise errors.invalid_param(param, f"{param} must be a string of at most 256 characters.")
    return value


def metadata(param: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_param(param, f"{param} must be a JSON object.")
    return value


def hash_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < 8:
        raise errors.EmulatorError(
            422,
            "form_password_length_too_short",
            "Passwords must be 8 characters or more.",
            param="password",
        )
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    _, rounds, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    return hmac.compare_digest(candidate.hex(), digest)


def email_address(email: str, now_ms: int, *, verified: bool = True) -> dict[str, Any]:
    verification = {
        "object": "verification_admin" if verified else "verification_email_code",
        "status": "verified" if verified else "unverified",
        "strategy": "admin" if verified else "email_code",
        "attempts": None,
        "expire_at": None,
    }
    return {
        "id": new_id("idn"),
        "object": "email_address",
        "email_address": email,
        "reserved": False,
        "verification": verification,
        "linked_to": [],
        "matches_sso_connection": False,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def user(user_id: str, now_ms: int, image_url: str) -> dict[str, Any]:
    """A user with every field Clerk serialises, identifiers and names still empty."""
    return {
        "id": user_id,
        "object": "user",
        "external_id": None,
        "primary_email_address_id": None,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "username": None,
        "first_name": None,
        "last_name": None,
        "image_url": image_url,
        "has_image": False,
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "email_addresses": [],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "password_enabled": False,
        "two_factor_enabled": False,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "banned": False,
        "locked": False,
        "lockout_expires_in_seconds": None,
        "verification_attempts_remaining": 100,
        "delete_self_enabled": True,
        "create_organization_enabled": True,
        "last_sign_in_at": None,
        "last_active_at": None,
        "legal_accepted_at": None,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def deleted_user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "object": "user", "deleted": True}


def session(user_id: str, now_ms: int) -> dict[str, Any]:
    return {
        "id": new_id("sess"),
        "object": "session",
        "user_id": user_id,
        "client_id": new_id("client"),
        "status": "active",
        "last_active_at": now_ms,
        "last_active_organization_id": None,
        "actor": None,
        "expire_at": now_ms + SESSION_LIFETIME_MS,
        "abandon_at": now_ms + 4 * SESSION_LIFETIME_MS,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


def primary_email(user_json: dict[str, Any]) -> str | None:
    """The primary address (not ``email_addresses[0]``, which may be another one)."""
    wanted = user_json.get("primary_email_address_id")
    for item in user_json.get("email_addresses", []):
        if item["id"] == wanted:
            return item["email_address"]
    return None
