"""The members page's Clerk-managed card: who the user is, as Clerk says.

Read-only here: the values come from Clerk (or the stored copy when Clerk cannot be
reached, which :func:`stored_copy_notice` says, with a retry); "Gérer mon compte" opens
Clerk's ``<UserProfile/>`` in clerk mode.
"""

from __future__ import annotations

import reflex as rx

from clerk_app.clerk import components as clerk
from clerk_app.components.ui import action_button, by_mode, icon_badge, notice, retry_button
from clerk_app.pages.members.state import MembersState
from clerk_app.state.ui import t


def _managed_row(icon: str, key: str, value: rx.Var, test_id: str) -> list[rx.Component]:
    """One label/value pair of the identity grid (two cells)."""
    return [
        rx.hstack(
            rx.icon(icon, size=15, color=rx.color("gray", 10)),
            rx.text(t(key), size="2", color=rx.color("gray", 10), white_space="nowrap"),
            spacing="2",
            align="center",
        ),
        rx.text(value, size="2", weight="medium", id=test_id, overflow_wrap="anywhere"),
    ]


def manage_account() -> rx.Component:
    """ "Gérer mon compte": Clerk's <UserProfile/> in a dialog (clerk mode)."""
    return by_mode(
        clerk=rx.dialog.root(
            rx.dialog.trigger(
                action_button("settings", "manage_account", variant="soft", id="manage-account")
            ),
            rx.dialog.content(
                clerk.user_profile(routing="hash"),
                max_width="fit-content",
                padding="0",
                background="transparent",
                box_shadow="none",
            ),
        ),
        local=rx.tooltip(
            action_button("settings", "manage_account", variant="soft", disabled=True),
            content=t("manage_account_local"),
        ),
    )


def stored_copy_notice() -> rx.Component:
    """Clerk could not be reached: the card shows the stored copy; say so, offer a retry."""
    return rx.cond(
        ~MembersState.clerk_current,
        notice(
            t("stored_copy"),
            retry_button(MembersState.on_load, small=True, id="stored-copy-retry"),
            icon="cloud-off",
            id="stored-copy",
            role="status",
        ),
    )


def identity_card() -> rx.Component:
    clerk_fields = MembersState.clerk
    return rx.card(
        rx.flex(
            rx.avatar(
                src=clerk_fields["image_url"],
                fallback=clerk_fields["full_name"].to(str)[:2].upper(),
                size="6",
                radius="full",
            ),
            rx.vstack(
                rx.hstack(
                    rx.heading(clerk_fields["full_name"], size="6", id="member-name"),
                    icon_badge("shield-check", "managed_by_clerk", "violet"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.grid(
                    *_managed_row("mail", "email", clerk_fields["email"], "member-email"),
                    *_managed_row(
                        "at-sign", "username_short", clerk_fields["username"], "member-username"
                    ),
                    *_managed_row(
                        "calendar-plus", "created_at", MembersState.created_at, "member-created"
                    ),
                    *_managed_row(
                        "refresh-cw", "synced_at", MembersState.synced_at, "member-synced"
                    ),
                    # Phone: each value under its label; wider: a two-column table.
                    columns=rx.breakpoints(initial="1fr", sm="auto 1fr"),
                    column_gap="1rem",
                    row_gap=rx.breakpoints(initial="0.15rem", sm="0.4rem"),
                    align_items="center",
                ),
                rx.box(manage_account(), padding_top="0.5rem"),
                spacing="2",
                flex="1",
                min_width="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="5",
            align="start",
        ),
        size="3",
        width="100%",
    )
