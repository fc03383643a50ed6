"""The members page's two cards: the Clerk-managed identity, and the app-managed form.

Form inputs are uncontrolled (typing sends nothing to the backend but a throttled
"this field was edited", which clears that field's message); their ``name`` is the
model field's, every input has a visible ``<label for=…>``, the form submits with a
``type="submit"`` button, and ``MembersState.form_key`` re-mounts the form with stored
values (see :mod:`clerk_app.pages.members.state` for when). Validation messages appear
under their field (``id="error-<field>"``, ``role="alert"``); the save's outcome in a
status line beside the button (``#save-status``), where no notification can cover the
form; "changed elsewhere" in a notice above it (``#stale-notice``) with both choices.
"""

from __future__ import annotations

import reflex as rx

from clerk_app.clerk import components as clerk
from clerk_app.pages.members.state import MembersState
from clerk_app.state.config import ClerkConfigState
from clerk_app.state.ui import t

_NATIVE_CONTROL = {
    "height": "2.25rem",
    "padding": "0 0.6rem",
    "border_radius": "var(--radius-3)",
    "border": "1px solid var(--gray-a7)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-2)",
    "width": "100%",
}


_LABEL_STYLE = {"display": "flex", "flexDirection": "column", "gap": "0.25rem", "width": "100%"}


def _caption(key: str) -> rx.Component:
    return rx.text(t(key), size="2", weight="medium", color=rx.color("gray", 11))


def _error(name: str) -> rx.Component:
    return rx.cond(
        MembersState.errors.contains(name),
        rx.text(
            MembersState.errors[name],
            id=f"error-{name}",
            role="alert",
            size="1",
            color_scheme="red",
        ),
    )


#: At most one "edited" event per field per this many ms while typing.
EDITED_THROTTLE_MS = 1000


def _edited(name: str):
    return MembersState.field_edited(name).throttle(EDITED_THROTTLE_MS)


def _field(name: str, control: rx.Component, **props) -> rx.Component:
    """A labelled control. The control sits inside its <label>, so it needs no id:
    Reflex adds an input's id to the form data as an extra key, which save refuses."""
    return rx.el.label(_caption(name), control, _error(name), style=_LABEL_STYLE, **props)


def _text_field(name: str, placeholder: str = "") -> rx.Component:
    return _field(
        name,
        rx.input(
            name=name,
            default_value=MembersState.profile[name],
            on_change=_edited(name),
            placeholder=placeholder,
            size="2",
            width="100%",
            color_scheme=rx.cond(MembersState.errors.contains(name), "red", "gray"),
        ),
    )


def _select(name: str, options: list[tuple[str, str]]) -> rx.Component:
    return _field(
        name,
        rx.el.select(
            *(rx.el.option(t(label), value=value) for value, label in options),
            name=name,
            default_value=MembersState.profile[name],
            on_change=_edited(name),
            style=_NATIVE_CONTROL,
        ),
    )


def _section(title_key: str, *children: rx.Component, columns: str = "2") -> rx.Component:
    return rx.vstack(
        rx.heading(t(title_key), size="3", weight="medium"),
        rx.grid(
            *children, columns=rx.breakpoints(initial="1", sm=columns), spacing="4", width="100%"
        ),
        spacing="3",
        width="100%",
    )


def _status() -> rx.Component:
    """The last save's outcome, read out by screen readers, beside the button."""
    return rx.text(
        rx.cond(
            MembersState.status != "",
            rx.icon(rx.cond(MembersState.status_ok, "check", "circle-alert"), size=15),
        ),
        MembersState.status,
        id="save-status",
        role="status",
        aria_live="polite",
        size="2",
        color=rx.cond(MembersState.status_ok, rx.color("grass", 11), rx.color("red", 11)),
        display="flex",
        align_items="center",
        gap="0.35rem",
        flex="1",
        min_width="12rem",
    )


def _stale_notice() -> rx.Component:
    """The stored profile changed elsewhere while this form has unsaved edits: choose."""
    saving = MembersState.stale == "save"
    return rx.cond(
        MembersState.stale != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("git-compare-arrows")),
            rx.vstack(
                rx.callout.text(rx.cond(saving, t("stale_save"), t("stale_load"))),
                rx.flex(
                    rx.button(
                        t("stale_use_stored"),
                        type="button",
                        variant="soft",
                        on_click=MembersState.use_stored,
                        id="stale-use-stored",
                    ),
                    rx.button(
                        rx.cond(saving, t("stale_overwrite"), t("stale_keep")),
                        type="button",
                        on_click=MembersState.keep_mine,
                        id="stale-keep-mine",
                    ),
                    gap="2",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            color_scheme="amber",
            role="alert",
            id="stale-notice",
            width="100%",
        ),
    )


def profile_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _section(
                "profile_section",
                _field(
                    "bio",
                    rx.text_area(
                        name="bio",
                        default_value=MembersState.profile["bio"],
                        on_change=_edited("bio"),
                        rows="4",
                        width="100%",
                        resize="vertical",
                    ),
                    grid_column="1 / -1",
                ),
                _text_field("company"),
                _text_field("job_title"),
                _text_field("location"),
            ),
            rx.separator(size="4"),
            _section(
                "links_section",
                _text_field("website", "https://…"),
                _text_field("linkedin", "https://linkedin.com/in/…"),
                _text_field("twitter", "@…"),
                _text_field("github", "@…"),
            ),
            rx.separator(size="4"),
            _section(
                "prefs_section",
                _select(
                    "theme",
                    [("light", "theme_light"), ("dark", "theme_dark"), ("system", "theme_system")],
                ),
                _select("language", [("fr", "lang_fr"), ("en", "lang_en")]),
                rx.el.label(
                    rx.el.input(
                        type="checkbox",
                        name="email_notifications",
                        default_checked=MembersState.profile["email_notifications"] == "on",
                        on_change=_edited("email_notifications"),
                        style={
                            "width": "1.1rem",
                            "height": "1.1rem",
                            "accentColor": "var(--accent-9)",
                        },
                    ),
                    _caption("email_notifications"),
                    style={"display": "flex", "alignItems": "center", "gap": "0.5rem"},
                    grid_column="1 / -1",
                ),
            ),
            _stale_notice(),
            rx.flex(
                _status(),
                rx.button(
                    rx.icon("save", size=16), t("save"), type="submit", size="3", id="save-profile"
                ),
                justify="end",
                align="center",
                gap="3",
                wrap="wrap",
                width="100%",
            ),
            spacing="5",
            width="100%",
        ),
        key=MembersState.form_key,
        on_submit=MembersState.save_profile,
        reset_on_submit=False,
        id="profile-form",
        width="100%",
    )


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
    return rx.cond(
        ClerkConfigState.is_clerk,
        rx.dialog.root(
            rx.dialog.trigger(
                rx.button(
                    rx.icon("settings", size=16),
                    t("manage_account"),
                    variant="soft",
                    id="manage-account",
                )
            ),
            rx.dialog.content(
                clerk.user_profile(routing="hash"),
                max_width="fit-content",
                padding="0",
                background="transparent",
                box_shadow="none",
            ),
        ),
        rx.tooltip(
            rx.button(
                rx.icon("settings", size=16), t("manage_account"), variant="soft", disabled=True
            ),
            content=t("manage_account_local"),
        ),
    )


def stored_copy_notice() -> rx.Component:
    """Clerk could not be reached: the card shows the stored copy; say so, offer a retry."""
    return rx.cond(
        ~MembersState.clerk_current,
        rx.callout.root(
            rx.callout.icon(rx.icon("cloud-off")),
            rx.flex(
                rx.callout.text(t("stored_copy")),
                rx.button(
                    rx.icon("rotate-cw", size=14),
                    t("welcome_retry"),
                    size="1",
                    variant="soft",
                    on_click=MembersState.on_load,
                    id="stored-copy-retry",
                ),
                gap="3",
                align="center",
                wrap="wrap",
            ),
            color_scheme="amber",
            id="stored-copy",
            role="status",
            width="100%",
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
                    rx.badge(
                        rx.icon("shield-check", size=12),
                        t("managed_by_clerk"),
                        variant="soft",
                        color_scheme="violet",
                    ),
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
