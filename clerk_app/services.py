"""Process-wide service objects, created lazily from :func:`get_settings`.

Reflex states are re-created per browser tab and must stay small and picklable, so
anything with a connection pool or a key cache lives here instead: one
:class:`TokenVerifier` (its JWKS cache is what makes verification free after warm-up),
one :class:`ClerkAPI`, and in local mode one :class:`Emulator` shared by the HTTP routes
the backend mounts and the local sign-in handlers.

Nothing is created at import time: ``reflex export`` and the unit tests import the app
without any of these existing. :func:`reset_services` drops them (tests that change
settings call it).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_app import routes
from clerk_app.settings import Settings, get_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from clerk_app.clerk.api import ClerkAPI
    from clerk_app.clerk.tokens import TokenVerifier
    from clerk_emulator import Emulator

_lock = threading.Lock()
_verifier: TokenVerifier | None = None
_emulator: Emulator | None = None
# One ClerkAPI per event loop: its httpx client belongs to the loop that created it.
_clerk_apis: dict[int, ClerkAPI] = {}


def get_local_emulator() -> Emulator | None:
    """The in-process Clerk emulator in local mode; ``None`` in clerk mode."""
    global _emulator
    settings = get_settings()
    if settings.mode != "local" or settings.is_production:
        return None
    with _lock:
        if _emulator is None:
            _emulator = local_emulator(settings)
        return _emulator


def local_emulator_app() -> Starlette | None:
    """The emulator's HTTP app, for the backend to mount in local mode; else ``None``."""
    emulator = get_local_emulator()
    if emulator is None:
        return None
    from clerk_emulator import create_emulator_app

    return create_emulator_app(emulator)


class LazyEmulatorApp:
    """:func:`local_emulator_app`, built on its first request: what the backend mounts.

    Start-up (twice per ``reflex run``: the compile process, then the backend worker)
    pays nothing for the emulator: its imports, its keys and its store are loaded by
    whatever needs it first (this app, a local sign-in, a Backend API call).
    """

    def __init__(self) -> None:
        self._app: Starlette | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            app = local_emulator_app()
            if app is None:
                raise RuntimeError("the Clerk emulator only runs in local (development) mode")
            self._app = app
        await self._app(scope, receive, send)


def local_secret_key(settings: Settings) -> str:
    """The emulator's persisted secret key (local mode: what the reconcile command uses)."""
    from clerk_emulator import load_local_secrets

    return load_local_secrets(settings.clerk_emulator_dir)[0]


def local_emulator(settings: Settings) -> Emulator:
    """A new emulator standing in for Clerk in local mode, wired to ``settings``.

    Issuer and Backend API base are ``settings.emulator_url``; keys, secrets and users
    live in ``settings.clerk_emulator_dir``; tokens are for ``settings.authorized_parties``;
    webhooks go to the app's own endpoint, signed with the configured signing secret if
    there is one, else the emulator's persisted one.

    Raises:
        ValueError: the settings are not local mode (Clerk keys set, or production).
    """
    if settings.mode != "local" or settings.is_production:
        raise ValueError("the Clerk emulator only runs in local (development) mode")
    from clerk_emulator import Emulator

    signing = settings.clerk_webhook_signing_secret
    return Emulator(
        issuer=settings.emulator_url,
        data_dir=settings.clerk_emulator_dir,
        authorized_party=settings.authorized_parties,
        webhook_url=settings.backend_url.rstrip("/") + routes.API_WEBHOOK,
        webhook_secret=signing.get_secret_value() if signing else None,
    )


def get_verifier() -> TokenVerifier:
    """The session-token verifier for the configured instance (or the emulator)."""
    global _verifier
    with _lock:
        if _verifier is None:
            from clerk_app.clerk.tokens import TokenVerifier

            settings = get_settings()
            _verifier = TokenVerifier(
                jwks_url=settings.jwks_url,
                issuer=settings.issuer,
                authorized_parties=settings.authorized_parties,
            )
        return _verifier


def get_clerk_api() -> ClerkAPI:
    """The Backend API client: Clerk's in clerk mode, the emulator's in local mode."""
    from clerk_app.clerk.api import ClerkAPI

    try:
        loop_key = id(asyncio.get_running_loop())
    except RuntimeError:
        loop_key = 0
    with _lock:
        api = _clerk_apis.get(loop_key)
    if api is None:
        settings = get_settings()
        if settings.mode == "local":
            emulator = get_local_emulator()
            secret = emulator.secret_key if emulator else ""
        else:
            key = settings.clerk_secret_key
            secret = key.get_secret_value() if key else ""
        api = ClerkAPI(base_url=settings.api_url, secret_key=secret)
        with _lock:
            api = _clerk_apis.setdefault(loop_key, api)
    return api


def webhook_signing_secret() -> str | None:
    """The ``whsec_…`` secret webhooks are checked with (read on every request)."""
    settings = get_settings()
    if settings.clerk_webhook_signing_secret is not None:
        return settings.clerk_webhook_signing_secret.get_secret_value()
    if settings.mode != "local" or settings.is_production:
        return None
    # What the emulator signs with (its persisted secret), without building the emulator.
    return _local_webhook_secret(settings.clerk_emulator_dir)


@functools.cache
def _local_webhook_secret(data_dir: Path) -> str:
    from clerk_emulator.local_secrets import load_local_secrets

    return load_local_secrets(data_dir)[1]


def reset_services() -> None:
    """Forget every service object (tests that swap settings)."""
    global _verifier, _emulator
    with _lock:
        if _emulator is not None:
            _emulator.close()
        _verifier = None
        _emulator = None
        _clerk_apis.clear()
        _local_webhook_secret.cache_clear()
