"""A failure message with its retry button: how every page says "that did not work"."""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app.components.ui import alert, retry_button


def failure_with_retry(message: Any, on_retry: Any, *, id_prefix: str) -> rx.Component:
    """A red callout (``#<prefix>-error``, ``role=alert``) and a button (``#<prefix>-retry``)."""
    return rx.vstack(
        alert(message, icon="circle-alert", id=f"{id_prefix}-error"),
        retry_button(on_retry, id=f"{id_prefix}-retry"),
        align="center",
        spacing="4",
        width="100%",
    )
