"""``/session-refused``: the backend refused the session Clerk holds; say why, once.

``SessionRefusedState``: /session-refused, where a tab goes instead of bouncing.

When the backend refuses the token clerk-js holds (wrong ``CLERK_AUTHORIZED_PARTIES``,
wrong issuer, keys of another instance…), the browser is signed in at Clerk and not
here: /welcome would send it to /sign-in, and Clerk's ``<SignIn/>``, seeing a session,
straight back. Pages needing a session send such a tab here instead (see
:func:`clerk_app.state.gate.gated`), and this page stays put: it says why, or, in
production, only that the server log says why.

``on_load`` waits for the bridge's report like every page needing the identity; a
tab whose token is now accepted goes on to /welcome, a signed-out one to /sign-in.
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.clerk import refusals
from clerk_app.components.layout import layout
from clerk_app.components.ui import (
    action_button,
    alert,
    busy,
    by_mode,
    centered_card,
    reload_page,
    retry_button,
)
from clerk_app.settings import get_settings
from clerk_app.state.auth import AuthState
from clerk_app.state.gate import after_session_check
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import t

WAITING = "waiting"
#: Shown in production instead of the category: the server log has the details.
GENERIC = "generic"


def _waiting(state: SessionRefusedState) -> None:
    state.reason = WAITING


class SessionRefusedState(rx.State):
    #: ``waiting``, a refusal category (:mod:`clerk_app.clerk.refusals`), or ``generic``.
    reason: str = WAITING

    @rx.event
    @after_session_check(pending=_waiting)
    async def on_load(self, auth: AuthState):
        if auth.refusal:
            self.reason = GENERIC if get_settings().is_production else auth.refusal
            return None
        self.reason = WAITING
        return rx.redirect(routes.WELCOME if auth.is_signed_in else routes.SIGN_IN)


def _reason() -> rx.Component:
    return alert(
        rx.match(
            SessionRefusedState.reason,
            *[(category, t(f"refused_{category}")) for category in refusals.CATEGORIES],
            (GENERIC, t("refused_generic")),
            t("refused_other"),
        ),
        icon="settings",
        color_scheme="amber",
        id="session-refused-reason",
    )


def _sign_out_button(**props) -> rx.Component:
    return action_button(
        "log-out",
        "sign_out",
        variant="soft",
        color_scheme="gray",
        size="3",
        id="session-refused-sign-out",
        **props,
    )


def _sign_out() -> rx.Component:
    """Clerk's ``<SignOutButton>`` in clerk mode; the emulator's sign-out in local mode."""
    return by_mode(
        clerk=clerk.sign_out_button(_sign_out_button(), redirect_url=routes.INDEX),
        local=_sign_out_button(on_click=LocalAuthState.sign_out),
    )


def _actions() -> rx.Component:
    return rx.hstack(
        retry_button(reload_page(), id="session-refused-retry"),
        _sign_out(),
        spacing="3",
        wrap="wrap",
        justify="center",
    )


def _refused() -> rx.Component:
    return rx.vstack(
        rx.text(t("refused_lead"), size="3", color=rx.color("gray", 11), text_align="center"),
        _reason(),
        _actions(),
        align="center",
        spacing="4",
        width="100%",
    )


def page() -> rx.Component:
    return layout(
        centered_card(
            rx.center(
                rx.icon("shield-alert", size=28, color=rx.color("amber", 11)),
                width="3.5rem",
                height="3.5rem",
                border_radius="50%",
                background=rx.color("amber", 3),
            ),
            rx.heading(t("refused_title"), size="6", id="session-refused-title"),
            rx.cond(
                SessionRefusedState.reason == WAITING,
                busy(t("welcome_waiting"), role="status"),
                _refused(),
            ),
            padding=["0.5rem", "1.5rem"],
            max_width="36rem",
            padding_top=["1rem", "3rem"],
            id="session-refused",
        )
    )
