"""``UIState``: what the page renders with: language, theme, and which sign-in UI.

A signed-in user's preferences live in the database (so they follow the user to
another browser) and are loaded when the session's identity changes; a signed-out
visitor gets the browser's language (``Accept-Language`` of the tab's websocket, read
once when the socket hydrates, by :class:`BrowserLanguage`, so no page needs an event
for it) and keeps the color mode their browser remembers. The
theme is applied client-side by the bridge's color-mode sync (``theme`` empty = leave
the browser's color mode alone). The auth configuration (Clerk's components or the
local emulator's forms, the publishable key, the emulator's URL) is read-only and the
same for every tab: :mod:`clerk_app.state.config`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.middleware import Middleware

from clerk_app import i18n, members
from clerk_app.models import THEMES
from clerk_app.state import config
from clerk_app.state.auth import AuthState, NotSignedIn, require_user_id


class UIState(rx.State):
    """Current language (``fr``/``en``) and the user's theme preference, if known."""

    #: ``light``/``dark``/``system`` from the user's profile; "" when signed out.
    theme: str = ""
    #: The page's language: the user's, else the browser's. A plain var, set when it
    #: changes (a socket's hydration, an identity change, a load or save of the
    #: profile): a computed var reading ``self.router`` would depend on every router
    #: var, so be recomputed and re-sent on every navigation, and (state in Redis)
    #: make this state load for every event of every page.
    lang: str = i18n.DEFAULT_LANG
    #: The signed-in user's language; "" when signed out (the browser's applies).
    _user_lang: str = ""
    #: ``Accept-Language`` of this tab's current websocket, resolved (:class:`BrowserLanguage`).
    _browser_lang: str = i18n.DEFAULT_LANG
    #: ``clerk`` or ``local``, the publishable key, the emulator's URL: read-only.
    auth_mode: str = config.MODE
    publishable_key: str = config.PUBLISHABLE_KEY
    emulator_url: str = config.EMULATOR_URL

    @rx.var
    def is_clerk(self) -> bool:
        """Clerk's own components can render (clerk mode with a key)."""
        return self.auth_mode == "clerk" and bool(self.publishable_key)

    @rx.var
    def is_local(self) -> bool:
        return self.auth_mode == "local"

    @rx.event
    async def load_preferences(self):
        """The identity changed (or the tab's first report): the user's saved preferences,
        or the browser's language for a signed-out visitor."""
        try:
            user_id = await require_user_id(self)
        except NotSignedIn:
            self._user_lang = ""
            if self.theme:
                self.theme = ""
            self._set_lang()
            return
        prefs = await members.load_preferences(user_id)
        if prefs is not None:
            self._apply(*prefs)

    def _set_lang(self) -> None:
        lang = self._user_lang or self._browser_lang
        if self.lang != lang:
            self.lang = lang

    def _apply(self, theme: str, lang: str) -> None:
        """Show the page in ``lang`` with ``theme`` from now on (after a load or a save)."""
        theme = theme if theme in THEMES else THEMES[0]
        lang = i18n.normalise_lang(lang)
        if self.theme != theme:  # unchanged: nothing to send
            self.theme = theme
        if self._user_lang != lang:
            self._user_lang = lang
        self._set_lang()


class BrowserLanguage(Middleware):
    """On a socket's hydration (a new tab, a reload, a reconnect), the browser's language
    from that socket's ``Accept-Language``, into :attr:`UIState.lang` before the full
    state goes out: once per socket, no event of its own, nothing on other events."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        if not event.name.endswith(HYDRATE_SUFFIX):
            return None
        ui = await state.get_state(UIState)
        ui._browser_lang = i18n.from_accept_language(state.rx_router_headers.accept_language)
        ui._set_lang()
        return None


#: The name Reflex gives the hydration event (``<root state>.hydrate_and_load``).
HYDRATE_SUFFIX = ".hydrate_and_load"


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
