"""The Backend API's organization endpoints, behind the secret key like the user routes.

Shapes and defaults follow Clerk: lists answer ``{"data": [...], "total_count": n}``,
``limit`` is 1-500 (default 10), ``offset`` ≥ 0, ``order_by`` defaults to
``-created_at``; ``{organization_id}`` also takes the slug; ``members_count`` is
added when ``include_members_count=true``; deletion answers ``{"id", "object",
"slug", "deleted": true}``; memberships are addressed by the member's user id.
Each mutation goes through :class:`~clerk_emulator.core_orgs.OrganizationsAPI`, so it
sends its webhook.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from . import errors
from .core import Emulator
from .http import MAX_LIMIT, endpoint, int_param, json_body


def _page_params(request: Request) -> dict[str, Any]:
    return {
        "limit": int_param(request, "limit", 10, 1, MAX_LIMIT),
        "offset": int_param(request, "offset", 0, 0, None),
        "order_by": request.query_params.get("order_by", "-created_at"),
    }


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1")


def _listing(found: tuple[list[dict[str, Any]], int]) -> dict[str, Any]:
    data, total = found
    return {"data": data, "total_count": total}


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise errors.invalid_param(name, f"{name} is required.", code="form_param_missing")
    return body[name]


def _values(request: Request, name: str) -> list[str]:
    params = request.query_params
    return params.getlist(name) + params.getlist(f"{name}[]")


def organization_routes(emulator: Emulator) -> list[Route]:
    api = endpoint(emulator)

    @api
    async def organizations(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            body = await json_body(request)
            fields = {k: v for k, v in body.items() if k != "name"}
            # File writes stay off the event loop it may share with the app.
            return await run_in_threadpool(
                emulator.create_organization, _required(body, "name"), **fields
            )
        return _listing(
            emulator.list_organizations(
                **_page_params(request),
                query=request.query_params.get("query", ""),
                include_members_count=_flag(request, "include_members_count"),
            )
        )

    @api
    async def organization(request: Request) -> dict[str, Any]:
        org = request.path_params["org"]
        if request.method == "PATCH":
            body = await json_body(request)
            return await run_in_threadpool(emulator.update_organization, org, **body)
        if request.method == "DELETE":
            return await run_in_threadpool(emulator.delete_organization, org)
        return emulator.get_organization(
            org, include_members_count=_flag(request, "include_members_count")
        )

    @api
    async def memberships(request: Request) -> dict[str, Any]:
        org = request.path_params["org"]
        if request.method == "POST":
            body = await json_body(request)
            user_id, role = _required(body, "user_id"), _required(body, "role")
            if not isinstance(user_id, str):
                raise errors.invalid_param("user_id", "user_id must be a user id.")
            meta = {k: v for k, v in body.items() if k not in ("user_id", "role")}
            return await run_in_threadpool(emulator.create_membership, org, user_id, role, **meta)
        return _listing(
            emulator.list_memberships(
                org,
                **_page_params(request),
                user_ids=_values(request, "user_id"),
                roles=_values(request, "role"),
            )
        )

    @api
    async def membership(request: Request) -> dict[str, Any]:
        org, user_id = request.path_params["org"], request.path_params["user_id"]
        if request.method == "PATCH":
            body = await json_body(request)
            return await run_in_threadpool(emulator.update_membership, org, user_id, **body)
        return await run_in_threadpool(emulator.delete_membership, org, user_id)

    @api
    async def user_memberships(request: Request) -> dict[str, Any]:
        return _listing(
            emulator.user_memberships(request.path_params["user_id"], **_page_params(request))
        )

    return [
        Route("/v1/organizations", organizations, methods=["GET", "POST"]),
        Route("/v1/organizations/{org}", organization, methods=["GET", "PATCH", "DELETE"]),
        Route("/v1/organizations/{org}/memberships", memberships, methods=["GET", "POST"]),
        Route(
            "/v1/organizations/{org}/memberships/{user_id}",
            membership,
            methods=["PATCH", "DELETE"],
        ),
        Route("/v1/users/{user_id}/organization_memberships", user_memberships, methods=["GET"]),
    ]
