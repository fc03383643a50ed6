"""``LocalAuthState``: local mode's stand-in for Clerk's hosted sign-in (dev only).

It creates or picks a user in the in-process emulator and opens an emulator session
(the use cases are :mod:`clerk_app.local_accounts`).
The session id goes to the browser (``window.clerkAppLocalSession.signIn``), and from
there the token takes exactly the path a Clerk token takes: the bridge fetches it,
``AuthState.set_session`` verifies it with the same verifier. Every handler refuses
to run unless the app is in local mode outside production (``get_local_emulator``
returns ``None`` otherwise), so nothing here is reachable in clerk mode.
"""

from __future__ import annotations

import json

import reflex as rx

from clerk_app import i18n, local_accounts, routes
from clerk_app.state.auth import AuthState
from clerk_app.state.ui import UIState


class LocalAuthState(rx.State):
    #: Existing emulator users: ``{"id", "email", "name"}``.
    users: list[dict[str, str]] = []  # noqa: RUF012
    error: str = ""

    @rx.event
    def load_users(self):
        self.error = ""
        self.users = local_accounts.recent_users()

    @rx.event
    async def sign_up(self, form_data: dict):
        """Create a user (the email must be new) and sign in as them."""
        if not local_accounts.available():
            return None
        try:
            user_id = local_accounts.sign_up(form_data)
        except local_accounts.LocalSignUpRefused as refused:
            ui = await self.get_state(UIState)
            self.error = i18n.text(ui.lang, refused.key, **refused.params)
            return None
        return await self._open_session(user_id)

    @rx.event
    async def sign_in_as(self, user_id: str):
        """Pick an existing emulator user (the emulator's account chooser)."""
        if not local_accounts.plausible_user_id(user_id):
            return None
        if not local_accounts.known_user(user_id):
            return LocalAuthState.load_users
        return await self._open_session(user_id)

    @rx.event
    async def sign_out(self):
        """End the emulator session; this tab and the others drop the identity."""
        auth = await self.get_state(AuthState)
        local_accounts.end_session(auth.session_id)
        return [
            rx.call_script("window.clerkAppLocalSession && window.clerkAppLocalSession.signOut()"),
            AuthState.clear_session,
            rx.redirect(routes.INDEX),
        ]

    async def _open_session(self, user_id: str):
        sid = local_accounts.open_session(user_id)
        if sid is None:
            return None
        auth = await self.get_state(AuthState)
        auth._expect_new_session()
        self.error = ""
        target = routes.safe_next(self.router.url.query_parameters.get(routes.REDIRECT_PARAM))
        return [
            rx.call_script(f"window.clerkAppLocalSession.signIn({json.dumps(sid)})"),
            rx.redirect(target or routes.WELCOME),
        ]
