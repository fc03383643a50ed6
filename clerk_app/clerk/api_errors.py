"""The Backend API client's errors, and reading them from a response."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class ClerkAPIError(Exception):
    """A Backend API call failed.

    Attributes:
        status: HTTP status, or None when no response arrived (timeout, connection error).
        message / long_message / code: from Clerk's ``{"errors": [...]}`` body when present.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        long_message: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message or message
        self.errors = errors or []
        where = f"Clerk API {status}" if status is not None else "Clerk API"
        super().__init__(f"{where}{f' {code}' if code else ''}: {self.long_message}")


class UserNotFound(ClerkAPIError, LookupError):
    """Clerk has no user with this id (404)."""


def error_from(response: httpx.Response, cls: type[ClerkAPIError] = ClerkAPIError) -> ClerkAPIError:
    try:
        errors = response.json().get("errors") or []
        first = errors[0]
        return cls(
            first.get("message") or response.reason_phrase,
            status=response.status_code,
            code=first.get("code"),
            long_message=first.get("long_message"),
            errors=errors,
        )
    except (ValueError, AttributeError, IndexError, TypeError):
        text = response.text[:200].strip() or response.reason_phrase
        return cls(text, status=response.status_code)


def retry_after_s(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or HTTP date), None when absent/garbled."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class OrganizationNotFound(ClerkAPIError, LookupError):
    """Clerk has no organization with this id (404)."""
