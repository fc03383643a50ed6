"""The backend's own HTTP routes, mounted next to Reflex's websocket.

``rx.App(api_transformer=build_api())``: a dispatcher in front of Reflex's ASGI app
sends these paths to a small Starlette app and everything else, websockets included,
straight to Reflex. (Mounting Reflex under a Starlette app instead would put that
app's routing and middleware frames under every websocket for its whole life: ~3 KiB
per open tab.) What is routed depends on the mode, decided once here:

* ``/api/health``: 200 ``{"status": "ok"}`` when the database answers with its schema
  at head; 503 ``{"status": "unavailable", "database": "down"}`` when it does not
  answer, 503 ``{"status": "unavailable", "schema": "not at head"}`` while migrations
  are pending (load balancers and ``make run`` smoke checks).
* ``/api/webhooks/clerk``: Clerk's (or the emulator's) svix-signed webhooks.
* ``settings.EMULATOR_PATH`` (``/_clerk``): the local Clerk emulator, in local mode only,
  built on its first request (:class:`~clerk_app.services.LazyEmulatorApp`). In clerk
  mode and in production it is simply not routed, so it cannot be reached.

The webhook endpoint, HTTP in, status code out (the event itself is applied by
:mod:`clerk_app.webhooks`, after :mod:`clerk_app.clerk.svix` has verified it):

The request goes through cheap refusals first (no secret configured, declared
size, svix headers), then the body is read with a hard cap, authenticated,
parsed, and only then handed to a worker thread for the (synchronous)
database work, so the event loop never blocks on SQL.

Status codes are chosen for what Svix does with them: any 2xx stops the
retries, anything else is retried with backoff for about a day.

=====  ==============================================================
200    processed, duplicate (already processed), ignored event type,
       or skipped (user without an email address: retrying can't help)
400    malformed request: headers, body encoding, JSON, event shape
401    signature or timestamp does not check out
409    conflicting data (retry later)
413    body over 1 MiB
422    a ``user.*`` event whose data lacks or mistypes a field we use
503    no signing secret configured, or the database is unavailable
=====  ==============================================================

A 500 would only come from a bug; every input we can think of (see
``tests/security/test_hostile_webhooks.py``) maps to one of the above.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from clerk_app import routes, services
from clerk_app.clerk.events import parse_event
from clerk_app.clerk.svix import (
    MAX_BODY_BYTES,
    Rejected,
    check_secret,
    declared_length,
    read_capped,
    svix_headers,
    verify_delivery,
)
from clerk_app.routes import API_WEBHOOK
from clerk_app.settings import EMULATOR_PATH, get_settings
from clerk_app.webhooks import Purger, SessionFactory, Status, Unavailable, apply_event

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger(__name__)


#: The last answer, so a schema left behind is logged once, not on every probe.
_last_state = "ok"


def _database_state() -> str:
    """``"ok"``, ``"down"`` or ``"behind"`` (migrations pending): one small read."""
    global _last_state
    from clerk_app import schema

    try:
        state = schema.check()
    except Exception as exc:  # any driver error means "not healthy"
        logger.warning("health check: database unavailable: %s", type(exc).__name__)
        return "down"
    # "unknown": migrated by a newer version of the app (a rolling deploy): serving is fine.
    answer = "behind" if state == "behind" else "ok"
    if answer == "behind" and _last_state != "behind":
        logger.warning("health check: the database schema is not at head: %s", schema.MIGRATE_HINT)
    _last_state = answer
    return answer


async def health(_request: Request) -> JSONResponse:
    """Liveness plus the one dependency every request needs: the database, migrated."""
    state = await anyio.to_thread.run_sync(_database_state)
    if state == "ok":
        return JSONResponse({"status": "ok"})
    detail = {"schema": "not at head"} if state == "behind" else {"database": "down"}
    return JSONResponse({"status": "unavailable", **detail}, status_code=503)


def build_api() -> Callable[[ASGIApp], ASGIApp]:
    """The transform Reflex applies to its ASGI app (see module docstring)."""
    settings = get_settings()
    api_routes: list[Route | Mount] = [
        Route(routes.API_HEALTH, health, methods=["GET"]),
        webhook_route(services.webhook_signing_secret, path=routes.API_WEBHOOK),
    ]
    exact = {routes.API_HEALTH, routes.API_WEBHOOK}
    prefix = None
    if settings.mode == "local" and not settings.is_production:
        api_routes.append(Mount(EMULATOR_PATH, app=services.LazyEmulatorApp()))
        prefix = EMULATOR_PATH + "/"
    log_webhook_configuration(services.webhook_signing_secret)
    ours = Starlette(routes=api_routes)

    def in_front_of(reflex_app: ASGIApp) -> ASGIApp:
        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "")
            if scope["type"] == "http" and (
                path in exact or (prefix is not None and path.startswith(prefix))
            ):
                await ours(scope, receive, send)
            else:
                await reflex_app(scope, receive, send)

        return dispatch

    return in_front_of


# -- POST /api/webhooks/clerk -------------------------------------------------------------

webhook_logger = logging.getLogger("clerk_app.webhooks")

SecretProvider = Callable[[], str | None]
Endpoint = Callable[[Request], Awaitable[Response]]

MISSING_SECRET = (
    "webhook signing secret is not configured: set CLERK_WEBHOOK_SIGNING_SECRET "
    "to the endpoint's signing secret from Clerk's dashboard"
)
INVALID_SECRET = "webhook signing secret is invalid: expected whsec_<base64> from Clerk's dashboard"
#: Svix retries on its own schedule; this is a hint for other senders.
RETRY_AFTER_S = "30"


def _error(status: int, reason: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers or None)


def _default_session_factory() -> SessionFactory:
    from clerk_app.db import new_session

    return new_session


def webhook_endpoint(
    secret_provider: SecretProvider,
    session_factory: SessionFactory | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    purger: Purger | None = None,
) -> Endpoint:
    """Build the endpoint.

    Args:
        secret_provider: returns the signing secret (``whsec_…``), or None when
            it is not configured; called on every request, so a secret set or
            rotated later is picked up without a restart.
        session_factory: a new SQLModel session per call (default:
            :func:`clerk_app.db.new_session` on the configured database).
        max_body_bytes: the body cap (1 MiB).
        purger: the retention policy for processed ids (default: 30 days,
            pruned at most hourly).
    """
    purge = purger or Purger()

    def sessions() -> SessionFactory:
        return session_factory or _default_session_factory()

    async def clerk_webhook(request: Request) -> Response:
        secret = secret_provider()
        if not secret:
            return _error(503, MISSING_SECRET, **{"Retry-After": RETRY_AFTER_S})
        try:
            check_secret(secret)
        except ValueError:
            webhook_logger.error(INVALID_SECRET)
            return _error(503, INVALID_SECRET, **{"Retry-After": RETRY_AFTER_S})
        try:
            declared_length(request.headers, max_body_bytes)
            headers = svix_headers(request.headers.items())
            body = await read_capped(request.stream(), max_body_bytes)
            delivery = verify_delivery(secret, headers, body)
            event = parse_event(delivery.text)
            factory = sessions()
            result = await anyio.to_thread.run_sync(apply_event, factory, delivery.svix_id, event)
        except Rejected as exc:
            webhook_logger.info("webhook rejected (%d): %s", exc.status, exc.reason)
            return _error(exc.status, exc.reason)
        except Unavailable:
            return _error(
                503, "database unavailable; retry later", **{"Retry-After": RETRY_AFTER_S}
            )
        background = None
        if result.status is Status.PROCESSED and purge.due():
            background = BackgroundTask(anyio.to_thread.run_sync, purge.run, factory)
        payload = {"status": result.status.value}
        if result.detail:
            payload["detail"] = result.detail
        return JSONResponse(payload, background=background)

    return clerk_webhook


def webhook_route(
    secret_provider: SecretProvider,
    session_factory: SessionFactory | None = None,
    *,
    path: str = API_WEBHOOK,
    max_body_bytes: int = MAX_BODY_BYTES,
    purger: Purger | None = None,
) -> Route:
    """The endpoint as a Starlette ``Route`` (POST only) at ``/api/webhooks/clerk``."""
    endpoint = webhook_endpoint(
        secret_provider, session_factory, max_body_bytes=max_body_bytes, purger=purger
    )
    return Route(path, endpoint, methods=["POST"], name="clerk_webhook")


def log_webhook_configuration(secret_provider: SecretProvider) -> bool:
    """Log, at start-up, whether the endpoint can work; ``True`` when it can.

    Without a secret the endpoint answers 503 to every delivery (it never
    accepts unsigned data); the warning says what to set.
    """
    secret = secret_provider()
    if not secret:
        webhook_logger.warning("POST %s will answer 503: %s", API_WEBHOOK, MISSING_SECRET)
        return False
    try:
        check_secret(secret)
    except ValueError:
        webhook_logger.error("POST %s will answer 503: %s", API_WEBHOOK, INVALID_SECRET)
        return False
    webhook_logger.info("POST %s is ready (signing secret configured)", API_WEBHOOK)
    return True
