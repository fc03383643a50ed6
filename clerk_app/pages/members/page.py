"""``/members``: the merged profile (Clerk's fields, our fields) and the form."""

from __future__ import annotations

import reflex as rx

from clerk_app.components.failure import failure_with_retry
from clerk_app.components.layout import layout
from clerk_app.components.organizations import suspended_notice
from clerk_app.components.ui import busy, icon_badge
from clerk_app.pages.members.form import profile_form
from clerk_app.pages.members.identity import identity_card, stored_copy_notice
from clerk_app.pages.members.organizations import organizations_card
from clerk_app.pages.members.state import MembersState
from clerk_app.state.auth import AuthState
from clerk_app.state.ui import t


def _loading(key: str = "loading") -> rx.Component:
    return rx.center(busy(t(key)), padding="4rem", width="100%")


def _profile_card() -> rx.Component:
    """The app-managed part (the Clerk-managed one is :func:`identity_card`)."""
    return rx.card(
        rx.vstack(icon_badge("database", "managed_by_app", "gray"), profile_form(), spacing="4"),
        size="3",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.heading(t("members_title"), size="8", letter_spacing="-0.02em"),
        stored_copy_notice(),
        identity_card(),
        organizations_card(),
        _profile_card(),
        spacing="5",
        width="100%",
        id="members",
        # While the session is re-checked the form is hidden, not unmounted: a reconnect
        # keeps what was typed.
        display=rx.cond(MembersState.checking, "none", "flex"),
    )


def page() -> rx.Component:
    return layout(
        rx.cond(
            MembersState.load_error != "",
            failure_with_retry(MembersState.load_error, MembersState.on_load, id_prefix="members"),
        ),
        rx.cond(MembersState.checking, _loading("checking_session")),
        rx.cond(
            AuthState.suspended,
            suspended_notice(),
            rx.cond(MembersState.loaded, _content(), _loading()),
        ),
        width="48rem",
    )
