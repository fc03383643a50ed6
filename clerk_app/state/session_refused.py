"""``SessionRefusedState``: /session-refused, where a tab goes instead of bouncing.

When the backend refuses the token clerk-js holds (wrong ``CLERK_AUTHORIZED_PARTIES``,
wrong issuer, keys of another instance…), the browser is signed in at Clerk and not
here: /welcome would send it to /sign-in, and Clerk's ``<SignIn/>``, seeing a session,
straight back. Pages needing a session send such a tab here instead (see
:meth:`AuthState._signed_out_redirect`), and this page stays put: it says why, or, in
production, only that the server log says why.

``on_load`` waits for the bridge's report like every page needing the identity; a
tab whose token is now accepted goes on to /welcome, a signed-out one to /sign-in.
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.settings import get_settings
from clerk_app.state.auth import AuthState

WAITING = "waiting"
#: Shown in production instead of the category: the server log has the details.
GENERIC = "generic"


class SessionRefusedState(rx.State):
    #: ``waiting``, a refusal category (:mod:`clerk_app.clerk.refusals`), or ``generic``.
    reason: str = WAITING

    @rx.event
    async def on_load(self):
        auth = await self.get_state(AuthState)
        if not auth._wait_for_check(SessionRefusedState.on_load):
            self.reason = WAITING
            return auth._ask_for_report()
        if auth.refusal:
            self.reason = GENERIC if get_settings().is_production else auth.refusal
            return None
        self.reason = WAITING
        return rx.redirect(routes.WELCOME if auth.is_signed_in else routes.SIGN_IN)
