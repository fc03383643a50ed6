"""``/welcome``: progress while the account syncs, then on to /members (or a retry)."""

from __future__ import annotations

import reflex as rx

from clerk_app.components.failure import failure_with_retry
from clerk_app.components.layout import layout
from clerk_app.i18n import t
from clerk_app.state.welcome import WelcomeState


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
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading(t("welcome_title"), size="7"),
                    rx.cond(
                        WelcomeState.status == "error",
                        rx.heading(t("welcome_failed_title"), size="4", color_scheme="red"),
                    ),
                    rx.cond(WelcomeState.status == "error", _failure(), _progress()),
                    align="center",
                    spacing="4",
                    padding="1.5rem",
                ),
                size="4",
                width="100%",
                max_width="30rem",
            ),
            width="100%",
            padding_top="3rem",
        )
    )
