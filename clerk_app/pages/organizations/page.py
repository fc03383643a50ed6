"""``/organizations/[slug]``: one organization, for its members.

The organization's Clerk-managed fields (name, slug, image), its app-managed ones
(description and website: a form for admins, read-only text for members) and its
members from our database, each in an element ``data-member="<clerk user id>"`` with
name, avatar and role, plus the e-mail address in an admin's view. Anyone else sees
one refusal (``#organization-refused``); a suspended account the suspended notice.
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.components.failure import failure_with_retry
from clerk_app.components.layout import layout
from clerk_app.components.organizations import role_badge, suspended_notice
from clerk_app.components.ui import FIELD_LABEL_STYLE, action_button, alert, busy, icon_badge
from clerk_app.pages.organizations.state import OrganizationState as S
from clerk_app.state.auth import AuthState
from clerk_app.state.ui import t

#: At most one "edited" event per field per this many ms while typing.
EDITED_DEBOUNCE_MS = 300


def _header() -> rx.Component:
    return rx.flex(
        rx.avatar(
            src=S.org["image_url"],
            fallback=S.org["name"].to(str)[:2].upper(),
            size="6",
            radius="medium",
        ),
        rx.vstack(
            rx.heading(S.org["name"], size="7", id="organization-name", overflow_wrap="anywhere"),
            rx.hstack(
                rx.code(S.org["slug"], id="organization-slug"),
                role_badge(S.role, id="organization-role"),
                icon_badge("shield-check", "managed_by_clerk", "violet"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="2",
            min_width="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="4",
        align=rx.breakpoints(initial="start", sm="center"),
    )


def _error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], id=f"error-{name}", role="alert", size="1", color_scheme="red"),
    )


def _field(name: str, label: str, control: rx.Component) -> rx.Component:
    caption = rx.text(t(label), size="2", weight="medium", color=rx.color("gray", 11))
    return rx.el.label(caption, control, _error(name), style=FIELD_LABEL_STYLE)


def _form() -> rx.Component:
    """Admins: the app-managed fields, uncontrolled (a refusal keeps what was typed)."""
    status = rx.text(
        S.status,
        id="organization-status",
        role="status",
        aria_live="polite",
        size="2",
        color=rx.cond(S.status_ok, rx.color("grass", 11), rx.color("red", 11)),
        flex="1",
        min_width="12rem",
    )
    return rx.form(
        rx.vstack(
            _field(
                "description",
                "org_description",
                rx.text_area(
                    name="description",
                    default_value=S.org["description"],
                    on_change=S.field_edited("description").debounce(EDITED_DEBOUNCE_MS),
                    rows="4",
                    width="100%",
                    resize="vertical",
                ),
            ),
            _field(
                "website",
                "org_website",
                rx.input(
                    name="website",
                    default_value=S.org["website"],
                    on_change=S.field_edited("website").debounce(EDITED_DEBOUNCE_MS),
                    placeholder="https://…",
                    width="100%",
                    color_scheme=rx.cond(S.errors.contains("website"), "red", "gray"),
                ),
            ),
            rx.flex(
                status,
                action_button("save", "save", type="submit", size="3", id="save-organization"),
                justify="end",
                align="center",
                gap="3",
                wrap="wrap",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        key=S.form_key,
        on_submit=S.save_organization,
        reset_on_submit=False,
        id="organization-form",
        width="100%",
    )


def _read_only() -> rx.Component:
    """Members: the same fields as text."""
    return rx.vstack(
        rx.text(t("org_description"), size="2", weight="medium", color=rx.color("gray", 11)),
        rx.text(
            rx.cond(S.org["description"] != "", S.org["description"], t("org_no_description")),
            id="organization-description",
            white_space="pre-wrap",
            overflow_wrap="anywhere",
        ),
        rx.cond(
            S.org["website"] != "",
            rx.link(
                S.org["website"],
                href=S.org["website"],
                is_external=True,
                rel="noopener noreferrer nofollow",
                id="organization-website",
                overflow_wrap="anywhere",
            ),
        ),
        rx.callout(t("org_read_only"), icon="lock", color_scheme="gray", size="1"),
        spacing="2",
        width="100%",
    )


def _member(member: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.avatar(
            src=member["image_url"],
            fallback=member["name"].to(str)[:2].upper(),
            size="3",
            radius="full",
        ),
        rx.vstack(
            rx.text(member["name"], weight="medium", overflow_wrap="anywhere"),
            rx.cond(
                S.is_admin,
                rx.text(member["email"], size="1", color=rx.color("gray", 10), class_name="email"),
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        role_badge(member["role"]),
        align="center",
        spacing="3",
        width="100%",
        custom_attrs={"data-member": member["clerk_id"]},
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.vstack(
                _header(),
                rx.separator(size="4"),
                icon_badge("database", "managed_by_app", "gray"),
                rx.cond(S.is_admin, _form(), _read_only()),
                spacing="4",
            ),
            size="3",
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(t("org_members"), size="4"),
                rx.foreach(S.members, _member),
                spacing="3",
                width="100%",
                id="organization-members",
            ),
            size="3",
            width="100%",
        ),
        spacing="5",
        width="100%",
        id="organization",
    )


def _refused() -> rx.Component:
    return rx.vstack(
        alert(
            rx.vstack(rx.text(t("org_not_found_title"), weight="bold"), rx.text(S.refused)),
            icon="building-2",
            color_scheme="gray",
            id="organization-refused",
        ),
        rx.link(action_button("arrow-left", "org_back", variant="soft"), href=routes.MEMBERS),
        spacing="4",
        width="100%",
    )


def page() -> rx.Component:
    waiting = (S.refused == "") & (S.load_error == "")
    return layout(
        rx.cond(
            S.load_error != "",
            failure_with_retry(S.load_error, S.on_load, id_prefix="organization"),
        ),
        rx.cond(
            AuthState.suspended,
            suspended_notice(),
            rx.cond(
                S.loaded,
                _content(),
                rx.cond(
                    S.refused != "",
                    _refused(),
                    rx.cond(waiting, rx.center(busy(t("loading")), padding="4rem", width="100%")),
                ),
            ),
        ),
        width="48rem",
    )
