"""``WelcomeState``: /welcome's upsert on load (the seed's post-sign-in sync).

``on_load`` parks itself until the session bridge has reported for this tab (see
:meth:`AuthState._wait_for_check`), then: not signed in → /sign-in; signed in → one
Backend API call, or none when the token carries the custom claims, then one atomic
upsert, then /members. A failure shows a message and a retry button; nothing partial
is written (each sync is one statement in one transaction), so retries, reloads and
two tabs at once all converge on the same single row.
"""

from __future__ import annotations

import logging

import reflex as rx

from clerk_app import account, i18n, routes
from clerk_app.state.auth import AuthState, NotSignedIn
from clerk_app.state.ui import UIState

logger = logging.getLogger(__name__)


class WelcomeState(rx.State):
    #: ``waiting`` (for the session), ``syncing``, ``error``.
    status: str = "waiting"
    error_message: str = ""

    @rx.event
    async def on_load(self):
        auth = await self.get_state(AuthState)
        if not auth._wait_for_check(WelcomeState.on_load):
            self.status = "waiting"
            if (ask := auth._ask_for_report()) is not None:
                yield ask
            return
        try:
            user_id = auth._verified_user_id()
        except NotSignedIn:
            yield auth._signed_out_redirect()
            return
        claims = auth._verified_claims()
        self.status = "syncing"
        self.error_message = ""
        yield
        ui = await self.get_state(UIState)
        try:
            profile = await account.sync_account(user_id, claims)
        except account.AccountError as exc:
            logger.warning("welcome sync failed: %s", exc)
            self.status = "error"
            self.error_message = i18n.text(ui.lang, exc.key)
            return
        ui._apply(profile.theme, profile.language)
        yield rx.redirect(routes.MEMBERS)

    @rx.event
    def retry(self):
        self.status = "syncing"
        self.error_message = ""
        return WelcomeState.on_load
