"""The Backend API's organization calls, mixed into :class:`clerk_app.clerk.api.ClerkAPI`.

Every list Clerk answers here is ``{"data": [...], "total_count": n}``, paged with
``limit`` (≤ 500) and ``offset``; the iterators fetch page after page until a short
page or ``total_count``, and never yield an id twice. Ids are checked against Clerk's
shape before they reach a URL. Retries and 429 waits are the client's (``_get``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from clerk_app.clerk.api_errors import ClerkAPIError, OrganizationNotFound

MAX_PAGE_SIZE = 500
_IDS = {
    "user_": re.compile(r"user_[A-Za-z0-9]{1,100}"),
    "org_": re.compile(r"org_[A-Za-z0-9]{1,100}"),
}

Page = tuple[list[dict[str, Any]], int]


def _checked(value: object, prefix: str) -> str:
    if not isinstance(value, str) or not _IDS[prefix].fullmatch(value):
        raise ValueError(f"not a Clerk {prefix}… id: {value!r}"[:120])
    return value


def _paging(limit: int, offset: int) -> dict[str, Any]:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    return {"limit": limit, "offset": offset}


def _page(body: Any, what: str) -> Page:
    data = body.get("data") if isinstance(body, dict) else None
    total = body.get("total_count") if isinstance(body, dict) else None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ClerkAPIError(f"unexpected {what} list payload", status=200)
    if isinstance(total, bool) or not isinstance(total, int):
        total = len(data)
    return data, total


async def _every(fetch: Callable[[int], Awaitable[Page]], page_size: int) -> AsyncIterator[dict]:
    seen: set[Any] = set()
    offset = 0
    while True:
        items, total = await fetch(offset)
        for item in items:
            if item.get("id") not in seen:
                seen.add(item.get("id"))
                yield item
        offset += len(items)
        if len(items) < page_size or offset >= total:
            return


class OrganizationCalls:
    """Organizations and memberships; needs the host class's ``_get(path, params=…)``."""

    _get: Callable[..., Awaitable[Any]]

    async def list_user_organization_memberships(
        self, user_id: str, *, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> Page:
        """One page of a user's memberships: ``(memberships, total_count)``."""
        path = f"/v1/users/{_checked(user_id, 'user_')}/organization_memberships"
        return _page(await self._get(path, params=_paging(limit, offset)), "membership")

    async def get_user_organization_memberships(
        self, user_id: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> list[dict[str, Any]]:
        """Every membership of a user (one request up to ``page_size`` memberships)."""

        async def fetch(offset: int) -> Page:
            return await self.list_user_organization_memberships(
                user_id, limit=page_size, offset=offset
            )

        return [item async for item in _every(fetch, page_size)]

    async def get_organization(self, org_id: str) -> dict[str, Any]:
        """Clerk's organization JSON. Raises :class:`OrganizationNotFound` (404)."""
        path = f"/v1/organizations/{_checked(org_id, 'org_')}"
        org = await self._get(path, missing=OrganizationNotFound)
        if not isinstance(org, dict) or org.get("id") != org_id:
            raise ClerkAPIError("unexpected organization payload", status=200)
        return org

    async def list_organizations(self, *, limit: int = 100, offset: int = 0) -> Page:
        """One page of organizations, oldest first: ``(organizations, total_count)``."""
        params = _paging(limit, offset) | {"order_by": "created_at"}
        return _page(await self._get("/v1/organizations", params=params), "organization")

    async def iter_organizations(
        self, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[dict[str, Any]]:
        """Every organization, oldest first, ``page_size`` at a time."""

        async def fetch(offset: int) -> Page:
            return await self.list_organizations(limit=page_size, offset=offset)

        async for item in _every(fetch, page_size):
            yield item

    async def list_organization_memberships(
        self, org_id: str, *, limit: int = 100, offset: int = 0
    ) -> Page:
        """One page of an organization's memberships: ``(memberships, total_count)``."""
        path = f"/v1/organizations/{_checked(org_id, 'org_')}/memberships"
        params = _paging(limit, offset) | {"order_by": "created_at"}
        return _page(await self._get(path, params=params), "membership")

    async def iter_organization_memberships(
        self, org_id: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[dict[str, Any]]:
        """Every membership of an organization, ``page_size`` at a time."""

        async def fetch(offset: int) -> Page:
            return await self.list_organization_memberships(org_id, limit=page_size, offset=offset)

        async for item in _every(fetch, page_size):
            yield item
