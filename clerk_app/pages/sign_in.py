"""``/sign-in``: Clerk's ``<SignIn/>`` in clerk mode, the emulator's card in local mode.

After signing in Clerk sends the browser to ``redirect_url`` when the URL carries one
(a protected page the visitor was sent away from), else to the fallback, /welcome.
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.components.layout import layout
from clerk_app.components.local_sign_in import local_sign_in_card
from clerk_app.components.ui import busy, by_mode
from clerk_app.state.ui import t


def clerk_loading() -> rx.Component:
    return clerk.clerk_loading(busy(t("clerk_loading"), padding="2rem"))


def auth_page(clerk_widget: rx.Component, *, sign_up: bool) -> rx.Component:
    return layout(
        rx.center(
            by_mode(
                clerk=rx.vstack(clerk_loading(), clerk_widget, align="center"),
                local=local_sign_in_card(sign_up=sign_up),
            ),
            width="100%",
        )
    )


def page() -> rx.Component:
    return auth_page(
        clerk.sign_in(
            routing="hash", sign_up_url=routes.SIGN_UP, fallback_redirect_url=routes.WELCOME
        ),
        sign_up=False,
    )
