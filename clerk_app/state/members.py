"""``MembersState``: /members, the merged profile and its form.

* ``on_load`` (after the auth check): Clerk-managed fields fresh from Clerk (from the
  token's custom claims, or one Backend API call), synced into the row on the way, and
  the app-managed fields from the database. Not signed in → /sign-in, and back here
  after signing in.
* ``save_profile(form_data)``: the guard first, then the form's shape (a dict of known
  field names to strings: Reflex coerces event payloads loosely, so this is checked
  here), then validation; invalid → inline messages and nothing saved; saved → toast,
  and the theme and language apply at once.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

import reflex as rx

from clerk_app import account, i18n, routes
from clerk_app.models import UserPublic
from clerk_app.state.auth import AuthState, NotSignedIn, require_user_id
from clerk_app.state.ui import UIState

logger = logging.getLogger(__name__)

EMPTY_PROFILE: dict[str, str] = {field: "" for field in account.PROFILE_FIELDS}


def _when(value: datetime | None, lang: str) -> str:
    if value is None:
        return i18n.text(lang, "unknown")
    pattern = "%Y-%m-%d %H:%M UTC" if lang == "en" else "%d/%m/%Y %H:%M UTC"
    return value.strftime(pattern)


@functools.cache
def _saved_toast(lang: str) -> Any:
    """The "saved" toast, built once per language (building a toast's event is not free)."""
    return rx.toast.success(i18n.text(lang, "saved"))


class MembersState(rx.State):
    loaded: bool = False
    #: Clerk-managed fields (shown read-only): email, first_name, last_name, username,
    #: image_url, full_name.
    clerk: dict[str, str] = {}  # noqa: RUF012
    #: False when Clerk could not be reached and the stored copy is shown.
    clerk_current: bool = True
    #: App-managed fields as the form shows them (email_notifications: "on" / "").
    profile: dict[str, str] = EMPTY_PROFILE
    created_at: str = ""
    synced_at: str = ""
    #: field -> translated message, for the inline errors.
    errors: dict[str, str] = {}  # noqa: RUF012
    load_error: str = ""
    #: Bumped whenever new values are shown, so the uncontrolled form re-mounts with them.
    form_key: int = 0
    #: What is on screen: (row updated_at, synced_at, language); an equal load sends nothing.
    _shown: tuple = ()

    @rx.event
    async def on_load(self):
        auth = await self.get_state(AuthState)
        if not auth._wait_for_check(MembersState.on_load):
            self.loaded = False  # nothing from an earlier visit while the session is checked
            return auth._ask_for_report()
        try:
            user_id = auth._verified_user_id()
        except NotSignedIn:
            self.loaded = False
            return auth._signed_out_redirect(routes.MEMBERS)
        ui = await self.get_state(UIState)
        try:
            profile, current = await account.load_member(user_id, auth._verified_claims())
        except account.AccountError as exc:
            logger.warning("members load failed: %s", exc)
            self.load_error = i18n.text(ui.lang, exc.key)
            return
        if self.load_error:
            self.load_error = ""
        if self.clerk_current != current:
            self.clerk_current = current
        if not self.loaded or self._shown != (profile.updated_at, profile.synced_at, ui.lang):
            self._show(profile, ui.lang)
        ui._apply(profile.theme, profile.language)

    @rx.event
    async def save_profile(self, form_data: dict[str, Any]):
        ui = await self.get_state(UIState)
        try:
            user_id = await require_user_id(self)
        except NotSignedIn:
            return [
                rx.toast.error(i18n.text(ui.lang, "session_expired")),
                rx.redirect(routes.sign_in_url(routes.MEMBERS)),
            ]
        try:
            form = account.check_form(form_data)
        except ValueError as exc:
            logger.info("save_profile refused: %s", exc)
            return rx.toast.error(i18n.text(ui.lang, "err_invalid_value"))
        try:
            saved, errors = await account.save_profile(user_id, form)
        except account.AccountError as exc:
            return rx.toast.error(i18n.text(ui.lang, exc.key))
        if saved is None:
            self.errors = {
                field: i18n.text(ui.lang, f"err_{code}", limit=account.length_limit(field))
                for field, code in errors.items()
            }
            return rx.toast.error(i18n.text(ui.lang, "save_failed"))
        ui._apply(saved.theme, saved.language)
        self._show(saved, ui.lang)
        return _saved_toast(ui.lang)

    @rx.event
    async def forget(self):
        """The identity changed: nothing of the previous user may stay on screen.

        On /members itself (sign-out in another tab, say) the page follows at once:
        signed out → / (where a sign-out lands, as Clerk's ``afterSignOutUrl``);
        another user → reload. When
        nothing was shown yet, the page's own parked ``on_load`` does that (and the
        Backend API is still called once per visit).
        """
        was_showing = self.loaded
        self.reset()
        if not was_showing or self.router.url.path != routes.MEMBERS:
            return None
        auth = await self.get_state(AuthState)
        if auth.is_signed_in:
            return MembersState.on_load
        return rx.redirect(routes.INDEX)

    def _show(self, profile: UserPublic, lang: str) -> None:
        """Show ``profile``; only the vars whose value changed go to the browser."""
        full_name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
        values = profile.model_dump()
        shown: dict[str, Any] = {
            "clerk": {
                "email": profile.email or "",
                "first_name": profile.first_name or "",
                "last_name": profile.last_name or "",
                "username": profile.username or "",
                "image_url": profile.image_url or "",
                "full_name": full_name or profile.username or profile.email or "",
            },
            "profile": {
                field: ("on" if values[field] else "")
                if field == "email_notifications"
                else str(values[field] or "")
                for field in account.PROFILE_FIELDS
            },
            "created_at": _when(profile.created_at, lang),
            "synced_at": _when(profile.synced_at, lang),
            "errors": {},
            "loaded": True,
        }
        for name, value in shown.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
        self._shown = (profile.updated_at, profile.synced_at, lang)
        self.form_key += 1


AuthState.on_identity_change(MembersState.forget)
