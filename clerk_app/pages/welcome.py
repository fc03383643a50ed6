"""``/welcome``: progress while the account syncs, then on to /members (or a retry)."""

from __future__ import annotations

import reflex as rx

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
    return rx.vstack(
        rx.callout(
            WelcomeState.error_message,
            icon="circle-alert",
            color_scheme="red",
            id="welcome-error",
            role="alert",
            width="100%",
        ),
        rx.button(
            rx.icon("rotate-cw", size=16),
            t("welcome_retry"),
            on_click=WelcomeState.retry,
            size="3",
            id="welcome-retry",
        ),
        align="center",
        spacing="4",
        width="100%",
    )


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
