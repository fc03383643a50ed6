"""The shared page layout: local-mode banner, header, Clerk status, content, footer.

The header shows sign-in/sign-up buttons to visitors and, to a signed-in user, a link
to /members plus Clerk's ``<UserButton/>`` (clerk mode) or a small local user menu and
the local organization switcher (local mode). In clerk mode the signed-in/out switch
is Clerk's ``<Show>`` (instant, client-side); in local mode it is
``AuthState.is_signed_in``. Everything is sized to work from a phone's width up.
"""

from __future__ import annotations

import reflex as rx

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.components.local_organizations import local_organization_switcher
from clerk_app.components.ui import action_button, alert, by_mode, reload_page
from clerk_app.state.auth import AuthState
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.organizations import MyOrganizationsState
from clerk_app.state.ui import UIState, t

CONTENT_WIDTH = "60rem"
#: A soft violet glow at the top of every page, over the theme's own background.
PAGE_BACKGROUND = (
    "radial-gradient(1200px 480px at 50% -12%, var(--violet-a4), transparent), var(--gray-1)"
)

#: The local-mode banner: a full-width amber strip above the header.
_BANNER_STYLE = {
    "width": "100%",
    "padding_x": "1rem",
    "padding_y": "0.45rem",
    "background": rx.color("amber", 3),
    "color": rx.color("amber", 11),
    "border_bottom": f"1px solid {rx.color('amber', 6)}",
    "text_align": "center",
}


def local_banner() -> rx.Component:
    return rx.cond(
        UIState.is_local,
        rx.hstack(
            rx.icon("flask-conical", size=16),
            rx.text(t("local_banner"), size="2", weight="medium"),
            id="local-mode-banner",
            role="status",
            justify="center",
            align="center",
            spacing="2",
            style=_BANNER_STYLE,
        ),
    )


def clerk_status() -> rx.Component:
    """Clerk mode only: say so when clerk-js cannot load, instead of a blank page."""
    return by_mode(
        clerk=rx.fragment(
            clerk.clerk_failed(
                alert(
                    rx.hstack(
                        rx.text(t("clerk_failed")),
                        rx.button(t("reload"), size="1", variant="soft", on_click=reload_page()),
                        align="center",
                        spacing="3",
                        wrap="wrap",
                    ),
                    icon="wifi-off",
                    id="clerk-failed",
                ),
            ),
            clerk.clerk_degraded(
                rx.callout(t("clerk_degraded"), icon="triangle-alert", color_scheme="amber"),
            ),
        ),
    )


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            # Decorative: the link's text names the app.
            rx.image(src=routes.LOGO, alt="", width="2rem", height="2rem", id="brand-logo"),
            rx.text(t("brand"), weight="bold", size="4", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href=routes.INDEX,
        underline="none",
    )


def _signed_out_nav() -> rx.Component:
    return rx.hstack(
        rx.link(rx.button(t("sign_in"), variant="ghost", size="2"), href=routes.SIGN_IN),
        rx.link(rx.button(t("sign_up"), size="2"), href=routes.SIGN_UP),
        spacing="3",
        align="center",
    )


def _members_link() -> rx.Component:
    return rx.link(
        action_button("user-round", "nav_members", variant="soft", size="2"),
        href=routes.MEMBERS,
        id="nav-members",
    )


def organization_switcher() -> rx.Component:
    """Clerk's organization switcher, once the user belongs to an organization."""
    return rx.cond(
        MyOrganizationsState.has_any,
        rx.box(
            clerk.organization_switcher(
                hide_personal=False,
                after_select_organization_url=routes.ORGANIZATIONS_PREFIX + ":slug",
                after_leave_organization_url=routes.MEMBERS,
                organization_profile_mode="modal",
                create_organization_mode="modal",
            ),
            id="organization-switcher",
            display="flex",
            align_items="center",
            max_width=["9rem", "none"],
            overflow="hidden",
        ),
    )


def local_user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("circle-user-round", size=20),
                variant="ghost",
                size="3",
                radius="full",
                aria_label=t("account_menu"),
                id="local-user-menu",
            ),
        ),
        rx.menu.content(
            rx.menu.item(t("nav_members"), on_click=rx.redirect(routes.MEMBERS)),
            rx.menu.separator(),
            rx.menu.item(
                t("sign_out"),
                color_scheme="red",
                on_click=LocalAuthState.sign_out,
                id="local-sign-out",
            ),
        ),
    )


def user_nav() -> rx.Component:
    """Right side of the header, per mode and session."""
    return by_mode(
        clerk=rx.hstack(
            clerk.signed_in(
                rx.hstack(
                    _members_link(),
                    organization_switcher(),
                    clerk.user_button(after_sign_out_url=routes.INDEX),
                    spacing="3",
                    align="center",
                )
            ),
            clerk.signed_out(_signed_out_nav()),
            align="center",
        ),
        local=rx.cond(
            AuthState.is_signed_in,
            rx.hstack(
                local_organization_switcher(),
                _members_link(),
                local_user_menu(),
                spacing=rx.breakpoints(initial="2", sm="3"),
                align="center",
            ),
            _signed_out_nav(),
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            brand(),
            user_nav(),
            justify="between",
            align="center",
            width="100%",
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1.5rem"],
            padding_y="0.75rem",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(10px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(t("footer"), size="1", color=rx.color("gray", 10), text_align="center"),
        padding="1.5rem 1rem",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


# The chrome is the same on every page: as memo components it is compiled once, not
# once per page (half of the app's compile time, paid by every `make run`).
@rx.memo
def site_header() -> rx.Component:
    """The local-mode banner and the header."""
    return rx.fragment(local_banner(), header())


@rx.memo
def site_footer() -> rx.Component:
    return footer()


def layout(*children: rx.Component, width: str = CONTENT_WIDTH) -> rx.Component:
    """Wrap a page's content in the shared chrome."""
    return rx.flex(
        site_header(),
        rx.el.main(
            clerk_status(),
            *children,
            width="100%",
            max_width=width,
            margin_x="auto",
            padding_x=["1rem", "1.5rem"],
            padding_y=["1.5rem", "2.5rem"],
            flex="1",
        ),
        site_footer(),
        direction="column",
        min_height="100vh",
        background=PAGE_BACKGROUND,
    )
