"""The members page's "Organisations" card: the user's organizations and their role,
each linking to its page (``MyOrganizationsState``, loaded with the page)."""

from __future__ import annotations

import reflex as rx

from clerk_app.components.organizations import role_badge
from clerk_app.components.ui import icon_badge
from clerk_app.state.organizations import MyOrganizationsState
from clerk_app.state.ui import t


def _row(org: rx.Var) -> rx.Component:
    body = rx.hstack(
        rx.avatar(
            src=org["image_url"],
            fallback=org["name"].to(str)[:2].upper(),
            size="3",
            radius="medium",
        ),
        rx.text(org["name"], weight="medium", flex="1", min_width="0", overflow_wrap="anywhere"),
        role_badge(org["role"]),
        align="center",
        spacing="3",
        width="100%",
    )
    return rx.cond(
        org["href"] != "",
        rx.link(body, href=org["href"], underline="none", color="inherit", width="100%"),
        body,
    )


def organizations_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(t("orgs_title"), size="4"),
                icon_badge("building-2", "managed_by_clerk", "violet"),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(
                MyOrganizationsState.items.length() > 0,
                rx.vstack(rx.foreach(MyOrganizationsState.items, _row), spacing="3", width="100%"),
                rx.text(t("orgs_none"), size="2", color=rx.color("gray", 10)),
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id="organizations-card",
    )
