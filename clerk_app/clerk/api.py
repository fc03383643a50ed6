"""A small async client for the part of Clerk's Backend API the app uses: reading users
and organizations (the organization calls are in :mod:`clerk_app.clerk.org_api`).

Failure handling is the point of this module:

* every request has a timeout;
* connection errors, timeouts and 5xx are retried a bounded number of times
  with exponential backoff and jitter (reads only, so a retry is always safe);
* 429 waits for ``Retry-After`` (capped) plus jitter and tries again for as
  long as a total time budget allows, so a burst against Clerk's development
  limit (100 requests / 10 s) slows down instead of failing;
* 404 on a user is :class:`UserNotFound`; anything else is
  :class:`ClerkAPIError` carrying the status and Clerk's own error message;
* user ids are checked against Clerk's shape before they reach a URL, so an
  id from a webhook or a form can never rewrite the request path.

``calls`` counts HTTP requests actually sent (retries included): tests use it
to assert "exactly one Backend API call". One instance belongs to one event
loop (it owns an ``httpx.AsyncClient`` unless you pass yours).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from clerk_app.clerk.api_errors import (
    ClerkAPIError,
    OrganizationNotFound,
    UserNotFound,
    error_from,
    retry_after_s,
)
from clerk_app.clerk.org_api import OrganizationCalls

if TYPE_CHECKING:  # imported where used: the first call pays for it, not every start-up
    import httpx

__all__ = ["MAX_PAGE_SIZE", "ClerkAPI", "ClerkAPIError", "OrganizationNotFound", "UserNotFound"]

USER_ID_RE = re.compile(r"user_[A-Za-z0-9]{1,100}")
MAX_PAGE_SIZE = 500
_ORDER_BY_RE = re.compile(r"[+-]?(created_at|updated_at)")


def _check_user_id(user_id: object) -> str:
    if not isinstance(user_id, str) or not USER_ID_RE.fullmatch(user_id):
        raise ValueError(f"not a Clerk user id: {user_id!r}")
    return user_id


class ClerkAPI(OrganizationCalls):
    """Read users and organizations from Clerk's Backend API (or the local emulator)."""

    def __init__(
        self,
        base_url: str,
        secret_key: str,
        *,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        backoff_base_s: float = 0.25,
        backoff_max_s: float = 4.0,
        max_retry_after_s: float = 30.0,
        retry_budget_s: float = 60.0,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        """
        Args:
            base_url: ``https://api.clerk.com`` or the emulator's URL (``/v1`` is appended).
            secret_key: the instance's ``sk_…`` key, sent as a Bearer token.
            timeout_s: per-request timeout.
            max_retries: retries after a connection error, timeout or 5xx.
            max_retry_after_s: cap on one 429 wait, whatever ``Retry-After`` says.
            retry_budget_s: no retry starts if it would end later than this after the call began.
            http_client / transport: inject an ``httpx`` client or transport (tests); a client
                passed in is not closed by :meth:`aclose`.
            sleep / clock / rng: injectable for deterministic tests of the retry policy.
        """
        base = base_url.rstrip("/")
        self.base_url = base[: -len("/v1")] if base.endswith("/v1") else base
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_retry_after_s = max_retry_after_s
        self.retry_budget_s = retry_budget_s
        self._headers = {
            "Authorization": f"Bearer {secret_key}",
            "Accept": "application/json",
            "User-Agent": "clerk-app/0.1 (+httpx)",
        }
        self._owns_client = http_client is None
        if http_client is None:
            import httpx

            http_client = httpx.AsyncClient(transport=transport)
        self._http = http_client
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        #: HTTP requests sent, retries included.
        self.calls = 0

    async def __aenter__(self) -> ClerkAPI:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    # -- public calls -------------------------------------------------------------

    async def get_user(self, user_id: str) -> dict[str, Any]:
        """Clerk's user JSON. Raises :class:`UserNotFound`, ValueError for a malformed id."""
        path = f"/v1/users/{_check_user_id(user_id)}"
        user = await self._get(path, missing=UserNotFound)
        if not isinstance(user, dict) or user.get("id") != user_id:
            raise ClerkAPIError("unexpected user payload", status=200)
        return user

    async def list_users(
        self, *, limit: int = 100, offset: int = 0, order_by: str = "created_at"
    ) -> list[dict[str, Any]]:
        """One page of users, oldest first by default so pages stay stable as users sign up."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        if not _ORDER_BY_RE.fullmatch(order_by):
            raise ValueError(f"unsupported order_by: {order_by!r}")
        params = {"limit": limit, "offset": offset, "order_by": order_by}
        page = await self._get("/v1/users", params=params)
        if isinstance(page, dict):  # newer API versions wrap lists: {"data": [...], ...}
            page = page.get("data")
        if not isinstance(page, list) or not all(isinstance(u, dict) for u in page):
            raise ClerkAPIError("unexpected user list payload", status=200)
        return page

    async def iter_users(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[dict[str, Any]]:
        """Every user, oldest first, fetched ``page_size`` (≤ 500) at a time.

        Offset pages ordered by ``created_at`` ascending: users created meanwhile land
        at the end (and are included); a user deleted meanwhile can shift one user past
        a page boundary, which the next reconcile picks up. Ids are never yielded twice.
        """
        seen: set[str] = set()
        offset = 0
        while True:
            page = await self.list_users(limit=page_size, offset=offset)
            for user in page:
                if user.get("id") not in seen:
                    seen.add(user.get("id"))
                    yield user
            if len(page) < page_size:
                return
            offset += len(page)

    async def count_users(self) -> int:
        body = await self._get("/v1/users/count")
        total = body.get("total_count") if isinstance(body, dict) else None
        if not isinstance(total, int):
            raise ClerkAPIError("unexpected count payload", status=200)
        return total

    # -- transport ----------------------------------------------------------------

    def _backoff_s(self, retry: int) -> float:
        # Exponential with "equal jitter": never less than half the step, so a
        # struggling server always gets some rest, never more than the cap.
        step = min(self.backoff_max_s, self.backoff_base_s * 2**retry)
        return step / 2 + self._rng.uniform(0, step / 2)

    async def _get(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        missing: type[ClerkAPIError] = ClerkAPIError,
    ) -> Any:
        import httpx

        started = self._clock()
        retries = 0
        while True:
            self.calls += 1
            try:
                response = await self._http.get(
                    self.base_url + path,
                    params=params,
                    headers=self._headers,
                    timeout=self.timeout_s,
                )
            except httpx.TimeoutException:
                error = ClerkAPIError(f"no answer within {self.timeout_s:g} s (GET {path})")
                delay = self._backoff_s(retries) if retries < self.max_retries else None
                retries += 1
            except httpx.TransportError as exc:
                error = ClerkAPIError(f"cannot reach Clerk ({type(exc).__name__}: {exc})")
                delay = self._backoff_s(retries) if retries < self.max_retries else None
                retries += 1
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return response.json()
                    except ValueError:
                        raise ClerkAPIError("invalid JSON in response", status=status) from None
                error = error_from(response, missing if status == 404 else ClerkAPIError)
                if status == 429:
                    wait = retry_after_s(response)
                    wait = self._backoff_s(0) if wait is None else wait
                    # Jitter spreads a burst of callers told the same Retry-After.
                    delay = min(wait, self.max_retry_after_s) + self._rng.uniform(
                        0, 4 * self.backoff_base_s
                    )
                elif status >= 500 and status != 501 and retries < self.max_retries:
                    delay = self._backoff_s(retries)
                    retries += 1
                else:
                    delay = None
            if delay is None or self._clock() - started + delay > self.retry_budget_s:
                raise error
            await self._sleep(delay)
