"""The Reflex app object: thin on purpose.

Pages live in :mod:`clerk_app.pages` (one module each, state beside them in
:mod:`clerk_app.state`), backend routes in :mod:`clerk_app.http`, and the session
bridge plus ``<ClerkProvider>`` in the ``AuthRoot`` app wrap
(:mod:`clerk_app.components.session_bridge`), which stays mounted across page navigation.

A bad configuration stops the app here with one line. The only exception is
``reflex export`` (a frontend build): the browser gets the mode and publishable key
from the backend at runtime, so the build needs no keys. In development, a SQLite
schema left behind is brought to head here, and any other is named in one line
(:func:`clerk_app.schema.on_start`).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.environment import environment

from clerk_app import change_feed, log_safety, logging_setup, routes, schema
from clerk_app.components import page_head
from clerk_app.components.session_bridge import auth_root
from clerk_app.pages import (
    index,
    members,
    organizations,
    session_refused,
    sign_in,
    sign_up,
    welcome,
)
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.organizations.state import OrganizationState
from clerk_app.pages.session_refused import SessionRefusedState
from clerk_app.pages.welcome import WelcomeState
from clerk_app.settings import SettingsError, get_settings
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import BrowserLanguage

# Before the app serves anything: no credential reaches a log line (Reflex logs failing
# events with their request headers), and floods of bad events are rate-limited.
log_safety.install()
# Production logs are JSON lines (app, Reflex and granian alike); development keeps the console.
logging_setup.configure()


def _api_transformer():
    exporting = environment.REFLEX_COMPILE_CONTEXT.get().value == "export"
    try:
        settings = get_settings()
    except SettingsError as exc:
        if exporting:
            return None  # building the frontend only; the backend validates at start-up
        raise SystemExit(f"clerk_app: configuration error: {exc}") from None
    if not exporting:
        schema.on_start(settings)
    for secret in (settings.clerk_secret_key, settings.clerk_webhook_signing_secret):
        log_safety.add_secret(secret.get_secret_value() if secret else None)
    from clerk_app.http import build_api

    return build_api()


app = rx.App(
    api_transformer=_api_transformer(),
    # Notifications at the top, over the sticky header: forms say how a save went in
    # place (beside their button), so nothing floats over a field or a button.
    toaster=rx.toast.provider(position="top-center", close_button=True),
    extra_app_wraps={(45, "AuthRoot"): auth_root},
    head_components=page_head.head_components(),
)
app.add_middleware(BrowserLanguage())
# Each worker follows PostgreSQL's change notifications (a no-op on SQLite).
app.register_lifespan_task(change_feed.listen)

_PAGES = (
    (index.page, routes.INDEX, "clerk_app", []),
    (sign_in.page, routes.SIGN_IN, "clerk_app · sign-in", [LocalAuthState.load_users]),
    (sign_up.page, routes.SIGN_UP, "clerk_app · sign-up", [LocalAuthState.load_users]),
    (welcome.page, routes.WELCOME, "clerk_app · welcome", [WelcomeState.on_load]),
    (members.page, routes.MEMBERS, "clerk_app · members", [MembersState.on_load]),
    (
        organizations.page,
        routes.ORGANIZATION,
        "clerk_app · organization",
        [OrganizationState.on_load],
    ),
    (
        session_refused.page,
        routes.SESSION_REFUSED,
        "clerk_app · session refused",
        [SessionRefusedState.on_load],
    ),
)
for component, route, title, on_load in _PAGES:
    app.add_page(component, route=route, on_load=on_load or None, **page_head.page_meta(title))
