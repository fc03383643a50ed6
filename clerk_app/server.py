"""The backend's own HTTP routes, mounted next to Reflex's websocket.

``rx.App(api_transformer=build_api())``: Reflex mounts its ASGI app under this
Starlette app, so these routes answer first and everything else falls through to
Reflex. What is mounted depends on the mode, decided once here:

* ``/api/health``: 200 ``{"status": "ok"}`` when the database answers with its schema
  at head; 503 ``{"status": "unavailable", "database": "down"}`` when it does not
  answer, 503 ``{"status": "unavailable", "schema": "not at head"}`` while migrations
  are pending (load balancers and ``make run`` smoke checks).
* ``/api/webhooks/clerk``: Clerk's (or the emulator's) svix-signed webhooks.
* ``settings.EMULATOR_PATH`` (``/_clerk``): the local Clerk emulator, in local mode only.
  In clerk mode and in production it is simply not routed, so it cannot be reached.
"""

from __future__ import annotations

import logging

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from clerk_app import routes, services
from clerk_app.settings import EMULATOR_PATH, get_settings

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


def build_api() -> Starlette:
    """The Starlette app Reflex mounts itself under (see module docstring)."""
    from clerk_app.clerk.webhooks import log_webhook_configuration, webhook_route

    settings = get_settings()
    api_routes: list[Route | Mount] = [
        Route(routes.API_HEALTH, health, methods=["GET"]),
        webhook_route(services.webhook_signing_secret, path=routes.API_WEBHOOK),
    ]
    emulator = services.get_local_emulator()
    if emulator is not None and settings.mode == "local" and not settings.is_production:
        from clerk_emulator import create_emulator_app

        api_routes.append(Mount(EMULATOR_PATH, app=create_emulator_app(emulator)))
    log_webhook_configuration(services.webhook_signing_secret)
    return Starlette(routes=api_routes)
