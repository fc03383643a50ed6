"""Clerk's React components (``@clerk/react``, Core 3) as Reflex components.

Core 3 removed ``SignedIn``/``SignedOut``/``Protect`` in favour of
``<Show when="signed-in">``; :func:`signed_in` and :func:`signed_out` are the
helpers on top of it. Every component imports from the pinned package so the
frontend build is reproducible.

No wrapper here renders the provider: the app's root uses
:class:`clerk_app.components.session_bridge.AuthRoot`, which takes the props of
:class:`ClerkProviderProps` (built by :func:`provider_props`) and renders
``<ClerkProvider>`` with them only when the backend says the app runs in clerk mode
and a publishable key exists. That is what lets ``reflex export`` build the same
frontend with or without keys at build time: the key and the mode reach the browser
from the backend's state at runtime (see :mod:`clerk_app.state.config`).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import VarData

from clerk_app import routes

CLERK_REACT = "@clerk/react@6.17.2"
CLERK_LOCALIZATIONS = "@clerk/localizations@4.18.0"
#: The module of each locale the app uses. The package's index re-exports all its ~50
#: locales (4.5 MB), which the dev server would serve, and the browser parse, on the
#: first view of every page; each locale's own module is ~0.1 MB.
LOCALE_MODULES = {"enUS": "/en-US", "frFR": "/fr-FR"}


def localization_import(name: str) -> rx.ImportVar:
    """The import of Clerk's strings ``name`` (``enUS``/``frFR``) from its own module."""
    return rx.ImportVar(tag=name, package_path=LOCALE_MODULES[name])


class ClerkComponent(rx.Component):
    """Base of every wrapper: the pinned ``@clerk/react`` package."""

    library = CLERK_REACT


class ClerkProviderProps(rx.Component):
    """The ``<ClerkProvider>`` props the app sets (see module doc and :func:`provider_props`).

    Not a component of its own: ``AuthRoot`` takes these props and hands them on to the
    ``<ClerkProvider>`` it renders.
    """

    publishable_key: rx.Var[str]
    sign_in_url: rx.Var[str]
    sign_up_url: rx.Var[str]
    sign_in_fallback_redirect_url: rx.Var[str]
    sign_up_fallback_redirect_url: rx.Var[str]
    after_sign_out_url: rx.Var[str]
    localization: rx.Var[Any]
    appearance: rx.Var[Any]


class RoutedComponent(ClerkComponent):
    """Props of Clerk's full-page components (``<SignIn>``, ``<SignUp>``, ``<UserProfile>``,
    ``<OrganizationProfile>``, ``<CreateOrganization>``)."""

    routing: rx.Var[str]
    path: rx.Var[str]
    appearance: rx.Var[Any]


class AuthFormComponent(RoutedComponent):
    """Props ``<SignIn>`` and ``<SignUp>`` share: where to go once done."""

    fallback_redirect_url: rx.Var[str]
    force_redirect_url: rx.Var[str]


class SignIn(AuthFormComponent):
    tag = "SignIn"
    sign_up_url: rx.Var[str]


class SignUp(AuthFormComponent):
    tag = "SignUp"
    sign_in_url: rx.Var[str]


class UserButton(ClerkComponent):
    tag = "UserButton"
    after_sign_out_url: rx.Var[str]
    user_profile_mode: rx.Var[str]
    appearance: rx.Var[Any]


class UserProfile(RoutedComponent):
    tag = "UserProfile"


class OrganizationSwitcher(ClerkComponent):
    """Lists the user's organizations, switches the session's active one; opens
    ``OrganizationProfile`` and ``CreateOrganization`` itself (``*_mode="modal"``)."""

    tag = "OrganizationSwitcher"
    hide_personal: rx.Var[bool]
    #: ``:slug`` / ``:id`` are replaced by the selected organization's.
    after_select_organization_url: rx.Var[str]
    after_create_organization_url: rx.Var[str]
    after_leave_organization_url: rx.Var[str]
    organization_profile_mode: rx.Var[str]
    create_organization_mode: rx.Var[str]
    appearance: rx.Var[Any]


class OrganizationProfile(RoutedComponent):
    """The active organization's profile, members and settings (Clerk's own UI)."""

    tag = "OrganizationProfile"
    after_leave_organization_url: rx.Var[str]


class CreateOrganization(RoutedComponent):
    tag = "CreateOrganization"
    after_create_organization_url: rx.Var[str]
    skip_invitation_screen: rx.Var[bool]


class SignOutButton(ClerkComponent):
    tag = "SignOutButton"
    redirect_url: rx.Var[str]


class RedirectToSignIn(ClerkComponent):
    tag = "RedirectToSignIn"
    sign_in_fallback_redirect_url: rx.Var[str]
    sign_in_force_redirect_url: rx.Var[str]


class ClerkLoading(ClerkComponent):
    tag = "ClerkLoading"


class ClerkLoaded(ClerkComponent):
    tag = "ClerkLoaded"


class ClerkFailed(ClerkComponent):
    """Renders its children once clerk-js gave up loading (offline: about 20 s)."""

    tag = "ClerkFailed"


class ClerkDegraded(ClerkComponent):
    tag = "ClerkDegraded"


class Show(ClerkComponent):
    """``<Show when="signed-in" | "signed-out" | {role…}>``: Core 3's control component."""

    tag = "Show"
    when: rx.Var[Any]
    fallback: rx.Var[rx.Component]
    treat_pending_as_signed_out: rx.Var[bool]


def signed_in(*children: rx.Component, **props: Any) -> rx.Component:
    """Children shown only to a signed-in user (Core 2's ``<SignedIn>``)."""
    return Show.create(*children, when="signed-in", **props)


def signed_out(*children: rx.Component, **props: Any) -> rx.Component:
    """Children shown only to a signed-out visitor (Core 2's ``<SignedOut>``)."""
    return Show.create(*children, when="signed-out", **props)


sign_in = SignIn.create
sign_up = SignUp.create
user_button = UserButton.create
user_profile = UserProfile.create
organization_switcher = OrganizationSwitcher.create
organization_profile = OrganizationProfile.create
create_organization = CreateOrganization.create
sign_out_button = SignOutButton.create
redirect_to_sign_in = RedirectToSignIn.create
clerk_loading = ClerkLoading.create
clerk_loaded = ClerkLoaded.create
clerk_failed = ClerkFailed.create
clerk_degraded = ClerkDegraded.create


def _localization_var(name: str) -> rx.Var:
    return rx.Var(
        name, _var_data=VarData(imports={CLERK_LOCALIZATIONS: [localization_import(name)]})
    ).to(dict)


def localization(lang: rx.Var[str]) -> rx.Var:
    """Clerk's own strings (``frFR``/``enUS``) following the app's language."""
    return rx.cond(lang == "en", _localization_var("enUS"), _localization_var("frFR"))


_LIGHT = {
    "colorPrimary": "#6e56cf",
    "colorBackground": "#ffffff",
    "colorForeground": "#1c2024",
    "colorMutedForeground": "#60646c",
    "colorInput": "#ffffff",
    "colorInputForeground": "#1c2024",
    "borderRadius": "0.6rem",
}
_DARK = {
    "colorPrimary": "#9e8cfc",
    "colorBackground": "#18191b",
    "colorForeground": "#edeef0",
    "colorMutedForeground": "#b0b4ba",
    "colorInput": "#212225",
    "colorInputForeground": "#edeef0",
    "colorNeutral": "#edeef0",
    "borderRadius": "0.6rem",
}


def appearance(resolved_mode: rx.Var[str]) -> rx.Var:
    """Clerk's appearance variables following the page's resolved color mode."""
    return rx.cond(
        resolved_mode == "dark",
        rx.Var.create({"variables": _DARK}),
        rx.Var.create({"variables": _LIGHT}),
    )


def provider_props(lang: rx.Var[str], resolved_mode: rx.Var[str]) -> dict[str, Any]:
    """The ``<ClerkProvider>`` props besides the publishable key."""
    return {
        "sign_in_url": routes.SIGN_IN,
        "sign_up_url": routes.SIGN_UP,
        "sign_in_fallback_redirect_url": routes.WELCOME,
        "sign_up_fallback_redirect_url": routes.WELCOME,
        "after_sign_out_url": routes.INDEX,
        "localization": localization(lang),
        "appearance": appearance(resolved_mode),
    }
