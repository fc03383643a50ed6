"""Clerk webhooks: Svix verification, then the same sync as sign-in, exactly once.

* :mod:`.verify`: body cap, svix headers, signature and timestamp (``svix``).
* :mod:`.events`: strict JSON, event shape, the user fields sync reads.
* :mod:`.processing`: idempotency on ``svix-id`` in the same transaction as
  the change; error policy; retention purge.
* :mod:`.endpoint`: the Starlette endpoint/route and the start-up warning.

The app mounts ``webhook_route(services.webhook_signing_secret)`` (path
``/api/webhooks/clerk``) and calls ``log_webhook_configuration`` at start-up.
"""

from .endpoint import (
    WEBHOOK_PATH,
    SecretProvider,
    log_webhook_configuration,
    webhook_endpoint,
    webhook_route,
)
from .events import ClerkEvent, parse_event
from .processing import RETENTION, Purger, Result, SessionFactory, Status, Unavailable, apply_event
from .verify import MAX_BODY_BYTES, TOLERANCE_S, Rejected, SignedDelivery, verify_delivery

__all__ = [
    "MAX_BODY_BYTES",
    "RETENTION",
    "TOLERANCE_S",
    "WEBHOOK_PATH",
    "ClerkEvent",
    "Purger",
    "Rejected",
    "Result",
    "SecretProvider",
    "SessionFactory",
    "SignedDelivery",
    "Status",
    "Unavailable",
    "apply_event",
    "log_webhook_configuration",
    "parse_event",
    "verify_delivery",
    "webhook_endpoint",
    "webhook_route",
]
