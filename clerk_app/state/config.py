"""The public, runtime facts the frontend needs about auth (shown through ``UIState``).

The mode (``clerk``/``local``), the publishable key and, in local mode, the emulator's
URL reach the browser as state rather than being baked into the JS bundle: the
backend's values override the compiled defaults on the first hydrate. So one frontend
build serves any configuration, and ``reflex export`` works with or without keys set
at build time (a build without keys in production mode compiles with empty values;
the running backend, which must have keys, fills them in).

They are vars of :class:`~clerk_app.state.ui.UIState` (what the page renders with),
not a state of their own: every state is created for every tab, and these three
values never change while the process runs.

Nothing here is secret: a publishable key is public by design, and the emulator URL
is only set in local mode, which never runs in production.
"""

from __future__ import annotations

from clerk_app.settings import SettingsError, get_settings


def _runtime_values() -> tuple[str, str, str]:
    try:
        settings = get_settings()
    except SettingsError:
        # Only reachable at build time (clerk_app.clerk_app refuses to serve otherwise).
        return "clerk", "", ""
    if settings.mode == "clerk":
        return "clerk", settings.clerk_publishable_key or "", ""
    return "local", "", settings.emulator_url


#: This process's auth mode, publishable key ("" in local mode) and emulator URL ("" in
#: clerk mode).
MODE, PUBLISHABLE_KEY, EMULATOR_URL = _runtime_values()
