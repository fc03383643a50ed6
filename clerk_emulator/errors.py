"""Clerk's error format, raised by the emulator's Python API and served by its HTTP API.

Clerk answers every failure with ``{"errors": [{"message", "long_message",
"code", "meta"}], "clerk_trace_id"}``; the app's client reads ``message`` and
``code`` from there, so the emulator must produce exactly that shape.
"""

from __future__ import annotations

from typing import Any

from .ids import random_base62


class EmulatorError(Exception):
    """A Clerk API error: HTTP status, Clerk error code and messages."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        long_message: str | None = None,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {long_message or message}")
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message or message
        self.meta: dict[str, Any] = {"param_name": param} if param else {}
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        error = {
            "code": self.code,
            "message": self.message,
            "long_message": self.long_message,
            "meta": self.meta,
        }
        return {"errors": [error], "clerk_trace_id": random_base62(32).lower()}


def not_found(what: str = "Resource") -> EmulatorError:
    return EmulatorError(404, "resource_not_found", "not found", f"{what} not found")


def unauthenticated(long_message: str) -> EmulatorError:
    return EmulatorError(401, "authentication_invalid", "Invalid authentication", long_message)


def invalid_param(param: str, long_message: str, code: str = "form_param_format_invalid"):
    return EmulatorError(422, code, "is invalid", long_message, param=param)


def identifier_taken(param: str, what: str) -> EmulatorError:
    return EmulatorError(
        422,
        "form_identifier_exists",
        f"That {what} is taken. Please try another.",
        param=param,
    )


def too_many_requests(retry_after_s: int) -> EmulatorError:
    return EmulatorError(
        429,
        "too_many_requests",
        "Too many requests",
        "Too many requests, please try again later.",
        headers={"Retry-After": str(retry_after_s)},
    )


def server_error(status: int = 500) -> EmulatorError:
    return EmulatorError(
        status,
        "internal_clerk_error",
        "Oops, an unexpected error occurred",
        "There was an internal error on our servers. We've been notified and are working on "
        "fixing it.",
    )
