"""``UIState``: the language and theme the page renders with.

A signed-in user's preferences live in the database (so they follow the user to
another browser) and are loaded when the session's identity changes; a signed-out
visitor gets the browser's language (``Accept-Language``, read by a computed var, so
no page needs an event for it) and keeps the color mode their browser remembers. The
theme is applied client-side by the bridge's color-mode sync (``theme`` empty = leave
the browser's color mode alone).
"""

from __future__ import annotations

import reflex as rx

from clerk_app import i18n, members
from clerk_app.models import THEMES
from clerk_app.state.auth import AuthState, NotSignedIn, require_user_id


class UIState(rx.State):
    """Current language (``fr``/``en``) and the user's theme preference, if known."""

    #: ``light``/``dark``/``system`` from the user's profile; "" when signed out.
    theme: str = ""
    #: The signed-in user's language; "" when signed out (the browser's applies).
    _user_lang: str = ""

    @rx.var
    def lang(self) -> str:
        """The page's language: the user's, else the browser's (``Accept-Language`` of
        this tab's websocket), with no event of its own on any page."""
        if self._user_lang:
            return self._user_lang
        return i18n.from_accept_language(self.router.headers.accept_language)

    @rx.event
    async def load_preferences(self):
        """The identity changed (or the tab's first report): the user's saved preferences,
        or the browser's language for a signed-out visitor."""
        try:
            user_id = await require_user_id(self)
        except NotSignedIn:
            self._user_lang = ""
            self.theme = ""
            return
        prefs = await members.load_preferences(user_id)
        if prefs is not None:
            self._apply(*prefs)

    def _apply(self, theme: str, lang: str) -> None:
        """Show the page in ``lang`` with ``theme`` from now on (after a load or a save)."""
        theme = theme if theme in THEMES else THEMES[0]
        lang = i18n.normalise_lang(lang)
        if (self.theme, self._user_lang) != (theme, lang):  # unchanged: nothing to send
            self.theme, self._user_lang = theme, lang


AuthState.on_identity_change(UIState.load_preferences)


async def show_preferences(state: rx.State, theme: str, language: str) -> UIState:
    """Show ``state``'s tab in a user's ``theme`` and ``language`` from now on (after
    their profile was loaded or saved); the tab's :class:`UIState`."""
    ui = await state.get_state(UIState)
    ui._apply(theme, language)
    return ui


def t(key: str) -> rx.Var:
    """The UI string ``key`` in the current language, as a reactive Var."""
    return rx.cond(UIState.lang == "en", i18n.EN[key], i18n.FR[key])
