"""Applying a verified event to the database: once, atomically, or not at all.

One transaction does three things, in this order:

1. claim the ``svix-id`` (:func:`claim_webhook`: ``INSERT … ON CONFLICT DO NOTHING``
   into ``processed_webhook``); if it was already there this is a redelivery, and we
   stop without writing;
2. apply the event through :mod:`clerk_app.sync` (upsert or tombstone);
3. commit.

Because the claim and the change commit together, a crash between them is
impossible: either both happened (a retry is a duplicate) or neither did (a
retry does the work). Two concurrent deliveries of the same message serialise
on the claim's primary key; the loser sees a duplicate.

Ordering is not our problem here, by design: ``sync_user`` ignores data older
than what is stored and never touches a tombstone, and ``delete_user`` creates
a tombstone even for an unknown user, so any delivery order converges.

Error policy (what Svix should do next):

* ``UserWithoutEmail``: acknowledged (2xx) and logged, nothing written; the
  same payload would fail forever, and a later ``user.updated`` (or reconcile)
  picks the user up once they have an address.
* ``SyncConflict`` (unique values that kept colliding) and other integrity
  errors: 409, so Svix retries later; never a 500.
* ``MemberNotSynced`` (an ``organizationMembership.*`` whose user has no row yet, the
  ``user.created`` still on its way): 409, nothing kept, so Svix retries and the
  retry lands once the user exists.
* ``MembershipMismatch`` (a membership id that names another organization or user
  than the stored one): 422, nothing written.

Hooks (:mod:`clerk_app.hooks`) run after the commit, never for a duplicate.
* The database being unreachable, locked or timing out: :class:`Unavailable`,
  which the endpoint turns into a 503 so Svix retries.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from clerk_app.clerk.events import ClerkEvent
from clerk_app.clerk.svix import Rejected
from clerk_app.hooks import Pending
from clerk_app.models import ProcessedWebhook, utcnow
from clerk_app.sync import MemberNotSynced, MembershipMismatch, SyncConflict, UserWithoutEmail
from clerk_app.sync.statements import insert_for
from clerk_app.webhook_changes import apply_change

logger = logging.getLogger("clerk_app.webhooks")

SessionFactory = Callable[[], Session]

#: Processed ids are kept this long (Svix retries for about a day; manual
#: replays from the dashboard can come later, and are harmless anyway).
RETENTION = timedelta(days=30)
#: The purge runs at most this often per process, after a successful delivery.
PURGE_INTERVAL_S = 3600.0


class Status(enum.StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Result:
    status: Status
    #: What the change did: a ``SyncOutcome`` value, ``"deleted"``, or why it was skipped.
    detail: str | None = None


class Unavailable(Exception):
    """The database could not be reached or used right now; the sender should retry."""


def apply_event(session_factory: SessionFactory, svix_id: str, event: ClerkEvent) -> Result:
    """Apply one verified delivery (blocking; run it in a worker thread).

    Raises:
        Rejected: 409 on a conflict that retrying later may resolve.
        Unavailable: the database is unreachable or failing.
    """
    if not event.handled:
        logger.info("webhook %s: ignoring event type %s", svix_id, event.type)
        return Result(Status.IGNORED, event.type)
    try:
        return _apply(session_factory, svix_id, event)
    except UserWithoutEmail:
        logger.warning(
            "webhook %s: %s for %s has no primary email address; acknowledged, not synced",
            svix_id,
            event.type,
            event.user_id,
        )
        return Result(Status.SKIPPED, "no primary email address")
    except MemberNotSynced as exc:
        logger.info("webhook %s: %s; answering 409 so it is retried", svix_id, exc)
        raise Rejected(409, "the membership's user is not synced yet; retry later") from None
    except MembershipMismatch as exc:
        logger.warning("webhook %s: %s", svix_id, exc)
        raise Rejected(422, "the membership names another organization or user") from None
    except ValueError as exc:  # a field the parser could not check (an embedded id)
        logger.warning("webhook %s: malformed %s: %s", svix_id, event.type, str(exc)[:200])
        raise Rejected(422, f"malformed {event.type}") from None
    except (SyncConflict, sa_exc.IntegrityError) as exc:
        logger.warning("webhook %s: conflict syncing %s: %s", svix_id, event.user_id, _brief(exc))
        raise Rejected(409, "conflicting data; retry later") from None
    except sa_exc.DataError as exc:
        logger.warning("webhook %s: database refused a value: %s", svix_id, _brief(exc))
        raise Rejected(422, "a value was refused by the database") from None
    except sa_exc.SQLAlchemyError as exc:
        # Unreachable, locked, timed out, or misconfigured (e.g. migrations not
        # applied): each is fixed by time or an operator, after which a retry
        # succeeds, so each gets the same answer as an outage.
        logger.error("webhook %s: database unavailable: %s", svix_id, _brief(exc))
        raise Unavailable(_brief(exc)) from None


def _brief(exc: BaseException) -> str:
    """The error class and the driver's first line: no SQL, no bound parameters
    (they would put users' emails in the logs)."""
    cause = getattr(exc, "orig", None) or exc
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(exc).__name__}: {first[:200]}"


def _apply(session_factory: SessionFactory, svix_id: str, event: ClerkEvent) -> Result:
    with session_factory() as session:
        try:
            if not claim_webhook(session, svix_id, event.type):
                session.rollback()
                logger.info("webhook %s: duplicate delivery, already processed", svix_id)
                return Result(Status.DUPLICATE)
            pending = Pending()
            detail = apply_change(session, event, pending)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    pending.fire()
    logger.info("webhook %s: %s %s -> %s", svix_id, event.type, event.user_id, detail)
    return Result(Status.PROCESSED, detail)


class Purger:
    """Opportunistic retention: prune old processed ids at most once per interval.

    Runs after a delivery has been answered-for (committed), in its own
    transaction; a failure is logged and never affects the delivery.
    """

    def __init__(
        self, retention: timedelta = RETENTION, interval_s: float = PURGE_INTERVAL_S
    ) -> None:
        self.retention = retention
        self.interval_s = interval_s
        self._last: float | None = None
        self._lock = threading.Lock()

    def due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < self.interval_s:
                return False
            self._last = now
            return True

    def run(self, session_factory: SessionFactory) -> int:
        try:
            with session_factory() as session:
                removed = prune_processed_webhooks(session, older_than=self.retention)
                session.commit()
        except sa_exc.SQLAlchemyError as exc:
            logger.warning("webhook retention purge failed: %s", exc)
            return 0
        if removed:
            logger.info("webhook retention purge: %d processed ids forgotten", removed)
        return removed


def claim_webhook(session: Session, svix_id: str, event_type: str) -> bool:
    """Record a webhook delivery; ``False`` when this ``svix-id`` was already recorded.

    Call it in the same transaction as the sync it guards, so a delivery that
    fails is not recorded and Svix's retry is processed.
    """
    dialect = session.get_bind().dialect.name
    stmt = (
        insert_for(dialect)(ProcessedWebhook)
        .values(svix_id=svix_id, event_type=event_type, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["svix_id"])
        .returning(ProcessedWebhook.svix_id)
    )
    return session.execute(stmt).first() is not None


def prune_processed_webhooks(session: Session, *, older_than: timedelta = RETENTION) -> int:
    """Forget deliveries older than ``older_than`` (Svix stops retrying after about a day)."""
    cutoff = utcnow() - older_than
    result = session.execute(
        sa.delete(ProcessedWebhook).where(ProcessedWebhook.received_at < cutoff)
    )
    return result.rowcount
