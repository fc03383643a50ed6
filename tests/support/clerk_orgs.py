"""A small in-memory Backend API for organization tests (an ``httpx.MockTransport``).

Serves what reconcile and /welcome read, in Clerk's shapes: users (bare list, count,
one), organizations and memberships (``{data, total_count}``, ``limit``/``offset``),
one organization, a user's memberships. It can answer 429 (``Retry-After: 0``) or any
error on chosen paths, and records every request.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.support.factories import clerk_membership, clerk_organization, clerk_user


class FakeClerk:
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.orgs: dict[str, dict[str, Any]] = {}
        self.memberships: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        #: ``{path regex: status}``: answer that status instead (once each if ``once``).
        self.failures: dict[str, int] = {}
        self.once: set[str] = set()
        self.throttle_next = 0

    # -- building the state -----------------------------------------------------------------

    def add_user(self, **fields: Any) -> dict[str, Any]:
        user = clerk_user(**fields)
        self.users[user["id"]] = user
        return user

    def add_org(self, **fields: Any) -> dict[str, Any]:
        org = clerk_organization(**fields)
        self.orgs[org["id"]] = org
        return org

    def add_member(self, user: dict, org: dict, role: str = "org:member") -> dict[str, Any]:
        membership = clerk_membership(user, org, role=role)
        self.memberships[membership["id"]] = membership
        return membership

    def remove_org(self, org_id: str) -> None:
        del self.orgs[org_id]
        for key in [k for k, m in self.memberships.items() if m["organization"]["id"] == org_id]:
            del self.memberships[key]

    def fail(self, pattern: str, status: int, *, once: bool = False) -> None:
        self.failures[pattern] = status
        if once:
            self.once.add(pattern)

    def calls_to(self, pattern: str) -> int:
        return sum(1 for r in self.requests if re.fullmatch(pattern, r.url.path))

    # -- answering --------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if self.throttle_next:
            self.throttle_next -= 1
            return _error(429, "too_many_requests", {"Retry-After": "0"})
        for pattern, status in list(self.failures.items()):
            if re.fullmatch(pattern, path):
                if pattern in self.once:
                    del self.failures[pattern]
                return _error(status, "failed")
        limit = int(request.url.params.get("limit", 10))
        offset = int(request.url.params.get("offset", 0))
        if path == "/v1/users":
            return _json(list(self.users.values())[offset : offset + limit])
        if path == "/v1/users/count":
            return _json({"object": "total_count", "total_count": len(self.users)})
        if m := re.fullmatch(r"/v1/users/([^/]+)/organization_memberships", path):
            found = [
                x for x in self.memberships.values() if x["public_user_data"]["user_id"] == m[1]
            ]
            return _page(found, limit, offset)
        if m := re.fullmatch(r"/v1/users/([^/]+)", path):
            return _json(self.users[m[1]]) if m[1] in self.users else _error(404, "not_found")
        if path == "/v1/organizations":
            return _page(list(self.orgs.values()), limit, offset)
        if m := re.fullmatch(r"/v1/organizations/([^/]+)/memberships", path):
            found = [x for x in self.memberships.values() if x["organization"]["id"] == m[1]]
            return _page(found, limit, offset)
        if m := re.fullmatch(r"/v1/organizations/([^/]+)", path):
            return _json(self.orgs[m[1]]) if m[1] in self.orgs else _error(404, "not_found")
        return _error(404, "not_found")


def _json(body: Any) -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(body), headers={"content-type": "application/json"}
    )


def _page(items: list, limit: int, offset: int) -> httpx.Response:
    return _json({"data": items[offset : offset + limit], "total_count": len(items)})


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"errors": [{"code": code, "message": code, "long_message": code}]}
    return httpx.Response(status, json=body, headers=headers)
