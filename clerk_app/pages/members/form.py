"""The members page's app-managed form (the identity card is :mod:`.identity`).

Form inputs are uncontrolled (typing sends nothing to the backend but a debounced
"this field now holds …", which clears that field's message once it differs from what
was refused); their ``name`` is the
model field's, every input has a visible ``<label for=…>``, the form submits with a
``type="submit"`` button, and ``MembersState.form_key`` re-mounts the form with stored
values (see :mod:`clerk_app.pages.members.state` for when). Validation messages appear
under their field (``id="error-<field>"``, ``role="alert"``); the save's outcome in a
status line beside the button (``#save-status``), where no notification can cover the
form; "changed elsewhere" in a notice above it (``#stale-notice``) with both choices.
"""

from __future__ import annotations

import reflex as rx

from clerk_app.components.ui import FIELD_LABEL_STYLE, action_button, notice
from clerk_app.models import LANGUAGES, THEMES
from clerk_app.pages.members.state import MembersState
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
EDITED_DEBOUNCE_MS = 300


def _edited(name: str):
    """Tell the state a field changed, once typing pauses (its value rides along)."""
    return MembersState.field_edited(name).debounce(EDITED_DEBOUNCE_MS)


def _field(name: str, control: rx.Component, **props) -> rx.Component:
    """A labelled control. The control sits inside its <label>, so it needs no id:
    Reflex adds an input's id to the form data as an extra key, which save refuses."""
    return rx.el.label(_caption(name), control, _error(name), style=FIELD_LABEL_STYLE, **props)


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
            # React does not move a select's default when the prop changes (inputs'
            # it does): the stored value, for "does the form hold unsaved edits?".
            custom_attrs={"data-stored": MembersState.profile[name]},
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


def _stale_notice() -> rx.Component:
    """The stored profile changed elsewhere while this form has unsaved edits: choose."""
    saving = MembersState.stale == "save"
    return rx.cond(
        MembersState.stale != "",
        notice(
            rx.cond(saving, t("stale_save"), t("stale_load")),
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
            icon="git-compare-arrows",
            stacked=True,
            role="alert",
            id="stale-notice",
        ),
    )


def _submit_row() -> rx.Component:
    """The save button and, beside it, the last save's outcome, read out by screen readers."""
    status = rx.text(
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
    return rx.flex(
        status,
        action_button("save", "save", type="submit", size="3", id="save-profile"),
        justify="end",
        align="center",
        gap="3",
        wrap="wrap",
        width="100%",
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
                    [(theme, f"theme_{theme}") for theme in THEMES],
                ),
                _select("language", [(lang, f"lang_{lang}") for lang in LANGUAGES]),
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
            _submit_row(),
            spacing="5",
            width="100%",
        ),
        key=MembersState.form_key,
        on_submit=MembersState.save_profile,
        reset_on_submit=False,
        id="profile-form",
        width="100%",
    )
