"""``/sign-up``: Clerk's ``<SignUp/>`` in clerk mode, the emulator's card in local mode."""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.pages.sign_in import auth_page


def page() -> rx.Component:
    return auth_page(
        clerk.sign_up(
            routing="hash", sign_in_url=routes.SIGN_IN, fallback_redirect_url=routes.WELCOME
        ),
        sign_up=True,
    )
