"""Local mode's sign-in / sign-up card (the emulator's stand-in for Clerk's ``<SignIn/>``).

Two parts: the emulator's existing users (one click signs in as that user), and a
small form creating a user (inputs named ``email``, ``first_name``, ``last_name``,
``username``, each with a visible label, submitted by a ``type="submit"`` button).
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.components.ui import FIELD_LABEL_STYLE, page_card
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import t


def _input(name: str, kind: str = "text", required: bool = False) -> rx.Component:
    # The input sits inside its <label>: labelled without an id (Reflex turns an input's
    # id into an extra form-data key, and the handlers refuse unknown keys).
    return rx.el.label(
        rx.text(t(name), size="2", weight="medium", color=rx.color("gray", 11)),
        rx.input(name=name, type=kind, required=required, width="100%", size="3"),
        style=FIELD_LABEL_STYLE,
    )


#: Long names and emails end with "…" instead of wrapping inside the user buttons.
_ONE_LINE = {
    "whiteSpace": "nowrap",
    "overflow": "hidden",
    "textOverflow": "ellipsis",
    "maxWidth": "100%",
}


def _existing_users() -> rx.Component:
    return rx.vstack(
        rx.text(t("local_existing"), size="2", weight="medium", color=rx.color("gray", 11)),
        rx.cond(
            LocalAuthState.users.length() > 0,
            rx.vstack(
                rx.foreach(
                    LocalAuthState.users,
                    lambda user: rx.button(
                        rx.hstack(
                            rx.avatar(
                                fallback=user["name"].to(str)[:2].upper(), size="2", radius="full"
                            ),
                            rx.vstack(
                                rx.text(user["name"], size="2", weight="medium", style=_ONE_LINE),
                                rx.text(
                                    user["email"],
                                    size="1",
                                    color=rx.color("gray", 10),
                                    style=_ONE_LINE,
                                ),
                                spacing="0",
                                align="start",
                                min_width="0",
                                flex="1",
                                text_align="left",
                            ),
                            rx.icon("arrow-right", size=16),
                            align="center",
                            width="100%",
                        ),
                        on_click=LocalAuthState.sign_in_as(user["id"]),
                        variant="surface",
                        color_scheme="gray",
                        size="3",
                        width="100%",
                        height="auto",
                        padding_y="0.5rem",
                        aria_label=user["email"],
                        class_name="local-user",
                    ),
                ),
                spacing="2",
                width="100%",
                max_height="16rem",
                overflow_y="auto",
            ),
            rx.text(t("local_none"), size="2", color=rx.color("gray", 10)),
        ),
        spacing="2",
        width="100%",
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _input("email", "email", required=True),
            rx.grid(
                _input("first_name"), _input("last_name"), columns="2", spacing="3", width="100%"
            ),
            _input("username"),
            rx.cond(
                LocalAuthState.error != "",
                rx.callout(
                    LocalAuthState.error,
                    icon="circle-alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    id="local-error",
                ),
            ),
            rx.button(t("local_create"), type="submit", size="3", width="100%", id="local-create"),
            spacing="3",
            width="100%",
        ),
        on_submit=LocalAuthState.sign_up,
        reset_on_submit=False,
        id="local-sign-up-form",
        width="100%",
    )


def local_sign_in_card(*, sign_up: bool) -> rx.Component:
    """The card for /sign-in (existing users first) or /sign-up (the form first)."""
    title = t("local_sign_up_title") if sign_up else t("local_sign_in_title")
    divider = rx.hstack(
        rx.separator(size="4", flex="1"),
        rx.text(t("local_or_create"), size="1", color=rx.color("gray", 10), white_space="nowrap"),
        rx.separator(size="4", flex="1"),
        align="center",
        width="100%",
    )
    parts = [_create_form()] if sign_up else [_existing_users(), divider, _create_form()]
    switch = (
        rx.link(t("have_account"), href=routes.SIGN_IN, size="2")
        if sign_up
        else rx.link(t("no_account"), href=routes.SIGN_UP, size="2")
    )
    return page_card(
        rx.hstack(
            rx.icon("flask-conical", size=20, color=rx.color("amber", 10)),
            rx.heading(title, size="5"),
            align="center",
            spacing="2",
        ),
        rx.text(t("local_intro"), size="2", color=rx.color("gray", 11)),
        *parts,
        rx.center(switch, width="100%"),
        max_width="26rem",
        column={"width": "100%"},
        id="local-sign-in",
    )
