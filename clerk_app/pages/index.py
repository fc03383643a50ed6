"""``/``: what the app is, in two lines, and the way in (or back to your profile)."""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.components.layout import layout
from clerk_app.components.ui import by_mode
from clerk_app.state.auth import AuthState
from clerk_app.state.ui import t


def _cta_signed_out() -> rx.Component:
    return rx.hstack(
        rx.link(rx.button(t("sign_up"), size="3", id="cta-sign-up"), href=routes.SIGN_UP),
        rx.link(
            rx.button(t("sign_in"), size="3", variant="outline", id="cta-sign-in"),
            href=routes.SIGN_IN,
        ),
        spacing="3",
        wrap="wrap",
        justify="center",
    )


def _cta_signed_in() -> rx.Component:
    return rx.vstack(
        rx.text(t("hero_signed_in"), size="2", color=rx.color("gray", 11)),
        rx.link(
            rx.button(t("go_members"), rx.icon("arrow-right", size=16), size="3", id="cta-members"),
            href=routes.MEMBERS,
        ),
        align="center",
        spacing="2",
    )


def _cta() -> rx.Component:
    return by_mode(
        clerk=rx.fragment(clerk.signed_in(_cta_signed_in()), clerk.signed_out(_cta_signed_out())),
        local=rx.cond(AuthState.is_signed_in, _cta_signed_in(), _cta_signed_out()),
    )


def _step(icon: str, title: rx.Var, body: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=18),
                width="2.25rem",
                height="2.25rem",
                border_radius="0.6rem",
                background=rx.color("violet", 3),
                color=rx.color("violet", 11),
            ),
            rx.text(title, weight="bold", size="3"),
            rx.text(body, size="2", color=rx.color("gray", 11)),
            spacing="2",
        ),
        size="2",
    )


def _hero_line(key: str, **props) -> rx.Component:
    return rx.text(
        t(key),
        size=rx.breakpoints(initial="3", sm="4"),
        text_align="center",
        color=rx.color("gray", 11),
        max_width="40rem",
        **props,
    )


def page() -> rx.Component:
    return layout(
        rx.vstack(
            rx.heading(
                t("hero_title"),
                size=rx.breakpoints(initial="8", sm="9"),
                text_align="center",
                style={
                    "background": "linear-gradient(120deg, var(--violet-11), var(--indigo-11))",
                    "-webkit-background-clip": "text",
                    "background-clip": "text",
                    "color": "transparent",
                    "letter-spacing": "-0.03em",
                },
            ),
            _hero_line("hero_line1", id="hero-line-1"),
            _hero_line("hero_line2"),
            rx.box(_cta(), padding_top="0.75rem"),
            rx.grid(
                _step("key-round", t("step_auth_title"), t("step_auth_body")),
                _step("arrow-left-right", t("step_sync_title"), t("step_sync_body")),
                _step("database", t("step_profile_title"), t("step_profile_body")),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="4",
                width="100%",
                padding_top="2.5rem",
            ),
            align="center",
            spacing="4",
            padding_top=rx.breakpoints(initial="1rem", sm="3rem"),
        )
    )
