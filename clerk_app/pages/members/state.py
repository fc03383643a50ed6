"""``MembersState``: /members, the merged profile and its form.

* ``on_load`` (after the auth check): nothing read when nothing shown can have moved
  (:func:`load_inputs`); else Clerk's fields fresh (claims, or one Backend API call),
  synced on the way, ours from the database, the Organisations card. Signed out →
  /sign-in and back. Clerk unreachable: the stored copy, said so, a retry.
* ``save_profile(form_data)``: the guard, the form's shape (known names to strings:
  Reflex coerces payloads loosely), then validation; invalid → a message under each
  field (until edited, :meth:`MembersState.field_edited`), nothing saved; saved → a
  status line beside the button (never a toast), and the theme and language apply.

What the user typed is never lost: the form is uncontrolled (typing sends nothing);
``form_key`` re-mounts it with stored values, and only:

* after this tab's own save when the rules rewrote a value (else the form shows what
  was stored), or on a load when it holds no unsaved edits (:data:`FORM_EDITED_JS`);
* when the user picks "show the stored version" after being told the profile changed
  elsewhere (``stale``): another tab's save seen on a reload, or a save of ours refused
  because a field we changed was changed there too (:class:`members.ProfileChanged`).

A tab whose session is re-checked hides the form (``checking``): a reconnect keeps it.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from clerk_app import i18n, members, routes
from clerk_app.models import PROFILE_FIELDS, UserPublic
from clerk_app.pages.members.scripts import FORM_EDITED_JS, RESUBMIT_JS
from clerk_app.pages.members.shown import card_key, load_inputs, read_only_values
from clerk_app.profile import (
    CHECKED,
    UNCHECKED,
    check_form,
    form_values,
    length_limit,
    stored_values,
)
from clerk_app.state.account import refuses_suspended
from clerk_app.state.auth import AuthState, NotSignedIn, require_user_id
from clerk_app.state.gate import SignedIn, gated
from clerk_app.state.organizations import list_for
from clerk_app.state.ui import UIState, show_preferences

logger = logging.getLogger(__name__)

EMPTY_PROFILE: dict[str, str] = dict.fromkeys(PROFILE_FIELDS, "")

#: Why the "changed elsewhere" notice shows: seen on a load, or a save refused.
STALE_ON_LOAD, STALE_ON_SAVE = "load", "save"


def _hide_while_checking(state: MembersState) -> None:
    """Hidden (not unmounted) while the session is checked: a reconnect keeps typing."""
    if state.loaded and not state.checking:
        state.checking = True


def _unload(state: MembersState) -> None:
    state.loaded = state.checking = False


class MembersState(rx.State):
    loaded: bool = False
    #: The session is being re-checked (a new socket): the form is hidden, not unmounted.
    checking: bool = False
    #: Clerk-managed fields (shown read-only): email, first_name, last_name, username,
    #: image_url, full_name.
    clerk: dict[str, str] = {}  # noqa: RUF012
    #: False when Clerk could not be reached and the stored copy is shown.
    clerk_current: bool = True
    #: App-managed fields as the form was mounted with them (email_notifications: "on"/"").
    profile: dict[str, str] = EMPTY_PROFILE
    created_at: str = ""
    synced_at: str = ""
    #: field -> translated message, for the inline errors.
    errors: dict[str, str] = {}  # noqa: RUF012
    load_error: str = ""
    #: The outcome of the last save, beside the save button ("" once the form is edited).
    status: str = ""
    status_ok: bool = True
    #: The stored profile changed elsewhere while this form has unsaved edits: "load"
    #: (seen on a load) or "save" (our save was refused); "" when not.
    stale: str = ""
    #: Bumped whenever stored values replace the form's, so the uncontrolled form re-mounts.
    form_key: int = 0
    #: What is on screen: (row updated_at, synced_at, language); an equal load sends nothing.
    _shown: tuple = ()
    #: The stored values the next save expects (guarded save, see members.save_profile).
    _expected: dict[str, Any] = {}  # noqa: RUF012
    #: The form the last save was given (what its messages are about).
    _submitted: dict[str, str] = {}  # noqa: RUF012
    #: A newer stored profile, held back while the user decides (``stale``).
    _pending: UserPublic | None = None
    #: (theme, language) this page last applied to the UI state: equal, it is not touched.
    _prefs: tuple = ()
    #: The last complete load's :func:`load_inputs`: equal on a visit, nothing to read.
    _seen: tuple = ()
    _card: tuple = ()  #: what the identity card and dates show (:func:`card_key`)

    @rx.event
    @gated(routes.MEMBERS, pending=_hide_while_checking, signed_out=_unload)
    async def on_load(self, user: SignedIn):
        if self.checking:
            self.checking = False
        if self.status:  # the last save's outcome belongs to that visit
            self.status = ""
        seen = load_inputs(user)
        if self.loaded and seen is not None and seen == self._seen:
            return None  # nothing shown can have changed: no read at all
        return await self._load(user, seen)

    @refuses_suspended
    async def _load(self, user: SignedIn, seen: tuple | None):
        """The visit's reads: the profile (synced on the way), the Organisations card."""
        self._seen = ()
        try:
            profile, current = await members.load_member(user.user_id, user.claims)
        except members.AccountError as exc:
            logger.warning("members load failed: %s", exc)
            self.load_error = i18n.text(await self._lang(), exc.key)
            return None
        await list_for(self, user.user_id)  # the Organisations card, in this same event
        if current and seen is not None:
            self._seen = seen
        if self.load_error:
            self.load_error = ""
        if self.clerk_current != current:
            self.clerk_current = current
        lang = await self._apply_preferences(profile)
        if self.loaded and self._shown == (profile.updated_at, profile.synced_at, lang):
            return None
        if not self.loaded:
            self._show(profile, lang)
            return None
        if form_values(profile) == self.get_value("profile"):  # only Clerk's side moved
            self._show(profile, lang, form=False)
            return None
        # The stored values moved (another tab, another device): replace the form only
        # if it holds no unsaved edits, which only the browser knows.
        self._show(profile, lang, form=False)
        self._pending = profile
        return rx.call_script(FORM_EDITED_JS, callback=MembersState.pending_seen)

    @rx.event
    async def pending_seen(self, edited: Any):
        """The browser's answer to :data:`FORM_EDITED_JS` after a load found newer values."""
        if self._pending is None:
            return
        if edited is True:
            self.stale = STALE_ON_LOAD
            return
        ui = await self.get_state(UIState)
        self._show(self._pending, ui.lang)

    @rx.event
    async def use_stored(self):
        """The user chose the stored version over their unsaved edits."""
        if self._pending is not None:
            ui = await self.get_state(UIState)
            self._show(self._pending, ui.lang)

    @rx.event
    def keep_mine(self):
        """The user keeps their edits: the next save applies them over the stored values.

        After a refused save, that save runs again at once.
        """
        if self._pending is None:
            return None
        self._expected = stored_values(self._pending)
        self._pending = None
        after_save, self.stale = self.stale == STALE_ON_SAVE, ""
        return rx.call_script(RESUBMIT_JS) if after_save else None

    @rx.event
    def field_edited(self, name: str, value: str | bool):
        """Field ``name`` now holds ``value`` (sent once typing pauses).

        Once it differs from what the last save was given, that save's message for the
        field, and its status line, have had their say. A late report of the value the
        save judged changes nothing.
        """
        if isinstance(value, bool):
            value = CHECKED if value else UNCHECKED
        if not isinstance(name, str) or not isinstance(value, str):
            return
        if name in self._submitted and value == self._submitted[name]:
            return
        if name in self.errors:
            self.errors = {key: text for key, text in self.errors.items() if key != name}
        if self.status:
            self.status = ""

    @rx.event
    @refuses_suspended
    async def save_profile(self, form_data: dict[str, Any]):
        try:
            user_id = await require_user_id(self)
        except NotSignedIn:
            return [
                rx.toast.error(i18n.text(await self._lang(), "session_expired")),
                rx.redirect(routes.sign_in_url(routes.MEMBERS)),
            ]
        try:
            form = check_form(form_data)
        except ValueError as exc:
            logger.info("save_profile refused: %s", exc)
            return self._report(await self._lang(), "err_invalid_value", ok=False)
        self._submitted = form
        # get_value: the plain dicts, not a change-tracking proxy per access.
        expected, shown = self.get_value("_expected"), self.get_value("profile")
        base = {"shown": shown, "expected": expected} if expected else {}
        try:
            saved, errors = await members.save_profile(user_id, form, **base)
        except members.ProfileChanged as exc:
            self._pending, self.stale = exc.current, STALE_ON_SAVE
            return self._report(await self._lang(), "save_conflict", ok=False)
        except members.AccountError as exc:
            return self._report(await self._lang(), exc.key, ok=False)
        if saved is None:
            lang = await self._lang()
            self.errors = {
                field: i18n.text(lang, f"err_{code}", limit=length_limit(field))
                for field, code in errors.items()
            }
            return self._report(lang, "save_failed", ok=False)
        lang = await self._apply_preferences(saved)
        # The form already shows what was saved unless the rules rewrote a value
        # (``example.com`` -> ``https://example.com``): re-mount only then.
        self._show(saved, lang, typed={**shown, **form})
        return self._report(lang, "saved", ok=True)

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

    async def _lang(self) -> str:  # the language this page last applied, else the UI's
        return self._prefs[1] if self._prefs else (await self.get_state(UIState)).lang

    async def _apply_preferences(self, profile: UserPublic) -> str:
        """Apply the user's theme and language (unless this page last did); the language."""
        prefs = (profile.theme, i18n.normalise_lang(profile.language))
        if prefs != self._prefs:
            await show_preferences(self, *prefs)
            self._prefs = prefs
        return prefs[1]

    def _report(self, lang: str, key: str, *, ok: bool) -> None:
        """The save's outcome beside the save button (sent even when it is the last one's)."""
        self.status, self.status_ok = i18n.text(lang, key), ok

    def _show(
        self, profile: UserPublic, lang: str, *, form: bool = True, typed: dict | None = None
    ) -> None:
        """Show ``profile``; only the vars whose value changed go to the browser.

        ``form=False``: everything but the form, which keeps what it shows.
        ``typed``: what the form's inputs hold (this tab's own save): its defaults
        move, and it is re-mounted only if the stored values differ from those.
        """
        card = card_key(profile, lang)
        shown = read_only_values(profile, lang) if card != self._card else {}
        if form:
            values = form_values(profile)
            shown |= {"profile": values, "errors": {}, "stale": ""}
        for name, value in shown.items():
            if self.get_value(name) != value:
                setattr(self, name, value)
        self._card = card
        self._shown = (profile.updated_at, profile.synced_at, lang)
        if form:
            self._expected = stored_values(profile)
            if self._pending is not None:
                self._pending = None
            if values != typed:
                self.form_key += 1


AuthState.on_identity_change(MembersState.forget)
