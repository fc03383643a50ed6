"""``/welcome``: progress while the account syncs, then on to /members (or a retry).

``WelcomeState``: /welcome's upsert on load (the seed's post-sign-in sync).

``on_load`` parks itself until the session bridge has reported for this tab (see
:func:`clerk_app.state.gate.gated`), then: not signed in → /sign-in; signed in → one
Backend API call, or none when the token carries the custom claims, then one atomic
upsert, then /members. A failure shows a message and a retry button; nothing partial
is written (each sync is one statement in one transaction), so retries, reloads and
two tabs at once all converge on the same single row.
"""

from __future__ import annotations

import logging

import reflex as rx

from clerk_app import i18n, members, routes
from clerk_app.components.failure import failure_with_retry
from clerk_app.components.layout import layout
from clerk_app.components.ui import centered_card
from clerk_app.state.gate import SignedIn, gated
from clerk_app.state.ui import UIState, show_preferences, t

logger = logging.getLogger(__name__)


def _waiting(state: WelcomeState) -> None:
    state.status = "waiting"


class WelcomeState(rx.State):
    #: ``waiting`` (for the session), ``syncing``, ``error``.
    status: str = "waiting"
    error_message: str = ""

    @rx.event
    @gated(pending=_waiting)
    async def on_load(self, user: SignedIn):
        self.status = "syncing"
        self.error_message = ""
        yield
        ui = await self.get_state(UIState)
        try:
            profile = await members.sync_account(user.user_id, user.claims)
        except members.AccountError as exc:
            logger.warning("welcome sync failed: %s", exc)
            self.status = "error"
            self.error_message = i18n.text(ui.lang, exc.key)
            return
        await show_preferences(self, profile.theme, profile.language)
        yield rx.redirect(routes.MEMBERS)

    @rx.event
    def retry(self):
        self.status = "syncing"
        self.error_message = ""
        return WelcomeState.on_load


def _progress() -> rx.Component:
    return rx.vstack(
        rx.spinner(size="3"),
        rx.text(
            rx.cond(WelcomeState.status == "waiting", t("welcome_waiting"), t("welcome_syncing")),
            size="3",
            color=rx.color("gray", 11),
            id="welcome-progress",
            role="status",
        ),
        align="center",
        spacing="3",
    )


def _failure() -> rx.Component:
    return failure_with_retry(WelcomeState.error_message, WelcomeState.retry, id_prefix="welcome")


def page() -> rx.Component:
    return layout(
        centered_card(
            rx.heading(t("welcome_title"), size="7"),
            rx.cond(
                WelcomeState.status == "error",
                rx.heading(t("welcome_failed_title"), size="4", color_scheme="red"),
            ),
            rx.cond(WelcomeState.status == "error", _failure(), _progress()),
            padding="1.5rem",
            max_width="30rem",
            padding_top="3rem",
        )
    )
