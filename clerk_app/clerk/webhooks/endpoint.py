"""The Starlette endpoint for ``POST /api/webhooks/clerk``: HTTP in, status code out.

The request goes through cheap refusals first (no secret configured, declared
size, svix headers), then the body is read with a hard cap, authenticated,
parsed, and only then handed to a worker thread for the (synchronous)
database work, so the event loop never blocks on SQL.

Status codes are chosen for what Svix does with them: any 2xx stops the
retries, anything else is retried with backoff for about a day.

=====  ==============================================================
200    processed, duplicate (already processed), ignored event type,
       or skipped (user without an email address: retrying can't help)
400    malformed request: headers, body encoding, JSON, event shape
401    signature or timestamp does not check out
409    conflicting data (retry later)
413    body over 1 MiB
422    a ``user.*`` event whose data lacks or mistypes a field we use
503    no signing secret configured, or the database is unavailable
=====  ==============================================================

A 500 would only come from a bug; every input we can think of (see
``tests/security/test_hostile_webhooks.py``) maps to one of the above.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .events import parse_event
from .processing import Purger, SessionFactory, Status, Unavailable, apply_event
from .verify import (
    MAX_BODY_BYTES,
    Rejected,
    check_secret,
    declared_length,
    read_capped,
    svix_headers,
    verify_delivery,
)

logger = logging.getLogger("clerk_app.webhooks")

WEBHOOK_PATH = "/api/webhooks/clerk"
SecretProvider = Callable[[], str | None]
Endpoint = Callable[[Request], Awaitable[Response]]

MISSING_SECRET = (
    "webhook signing secret is not configured: set CLERK_WEBHOOK_SIGNING_SECRET "
    "to the endpoint's signing secret from Clerk's dashboard"
)
INVALID_SECRET = "webhook signing secret is invalid: expected whsec_<base64> from Clerk's dashboard"
#: Svix retries on its own schedule; this is a hint for other senders.
RETRY_AFTER_S = "30"


class _RateLimitedLog:
    """At most ``burst`` log lines per ``window_s``; a flood of junk cannot fill the disk."""

    def __init__(self, burst: int = 20, window_s: float = 60.0) -> None:
        self.burst, self.window_s = burst, window_s
        self._start, self._count, self._dropped = 0.0, 0, 0
        self._lock = threading.Lock()

    def __call__(self, level: int, msg: str, *args: object) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._start >= self.window_s:
                if self._dropped:
                    logger.warning("webhook: %d more rejections not logged", self._dropped)
                self._start, self._count, self._dropped = now, 0, 0
            if self._count >= self.burst:
                self._dropped += 1
                return
            self._count += 1
        logger.log(level, msg, *args)


_log_rejection = _RateLimitedLog()


def _error(status: int, reason: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers or None)


def _default_session_factory() -> SessionFactory:
    from clerk_app.db import new_session

    return new_session


def webhook_endpoint(
    secret_provider: SecretProvider,
    session_factory: SessionFactory | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    purger: Purger | None = None,
) -> Endpoint:
    """Build the endpoint.

    Args:
        secret_provider: returns the signing secret (``whsec_…``), or None when
            it is not configured; called on every request, so a secret set or
            rotated later is picked up without a restart.
        session_factory: a new SQLModel session per call (default:
            :func:`clerk_app.db.new_session` on the configured database).
        max_body_bytes: the body cap (1 MiB).
        purger: the retention policy for processed ids (default: 30 days,
            pruned at most hourly).
    """
    purge = purger or Purger()

    def sessions() -> SessionFactory:
        return session_factory or _default_session_factory()

    async def clerk_webhook(request: Request) -> Response:
        secret = secret_provider()
        if not secret:
            return _error(503, MISSING_SECRET, **{"Retry-After": RETRY_AFTER_S})
        try:
            check_secret(secret)
        except ValueError:
            logger.error(INVALID_SECRET)
            return _error(503, INVALID_SECRET, **{"Retry-After": RETRY_AFTER_S})
        try:
            declared_length(request.headers, max_body_bytes)
            headers = svix_headers(request.headers.items())
            body = await read_capped(request.stream(), max_body_bytes)
            delivery = verify_delivery(secret, headers, body)
            event = parse_event(delivery.text)
            factory = sessions()
            result = await anyio.to_thread.run_sync(apply_event, factory, delivery.svix_id, event)
        except Rejected as exc:
            _log_rejection(logging.INFO, "webhook rejected (%d): %s", exc.status, exc.reason)
            return _error(exc.status, exc.reason)
        except Unavailable:
            return _error(
                503, "database unavailable; retry later", **{"Retry-After": RETRY_AFTER_S}
            )
        background = None
        if result.status is Status.PROCESSED and purge.due():
            background = BackgroundTask(anyio.to_thread.run_sync, purge.run, factory)
        payload = {"status": result.status.value}
        if result.detail:
            payload["detail"] = result.detail
        return JSONResponse(payload, background=background)

    return clerk_webhook


def webhook_route(
    secret_provider: SecretProvider,
    session_factory: SessionFactory | None = None,
    *,
    path: str = WEBHOOK_PATH,
    max_body_bytes: int = MAX_BODY_BYTES,
    purger: Purger | None = None,
) -> Route:
    """The endpoint as a Starlette ``Route`` (POST only) at ``/api/webhooks/clerk``."""
    endpoint = webhook_endpoint(
        secret_provider, session_factory, max_body_bytes=max_body_bytes, purger=purger
    )
    return Route(path, endpoint, methods=["POST"], name="clerk_webhook")


def log_webhook_configuration(secret_provider: SecretProvider) -> bool:
    """Log, at start-up, whether the endpoint can work; ``True`` when it can.

    Without a secret the endpoint answers 503 to every delivery (it never
    accepts unsigned data); the warning says what to set.
    """
    secret = secret_provider()
    if not secret:
        logger.warning("POST %s will answer 503: %s", WEBHOOK_PATH, MISSING_SECRET)
        return False
    try:
        check_secret(secret)
    except ValueError:
        logger.error("POST %s will answer 503: %s", WEBHOOK_PATH, INVALID_SECRET)
        return False
    logger.info("POST %s is ready (signing secret configured)", WEBHOOK_PATH)
    return True
