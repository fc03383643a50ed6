"""The Reflex app object: thin on purpose; pages and API routes live in their modules."""

import reflex as rx

from clerk_app.settings import get_settings

settings = get_settings()


def index() -> rx.Component:
    return rx.center(rx.heading(f"clerk_app — mode: {settings.mode}"), height="100vh")


app = rx.App()
app.add_page(index, route="/")
