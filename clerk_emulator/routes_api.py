"""The Backend API subset: users, email addresses, sessions and JWKS, behind the secret key.

Shapes, defaults and limits follow Clerk: ``GET /v1/users`` answers a bare
JSON array, ``limit`` is 1-500 (default 10), ``order_by`` defaults to
``-created_at``; identifiers are unique; deletion answers
``{"id", "object": "user", "deleted": true}``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from . import errors
from .core import Emulator
from .http import MAX_LIMIT, endpoint, int_param, json_body

_CREATE_FIELDS = {
    "email_address",
    "first_name",
    "last_name",
    "username",
    "password",
    "public_metadata",
    "private_metadata",
    "unsafe_metadata",
    "external_id",
}
# Accepted by Clerk and meaningless here.
_IGNORED_CREATE_FIELDS = {"skip_password_checks", "skip_password_requirement", "skip_legal_checks"}


def _filters(request: Request) -> dict[str, Any]:
    params = request.query_params
    found: dict[str, Any] = {}
    for name in ("user_id", "email_address", "username"):
        values = params.getlist(name) + params.getlist(f"{name}[]")
        if values:
            found[name] = values
    if params.get("query"):
        found["query"] = params["query"]
    return found


def api_routes(emulator: Emulator) -> list[Route]:
    api = endpoint(emulator)

    @api
    async def jwks(request: Request) -> dict[str, Any]:
        return emulator.jwks()

    @api
    async def list_users(request: Request) -> list[dict[str, Any]]:
        return emulator.store.list_users(
            limit=int_param(request, "limit", 10, 1, MAX_LIMIT),
            offset=int_param(request, "offset", 0, 0, None),
            order_by=request.query_params.get("order_by", "-created_at"),
            filters=_filters(request),
        )

    @api
    async def count_users(request: Request) -> dict[str, Any]:
        return {"object": "total_count", "total_count": emulator.count_users(**_filters(request))}

    @api
    async def create_user(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        unknown = set(body) - _CREATE_FIELDS - _IGNORED_CREATE_FIELDS
        if unknown:
            name = sorted(unknown)[0]
            raise errors.invalid_param(
                name,
                f"{name} is not a valid parameter for this request.",
                code="form_param_unknown",
            )
        emails = body.get("email_address") or []
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise errors.invalid_param("email_address", "email_address must be a list of strings.")
        fields = {k: v for k, v in body.items() if k in _CREATE_FIELDS - {"email_address"}}
        # Password hashing and file writes stay off the event loop it may share with the app.
        return await run_in_threadpool(emulator.create_user, emails, **fields)

    @api
    async def user(request: Request) -> dict[str, Any]:
        user_id = request.path_params["user_id"]
        if request.method == "PATCH":
            body = await json_body(request)
            return await run_in_threadpool(emulator.update_user, user_id, **body)
        if request.method == "DELETE":
            return emulator.delete_user(user_id)
        return emulator.get_user(user_id)

    @api
    async def account_flag(request: Request) -> dict[str, Any]:
        action = request.url.path.rsplit("/", 1)[-1]
        flag = "banned" if action in ("ban", "unban") else "locked"
        value = action in ("ban", "lock")
        return emulator.set_account_flag(request.path_params["user_id"], flag, value)

    @api
    async def create_email_address(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        return emulator.add_email_address(
            str(body.get("user_id", "")),
            body.get("email_address", ""),
            primary=bool(body.get("primary", False)),
            verified=bool(body.get("verified", True)),
        )

    @api
    async def sessions(request: Request) -> Any:
        if request.method == "POST":
            body = await json_body(request)
            sid = emulator.create_session(str(body.get("user_id", "")))
            return emulator.store.get_session(sid)
        params = request.query_params
        return emulator.store.list_sessions(
            user_id=params.get("user_id"), status=params.get("status")
        )

    @api
    async def session(request: Request) -> dict[str, Any]:
        return emulator.store.get_session(request.path_params["sid"])

    @api
    async def revoke_session(request: Request) -> dict[str, Any]:
        return emulator.revoke_session(request.path_params["sid"])

    @api
    async def session_token(request: Request) -> dict[str, Any]:
        return {"object": "token", "jwt": emulator.session_token(request.path_params["sid"])}

    return [
        Route("/v1/jwks", jwks),
        Route("/v1/users", list_users, methods=["GET"]),
        Route("/v1/users", create_user, methods=["POST"]),
        Route("/v1/users/count", count_users),
        Route("/v1/users/{user_id}", user, methods=["GET", "PATCH", "DELETE"]),
        *(
            Route(f"/v1/users/{{user_id}}/{action}", account_flag, methods=["POST"])
            for action in ("ban", "unban", "lock", "unlock")
        ),
        Route("/v1/email_addresses", create_email_address, methods=["POST"]),
        Route("/v1/sessions", sessions, methods=["GET", "POST"]),
        Route("/v1/sessions/{sid}", session),
        Route("/v1/sessions/{sid}/revoke", revoke_session, methods=["POST"]),
        Route("/v1/sessions/{sid}/tokens", session_token, methods=["POST"]),
    ]
