"""A local, Clerk-compatible server for development and tests.

It stands in for Clerk's servers where the app talks to them: the JWKS, the
Backend API's user and organization endpoints, session tokens (RS256, Clerk v2
claims, the ``o`` claim of the active organization) and signed webhooks, plus
emulator-only routes to mint tokens, open sessions and inject faults. Modules:

* :mod:`.core` ``Emulator`` (the Python API), :mod:`.tokens` claims and :func:`clerk_claims`;
* :mod:`.app` ``create_emulator_app`` (Starlette), routes in :mod:`.routes_api`
  and :mod:`.routes_orgs` (Backend API) and :mod:`.routes_emulator` (emulator-only),
  plumbing in :mod:`.http`; organizations in :mod:`.core_orgs` (API),
  :mod:`.organizations` and :mod:`.memberships` (store);
* :mod:`.keys` signing keys / JWKS, :mod:`.store` users and sessions,
  :mod:`.webhooks` Svix-signed delivery, :mod:`.faults` test knobs,
  :mod:`.local_secrets` the persisted secret key and webhook secret.

It knows nothing of the app: ``clerk_app.services.local_emulator`` builds the one the
app mounts in local mode from the app's settings. Only that module and the tests import
this package; a production deployment never does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_emulator_app
    from .core import DEFAULT_WEBHOOK_PATH, Emulator
    from .errors import EmulatorError
    from .faults import Faults
    from .local_secrets import load_local_secrets
    from .tokens import clerk_claims
    from .webhooks import Delivery, WebhookSender

#: Each name, and the module it is imported from on first use: importing the package (or
#: only :mod:`.local_secrets`, as the app does at start-up) loads none of the others.
_EXPORTS = {
    "DEFAULT_WEBHOOK_PATH": ".core",
    "Delivery": ".webhooks",
    "Emulator": ".core",
    "EmulatorError": ".errors",
    "Faults": ".faults",
    "WebhookSender": ".webhooks",
    "clerk_claims": ".tokens",
    "create_emulator_app": ".app",
    "load_local_secrets": ".local_secrets",
}

__all__ = [
    "DEFAULT_WEBHOOK_PATH",
    "Delivery",
    "Emulator",
    "EmulatorError",
    "Faults",
    "WebhookSender",
    "clerk_claims",
    "create_emulator_app",
    "load_local_secrets",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
