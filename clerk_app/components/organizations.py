"""Small pieces the organization views share: a role's badge, the suspended-account notice."""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app.components.ui import alert
from clerk_app.org_models import ADMIN_ROLE, MEMBER_ROLE
from clerk_app.state.ui import t


def role_label(role: rx.Var) -> rx.Var:
    """Clerk's role key in the page's language (a custom role shows its key)."""
    return rx.cond(
        role == ADMIN_ROLE,
        t("role_admin"),
        rx.cond(role == MEMBER_ROLE, t("role_member"), role.to(str).replace("org:", "")),
    )


def role_badge(role: rx.Var, **props: Any) -> rx.Component:
    return rx.badge(
        role_label(role),
        color_scheme=rx.cond(role == ADMIN_ROLE, "violet", "gray"),
        variant="soft",
        **props,
    )


def suspended_notice() -> rx.Component:
    """The account is banned or locked: say so, show nothing else."""
    return alert(
        rx.vstack(
            rx.text(t("suspended_title"), weight="bold"),
            rx.text(t("suspended_body")),
            spacing="1",
        ),
        icon="user-x",
        id="account-suspended",
    )
