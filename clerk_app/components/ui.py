"""Small building blocks the pages share: the per-mode switch, buttons with an icon,
callouts, a waiting line, a page's card.

Each one only fixes what its callers have in common; ids, roles and anything else a
caller needs still come from the caller.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app.state.ui import UIState, t

#: A field's <label>: its caption above the control (and a message under it).
FIELD_LABEL_STYLE = {
    "display": "flex",
    "flexDirection": "column",
    "gap": "0.25rem",
    "width": "100%",
}


def by_mode(*, clerk: Any, local: Any = None) -> rx.Component:
    """``clerk`` in clerk mode, ``local`` (if any) in local mode, as the backend says."""
    if local is None:
        return rx.cond(UIState.is_clerk, clerk)
    return rx.cond(UIState.is_clerk, clerk, local)


def reload_page() -> rx.event.EventSpec:
    """The event that reloads the page (a fresh start after a failure)."""
    return rx.call_script("window.location.reload()")


def action_button(icon: str, key: str, *, icon_size: int = 16, **props: Any) -> rx.Component:
    """A button: an icon, then the translated label ``key``."""
    return rx.button(rx.icon(icon, size=icon_size), t(key), **props)


def retry_button(on_click: Any, *, small: bool = False, **props: Any) -> rx.Component:
    """The retry button: large under a failure, ``small`` (and soft) inside a notice."""
    if small:
        props = {"icon_size": 14, "size": "1", "variant": "soft", **props}
    else:
        props = {"size": "3", **props}
    return action_button("rotate-cw", "welcome_retry", on_click=on_click, **props)


def icon_badge(icon: str, key: str, color_scheme: str) -> rx.Component:
    """A soft badge: a small icon, then the translated label ``key``."""
    return rx.badge(rx.icon(icon, size=12), t(key), variant="soft", color_scheme=color_scheme)


def alert(message: Any, *, icon: str, color_scheme: str = "red", **props: Any) -> rx.Component:
    """A full-width callout screen readers announce at once (``role=alert``)."""
    return rx.callout(
        message, icon=icon, color_scheme=color_scheme, role="alert", width="100%", **props
    )


def notice(
    message: Any, *actions: rx.Component, icon: str, stacked: bool = False, **props: Any
) -> rx.Component:
    """A full-width amber callout: a message, its buttons beside it or (``stacked``) under it."""
    if stacked:
        body = rx.vstack(
            rx.callout.text(message), rx.flex(*actions, gap="2", wrap="wrap"), spacing="2"
        )
    else:
        body = rx.flex(rx.callout.text(message), *actions, gap="3", align="center", wrap="wrap")
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon)), body, color_scheme="amber", width="100%", **props
    )


def busy(message: Any, *, role: str | None = None, **props: Any) -> rx.Component:
    """A spinner and what is being waited for."""
    text_props = {"role": role} if role else {}
    return rx.hstack(
        rx.spinner(size="3"),
        rx.text(message, color=rx.color("gray", 11), **text_props),
        align="center",
        spacing="3",
        **props,
    )


def page_card(
    *children: rx.Component, max_width: str, column: dict[str, Any], **props: Any
) -> rx.Component:
    """A page's main card, full width up to ``max_width``; ``column``: its content's column."""
    return rx.card(
        rx.vstack(*children, spacing="4", **column),
        size="4",
        width="100%",
        max_width=max_width,
        **props,
    )


def centered_card(
    *children: rx.Component, max_width: str, padding: Any, padding_top: Any, **props: Any
) -> rx.Component:
    """A page's single card, centered: its content a centered column."""
    return rx.center(
        page_card(
            *children, max_width=max_width, column={"align": "center", "padding": padding}, **props
        ),
        width="100%",
        padding_top=padding_top,
    )
