"""The emulator as an ASGI app, mountable anywhere (the Reflex backend mounts it at ``/_clerk``)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from .core import Emulator
from .errors import EmulatorError, not_found
from .http import FaultsMiddleware, error_response
from .routes_api import api_routes
from .routes_emulator import emulator_routes
from .routes_orgs import organization_routes


async def _clerk_http_error(request: Request, exc: Exception) -> JSONResponse:
    # Unknown paths and methods answer in Clerk's format, so a client (or a test)
    # reading ``errors[0].code`` never trips over Starlette's plain-text 404.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return error_response(not_found())
    return error_response(EmulatorError(status, "request_invalid", str(exc)))


def create_emulator_app(emulator: Emulator | None = None, **emulator_kwargs: Any) -> Starlette:
    """A Starlette app serving ``emulator`` (built from ``emulator_kwargs`` when None).

    The emulator is at ``app.state.emulator``.
    """
    if emulator is None:
        emulator = Emulator(**emulator_kwargs)
    elif emulator_kwargs:
        raise TypeError("pass either an Emulator or the arguments to build one, not both")
    app = Starlette(
        routes=[*api_routes(emulator), *organization_routes(emulator), *emulator_routes(emulator)],
        middleware=[Middleware(FaultsMiddleware, emulator=emulator)],
        exception_handlers={HTTPException: _clerk_http_error},
    )
    app.state.emulator = emulator
    return app
