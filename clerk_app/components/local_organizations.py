"""Local mode's organization switcher (the emulator's stand-in for Clerk's
``<OrganizationSwitcher/>``), for the header of a signed-in user.

A menu: the user's organizations (a check on the active one, the role beside each
name), "Personal account", and "Create organization", which opens a small dialog
(``name``, optional ``slug``). The trigger shows the active organization as the
verified session token says (``#local-org-active``). State:
:class:`~clerk_app.state.local_orgs.LocalOrgState`. Render it in local mode only, e.g.
``by_mode(clerk=clerk_switcher, local=local_organization_switcher())``.
"""

from __future__ import annotations

import reflex as rx

from clerk_app.components.ui import FIELD_LABEL_STYLE
from clerk_app.state.local_orgs import LocalOrgState
from clerk_app.state.ui import t

_ONE_LINE = {"whiteSpace": "nowrap", "overflow": "hidden", "textOverflow": "ellipsis"}


def _role(role: rx.Var) -> rx.Component:
    return rx.badge(
        rx.cond(role == "org:admin", t("local_org_role_admin"), t("local_org_role_member")),
        variant="soft",
        color_scheme="gray",
        size="1",
    )


def _organization_item(org: rx.Var) -> rx.Component:
    active = LocalOrgState.active_id == org["id"]
    return rx.menu.item(
        rx.hstack(
            rx.icon("check", size=14, opacity=rx.cond(active, "1", "0")),
            rx.text(org["name"], style=_ONE_LINE, max_width="14rem"),
            _role(org["role"]),
            align="center",
            spacing="2",
        ),
        on_click=LocalOrgState.pick(org["id"]),
        class_name="local-org-item",
        custom_attrs={"data-org-id": org["id"], "aria-current": rx.cond(active, "true", "false")},
    )


def _trigger() -> rx.Component:
    return rx.button(
        rx.icon("building-2", size=16),
        rx.text(
            rx.cond(
                LocalOrgState.active_id != "", LocalOrgState.active_name, t("local_org_personal")
            ),
            id="local-org-active",
            style=_ONE_LINE,
            max_width="10rem",
            display=["none", "inline"],
        ),
        rx.box(rx.icon("chevrons-up-down", size=14), display=["none", "flex"]),
        variant="surface",
        color_scheme="gray",
        size="2",
        aria_label=t("local_org_menu"),
        id="local-org-switcher",
    )


def _field(name: str, key: str, *, required: bool = False, hint: str | None = None):
    return rx.el.label(
        rx.text(t(key), size="2", weight="medium", color=rx.color("gray", 11)),
        rx.input(name=name, required=required, width="100%", size="3", max_length=100),
        rx.text(t(hint), size="1", color=rx.color("gray", 10)) if hint else rx.fragment(),
        style=FIELD_LABEL_STYLE,
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("local_org_create")),
            rx.dialog.description(t("local_org_create_intro"), size="2"),
            rx.form(
                rx.vstack(
                    _field("name", "local_org_name", required=True),
                    _field("slug", "local_org_slug", hint="local_org_slug_hint"),
                    rx.cond(
                        LocalOrgState.error != "",
                        rx.callout(
                            LocalOrgState.error,
                            icon="circle-alert",
                            color_scheme="red",
                            size="1",
                            width="100%",
                            role="alert",
                            id="local-org-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                t("local_org_cancel"),
                                type="button",
                                variant="soft",
                                color_scheme="gray",
                            )
                        ),
                        rx.button(t("local_org_submit"), type="submit", id="local-org-submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="1rem",
                ),
                on_submit=LocalOrgState.create,
                reset_on_submit=False,
                id="local-org-form",
            ),
            max_width="26rem",
        ),
        open=LocalOrgState.create_open,
        on_open_change=LocalOrgState.set_create_open,
    )


def local_organization_switcher() -> rx.Component:
    """The switcher's menu and its create dialog (signed-in users, local mode)."""
    return rx.fragment(
        rx.menu.root(
            rx.menu.trigger(_trigger()),
            rx.menu.content(
                rx.foreach(LocalOrgState.organizations, _organization_item),
                rx.cond(LocalOrgState.organizations.length() > 0, rx.menu.separator()),
                rx.menu.item(
                    rx.hstack(
                        rx.icon(
                            "check",
                            size=14,
                            opacity=rx.cond(LocalOrgState.active_id == "", "1", "0"),
                        ),
                        rx.text(t("local_org_personal")),
                        align="center",
                        spacing="2",
                    ),
                    on_click=LocalOrgState.personal,
                    id="local-org-personal",
                ),
                rx.menu.separator(),
                rx.menu.item(
                    rx.hstack(
                        rx.icon("plus", size=14), rx.text(t("local_org_create")), spacing="2"
                    ),
                    on_click=LocalOrgState.set_create_open(True),
                    id="local-org-create",
                ),
            ),
            on_open_change=LocalOrgState.load_on_open,
        ),
        _create_dialog(),
        rx.box(on_mount=LocalOrgState.load, display="none"),
    )
