"""``LocalAuthState``: local mode's stand-in for Clerk's hosted sign-in (dev only).

It creates or picks a user in the in-process emulator and opens an emulator session.
The session id goes to the browser (``window.clerkAppLocalSession.signIn``), and from
there the token takes exactly the path a Clerk token takes: the bridge fetches it,
``AuthState.set_session`` verifies it with the same verifier. Every handler refuses
to run unless the app is in local mode outside production (``get_local_emulator``
returns ``None`` otherwise), so nothing here is reachable in clerk mode.
"""

from __future__ import annotations

import json
import logging
import re

import reflex as rx

from clerk_app import i18n, routes, services
from clerk_app.state.auth import AuthState
from clerk_app.state.ui import UIState

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


class LocalAuthState(rx.State):
    #: Existing emulator users: ``{"id", "email", "name"}``.
    users: list[dict[str, str]] = []  # noqa: RUF012
    error: str = ""

    @rx.event
    def load_users(self):
        emulator = services.get_local_emulator()
        self.error = ""
        if emulator is None:
            self.users = []
            return
        listed = emulator.list_users(limit=MAX_LISTED, order_by="-created_at")
        self.users = [_summary(user) for user in listed]

    @rx.event
    async def sign_up(self, form_data: dict):
        """Create a user (or reuse the one with this email) and sign in as them."""
        emulator = services.get_local_emulator()
        ui = await self.get_state(UIState)
        if emulator is None:
            return
        if not isinstance(form_data, dict) or set(form_data) - set(SIGN_UP_FIELDS):
            self.error = i18n.text(ui.lang, "err_email")
            return
        values = {key: form_data.get(key, "") for key in SIGN_UP_FIELDS}
        if any(not isinstance(v, str) for v in values.values()):
            self.error = i18n.text(ui.lang, "err_email")
            return
        if any(len(v) > MAX_FIELD for v in values.values()):
            self.error = i18n.text(ui.lang, "err_local_too_long", limit=MAX_FIELD)
            return
        email = values["email"].strip().lower()
        if not _EMAIL_RE.match(email):
            self.error = i18n.text(ui.lang, "err_email")
            return
        existing = emulator.list_users(email_address=[email])
        if existing:
            self.error = i18n.text(ui.lang, "err_email_taken")
            return
        try:
            user = emulator.create_user(
                email,
                first_name=values["first_name"].strip() or None,
                last_name=values["last_name"].strip() or None,
                username=values["username"].strip() or None,
            )
        except Exception as exc:  # the emulator answers like Clerk: a 422 with a code
            self.error = emulator_error_text(exc, ui.lang)
            return
        return await self._open_session(user["id"])

    @rx.event
    async def sign_in_as(self, user_id: str):
        """Pick an existing emulator user (the emulator's account chooser)."""
        emulator = services.get_local_emulator()
        if emulator is None or not isinstance(user_id, str) or not _USER_ID_RE.match(user_id):
            return
        try:
            emulator.get_user(user_id)
        except Exception:
            return LocalAuthState.load_users
        return await self._open_session(user_id)

    @rx.event
    async def sign_out(self):
        """End the emulator session; this tab and the others drop the identity."""
        auth = await self.get_state(AuthState)
        emulator = services.get_local_emulator()
        if emulator is not None and auth.session_id:
            try:
                emulator.end_session(auth.session_id)
            except Exception:  # already ended: signing out is still the right outcome
                logger.info("local sign-out: session already gone")
        return [
            rx.call_script("window.clerkAppLocalSession && window.clerkAppLocalSession.signOut()"),
            AuthState.clear_session,
            rx.redirect(routes.INDEX),
        ]

    async def _open_session(self, user_id: str):
        emulator = services.get_local_emulator()
        assert emulator is not None
        sid = emulator.create_session(user_id)
        auth = await self.get_state(AuthState)
        auth._expect_new_session()
        self.error = ""
        target = routes.safe_next(self.router.url.query_parameters.get(routes.REDIRECT_PARAM))
        return [
            rx.call_script(f"window.clerkAppLocalSession.signIn({json.dumps(sid)})"),
            rx.redirect(target or routes.WELCOME),
        ]


def emulator_error_text(error: Exception, lang: str) -> str:
    """The user's-language message for an emulator refusal (its Clerk error code)."""
    code = getattr(error, "code", None)
    meta = getattr(error, "meta", None)
    param = meta.get("param_name") if isinstance(meta, dict) else None
    key = EMULATOR_ERRORS.get((code, param))
    if key is None:
        logger.warning("local sign-up refused by the emulator: %s", error)
        return i18n.text(lang, "err_local_failed", detail=code or type(error).__name__)
    return i18n.text(lang, key)


def _summary(user: dict) -> dict[str, str]:
    primary = user.get("primary_email_address_id")
    email = next(
        (
            a.get("email_address", "")
            for a in user.get("email_addresses") or []
            if a.get("id") == primary
        ),
        "",
    )
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    fallback = user.get("username") or email.split("@")[0]
    return {"id": user["id"], "email": email, "name": name or fallback}
