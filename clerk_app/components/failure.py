"""A failure message with its retry button: how every page says "that did not work"."""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app.state.ui import t


def failure_with_retry(message: Any, on_retry: Any, *, id_prefix: str) -> rx.Component:
    """A red callout (``#<prefix>-error``, ``role=alert``) and a button (``#<prefix>-retry``)."""
    return rx.vstack(
        rx.callout(
            message,
            icon="circle-alert",
            color_scheme="red",
            id=f"{id_prefix}-error",
            role="alert",
            width="100%",
        ),
        rx.button(
            rx.icon("rotate-cw", size=16),
            t("welcome_retry"),
            on_click=on_retry,
            size="3",
            id=f"{id_prefix}-retry",
        ),
        align="center",
        spacing="4",
        width="100%",
    )
