"""HTTP plumbing shared by the emulator's routes: Clerk errors, Bearer auth, CORS, faults.

Handlers are plain ``async (request) -> dict | list | Response`` functions
wrapped by :func:`endpoint`, which checks the secret key, turns
:class:`EmulatorError` into Clerk's error body, and adds CORS headers for the
browser-facing emulator routes. :class:`FaultsMiddleware` sits in front of
everything to apply the test knobs and keep the request log.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .core import Emulator
from .errors import EmulatorError, invalid_param, unauthenticated

Handler = Callable[[Request], Awaitable[Any]]
#: Clerk's largest page (``limit``) on list endpoints.
MAX_LIMIT = 500


def error_response(error: EmulatorError) -> JSONResponse:
    return JSONResponse(error.to_json(), status_code=error.status, headers=error.headers)


def route_path(scope: Scope) -> str:
    """The path below the emulator's mount point (``/_clerk/v1/users`` -> ``/v1/users``)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def check_secret(request: Request, emulator: Emulator) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated(
            "Missing or malformed Authorization header: use 'Bearer <secret key>'."
        )
    if not hmac.compare_digest(token.strip().encode(), emulator.secret_key.encode()):
        raise unauthenticated("The provided secret key is invalid.")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body is ``{}``); 400 otherwise."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise EmulatorError(400, "malformed_request", "Request body must be a JSON object.")
    return body


def int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    """The integer query parameter ``name``, ``default`` when absent; Clerk's 422 if bad."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_param(
            name, f"{name} must be an integer {bounds}.", code="form_param_value_invalid"
        )
    return value


def cors_headers(origin: str) -> dict[str, str]:
    return {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "POST, OPTIONS",
        "access-control-allow-headers": "content-type, authorization",
        "access-control-max-age": "600",
        "vary": "Origin",
    }


def allowed_origin(request: Request, emulator: Emulator) -> str | None:
    """The request's Origin, checked against the authorized parties; 403 if foreign."""
    origin = request.headers.get("origin")
    if origin is None:
        return None  # not a browser (a test, the app's backend): no CORS needed
    if origin.rstrip("/") not in emulator.authorized_parties:
        raise EmulatorError(
            403,
            "origin_invalid",
            "Origin not allowed",
            f"{origin} is not an authorized party of this instance.",
        )
    return origin


def endpoint(emulator: Emulator, *, auth: bool = True, cors: bool = False):
    """Wrap a handler: secret-key auth, Clerk error bodies, CORS for browser routes."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            origin = None
            try:
                if cors:
                    origin = allowed_origin(request, emulator)
                if cors and request.method == "OPTIONS":
                    response = Response(status_code=204)  # preflight: headers added below
                else:
                    if auth:
                        check_secret(request, emulator)
                    result = await handler(request)
                    response = result if isinstance(result, Response) else JSONResponse(result)
            except EmulatorError as exc:
                response = error_response(exc)
            if origin:
                response.headers.update(cors_headers(origin))
            return response

        return route

    return wrap


class FaultsMiddleware:
    """Apply ``emulator.faults`` before routing and log (method, path, status)."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            error = await self.emulator.faults.before_request(path)
            if error is not None:
                await error_response(error)(scope, receive, send_logged)
            else:
                await self.app(scope, receive, send_logged)
        finally:
            self.emulator.requests.append((scope["method"], path, status))
