"""``UIState``: the language and theme the page renders with.

A signed-in user's preferences live in the database (so they follow the user to
another browser) and are loaded when the session's identity changes; a signed-out
visitor gets the browser's language (``Accept-Language``) and keeps the color mode
their browser remembers. The theme is applied client-side by the bridge's color-mode
sync (``theme`` empty = leave the browser's color mode alone).
"""

from __future__ import annotations

import reflex as rx

from clerk_app import account, i18n
from clerk_app.state.auth import AuthState, NotSignedIn


class UIState(rx.State):
    """Current language (``fr``/``en``) and the user's theme preference, if known."""

    lang: str = i18n.DEFAULT_LANG
    #: ``light``/``dark``/``system`` from the user's profile; "" when signed out.
    theme: str = ""
    _from_user: bool = False

    @rx.event
    def on_page_load(self):
        """Every page: signed-out visitors follow their browser's language."""
        if not self._from_user:
            self.lang = i18n.from_accept_language(self.router.headers.accept_language)

    @rx.event
    async def load_preferences(self):
        """The identity changed: adopt the user's saved preferences (or the browser's)."""
        auth = await self.get_state(AuthState)
        try:
            user_id = auth._verified_user_id()
        except NotSignedIn:
            self._from_user = False
            self.theme = ""
            self.lang = i18n.from_accept_language(self.router.headers.accept_language)
            return
        prefs = await account.load_preferences(user_id)
        if prefs is not None:
            self._apply(*prefs)

    def _apply(self, theme: str, lang: str) -> None:
        """Show the page in ``lang`` with ``theme`` from now on (after a load or a save)."""
        self._from_user = True
        self.theme = theme if theme in ("light", "dark", "system") else "light"
        self.lang = i18n.normalise_lang(lang)


AuthState.on_identity_change(UIState.load_preferences)
