"""``ClerkConfigState``: the public, runtime facts the frontend needs about auth.

The mode (``clerk``/``local``), the publishable key and, in local mode, the emulator's
URL reach the browser as state rather than being baked into the JS bundle: the
backend's values override the compiled defaults on the first hydrate. So one frontend
build serves any configuration, and ``reflex export`` works with or without keys set
at build time (a build without keys in production mode compiles with empty values;
the running backend, which must have keys, fills them in).

Nothing here is secret: a publishable key is public by design, and the emulator URL
is only set in local mode, which never runs in production.
"""

from __future__ import annotations

import reflex as rx

from clerk_app.settings import SettingsError, get_settings


def _runtime_defaults() -> tuple[str, str, str]:
    try:
        settings = get_settings()
    except SettingsError:
        # Only reachable at build time (clerk_app.clerk_app refuses to serve otherwise).
        return "clerk", "", ""
    if settings.mode == "clerk":
        return "clerk", settings.clerk_publishable_key or "", ""
    return "local", "", settings.emulator_url


_MODE, _PUBLISHABLE_KEY, _EMULATOR_URL = _runtime_defaults()


class ClerkConfigState(rx.State):
    """Read-only configuration for the frontend (no event handlers on purpose)."""

    mode: str = _MODE
    publishable_key: str = _PUBLISHABLE_KEY
    emulator_url: str = _EMULATOR_URL

    @rx.var
    def is_clerk(self) -> bool:
        """Clerk's own components can render (clerk mode with a key)."""
        return self.mode == "clerk" and bool(self.publishable_key)

    @rx.var
    def is_local(self) -> bool:
        return self.mode == "local"
