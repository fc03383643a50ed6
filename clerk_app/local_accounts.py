"""Local mode's accounts: the emulator's users, for the local sign-in form (dev only).

The use cases behind :class:`~clerk_app.state.local_auth.LocalAuthState`, with no
state and no UI: list recent users, create one from the sign-up form, check an id the
browser sent, open and end an emulator session. Each returns ``None`` (or raises
:class:`LocalSignUpRefused`, carrying an i18n key) when the emulator is not there:
:func:`clerk_app.services.get_local_emulator` gives one in local mode outside
production only, so nothing here is reachable in clerk mode.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from clerk_app import services

logger = logging.getLogger(__name__)

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
_USER_ID_RE = re.compile(r"^user_[A-Za-z0-9]{1,64}$")
SIGN_UP_FIELDS = ("email", "first_name", "last_name", "username")
MAX_FIELD = 100
MAX_LISTED = 20
#: The emulator's refusals the form can meet, by Clerk error code and parameter, and the
#: message shown for each (the emulator answers in English, as Clerk does).
EMULATOR_ERRORS = {
    ("form_username_invalid_length", "username"): "err_username_length",
    ("form_username_invalid_character", "username"): "err_username_characters",
    ("form_identifier_exists", "username"): "err_username_taken",
    ("form_identifier_exists", "email_address"): "err_email_taken",
    ("form_param_format_invalid", "email_address"): "err_email",
}


class LocalSignUpRefused(Exception):
    """The sign-up form was refused; ``key`` (and ``params``) name the i18n message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def available() -> bool:
    return services.get_local_emulator() is not None


def recent_users() -> list[dict[str, str]]:
    """The newest emulator users as ``{"id", "email", "name"}``; ``[]`` outside local mode."""
    emulator = services.get_local_emulator()
    if emulator is None:
        return []
    listed = emulator.list_users(limit=MAX_LISTED, order_by="-created_at")
    return [_summary(user) for user in listed]


def sign_up(form: object) -> str:
    """Create an emulator user from the sign-up form; their id, or :class:`LocalSignUpRefused`."""
    emulator = services.get_local_emulator()
    if emulator is None:
        raise LocalSignUpRefused("err_local_failed", detail="local mode is off")
    if not isinstance(form, dict) or set(form) - set(SIGN_UP_FIELDS):
        raise LocalSignUpRefused("err_email")
    values = {key: form.get(key, "") for key in SIGN_UP_FIELDS}
    if any(not isinstance(v, str) for v in values.values()):
        raise LocalSignUpRefused("err_email")
    if any(len(v) > MAX_FIELD for v in values.values()):
        raise LocalSignUpRefused("err_local_too_long", limit=MAX_FIELD)
    email = values["email"].strip().lower()
    if not _EMAIL_RE.match(email):
        raise LocalSignUpRefused("err_email")
    if emulator.list_users(email_address=[email]):
        raise LocalSignUpRefused("err_email_taken")
    try:
        user = emulator.create_user(
            email,
            first_name=values["first_name"].strip() or None,
            last_name=values["last_name"].strip() or None,
            username=values["username"].strip() or None,
        )
    except Exception as exc:  # the emulator answers like Clerk: a 422 with a code
        raise _refusal(exc) from exc
    return user["id"]


def plausible_user_id(user_id: object) -> bool:
    """``user_id`` (sent by the browser) has the shape of a user id, in local mode."""
    return available() and isinstance(user_id, str) and bool(_USER_ID_RE.match(user_id))


def known_user(user_id: str) -> bool:
    """The (plausible) ``user_id`` names an existing emulator user."""
    emulator = services.get_local_emulator()
    if emulator is None:
        return False
    try:
        emulator.get_user(user_id)
    except Exception:
        return False
    return True


def open_session(user_id: str) -> str | None:
    """A new emulator session for ``user_id``: its id, which the browser signs in with."""
    emulator = services.get_local_emulator()
    return None if emulator is None else emulator.create_session(user_id)


def end_session(session_id: str) -> None:
    emulator = services.get_local_emulator()
    if emulator is None or not session_id:
        return
    try:
        emulator.end_session(session_id)
    except Exception:  # already ended: signing out is still the right outcome
        logger.info("local sign-out: session already gone")


def _refusal(error: Exception) -> LocalSignUpRefused:
    """The translated refusal for an emulator error (by its Clerk error code)."""
    code = getattr(error, "code", None)
    meta = getattr(error, "meta", None)
    param = meta.get("param_name") if isinstance(meta, dict) else None
    key = EMULATOR_ERRORS.get((code, param))
    if key is None:
        logger.warning("local sign-up refused by the emulator: %s", error)
        return LocalSignUpRefused("err_local_failed", detail=code or type(error).__name__)
    return LocalSignUpRefused(key)


def _summary(user: dict[str, Any]) -> dict[str, str]:
    primary = user.get("primary_email_address_id")
    addresses = user.get("email_addresses") or []
    email = next((a.get("email_address", "") for a in addresses if a.get("id") == primary), "")
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    fallback = user.get("username") or email.split("@")[0]
    return {"id": user["id"], "email": email, "name": name or fallback}
