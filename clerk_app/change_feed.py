"""Whose data changed, as PostgreSQL tells every worker: a page can know that nothing it
shows has moved without asking the database.

Triggers (migration ``0003_change_feed``) send ``NOTIFY clerk_app_changes`` with a Clerk
user id whenever that user's row or one of their memberships is written, by anyone (a
page, a webhook, reconcile, someone in ``psql``), and :data:`EVERYONE` when an
organization row changes (its name shows on every member's page). Each worker process
listens on one connection of its own (:func:`listen`, a lifespan task) and counts.

:func:`stamp` is that count for one user, tagged with the listening session. A page
keeps the stamp it took *before* it read, and may skip the next read while the stamp
is still the same: nothing it read has been written since, or the notification would
have changed the count. The stamp is ``None`` (read, always) whenever the feed cannot
vouch for anything:

* the database is SQLite (no ``NOTIFY``), or the listener has not started;
* the listening connection was lost: the next session gets a new random tag, so a
  stamp from before the gap never matches one after it (nor one of another worker);
* no proof for :data:`MAX_SILENCE_S`: every :data:`HEARTBEAT_S` the listener notifies
  itself and waits to hear it back. Notifications arrive in commit order, so hearing
  it proves that every notification committed before it was sent has been counted,
  and that notifications reach this connection at all (a pooler in transaction mode
  runs ``LISTEN`` and forwards nothing: the feed then never vouches).

So a write elsewhere reaches a page's next visit as soon as its notification arrives
(milliseconds), and at worst after :data:`MAX_SILENCE_S` if the listener stalls.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

import sqlalchemy as sa

from clerk_app import lean

logger = logging.getLogger(__name__)

CHANNEL = "clerk_app_changes"
#: How the listener subscribes (a constant, so a test can stand in for a pooler).
SUBSCRIBE = f"LISTEN {CHANNEL}"
#: A listener's own heartbeat payloads start with this (never a Clerk id, nor ``*``).
HEARTBEAT = "heartbeat:"
_NOTIFY = "SELECT pg_notify(%s, %s)"
#: The payload that concerns every user (an organization's row changed).
EVERYONE = "*"
HEARTBEAT_S = 2.0
MAX_SILENCE_S = 5.0
#: Users counted per session; past this the session starts afresh (memory stays bounded).
MAX_USERS = 100_000
RETRY_MAX_S = 30.0

Stamp = tuple[str, int, int]


class ChangeFeed:
    """The counts one worker has seen; fed by :func:`listen`, read by :func:`stamp`."""

    def __init__(self) -> None:
        self._session: str | None = None
        self._counts: dict[str, int] = {}
        self._everyone = 0
        self._proven_at = -float("inf")

    def stamp(self, user_id: str) -> Stamp | None:
        """What this worker has seen of ``user_id``'s data; ``None``: it cannot vouch."""
        if self._session is None or time.monotonic() - self._proven_at > MAX_SILENCE_S:
            return None
        return (self._session, self._everyone, self._counts.get(user_id, 0))

    def opened(self) -> str:
        """A new listening session (nothing seen before it counts); its tag. It vouches
        from its first heartbeat heard."""
        self._session = secrets.token_hex(8)
        self._counts.clear()
        self._everyone = 0
        self._proven_at = -float("inf")
        return self._session

    def closed(self) -> None:
        self._session = None

    def changed(self, payload: str) -> None:
        if payload.startswith(HEARTBEAT):  # another worker's
            return
        if payload == EVERYONE:
            self._everyone += 1
        elif payload in self._counts or len(self._counts) < MAX_USERS:
            self._counts[payload] = self._counts.get(payload, 0) + 1
        else:
            self.opened()

    def proven(self, since: float) -> None:
        """Every notification committed before ``since`` (a monotonic time) is counted."""
        self._proven_at = max(self._proven_at, since)


FEED = ChangeFeed()


def stamp(user_id: str) -> Stamp | None:
    """This worker's :meth:`ChangeFeed.stamp` for ``user_id``."""
    return FEED.stamp(user_id)


def conninfo(url: str) -> str | None:
    """The libpq connection string for a PostgreSQL ``url``; ``None`` for anything else."""
    parsed = sa.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def follow(feed: ChangeFeed, target: str) -> None:
    """One listening session on ``target`` (a libpq string), until the connection fails."""
    import psycopg

    conn = await psycopg.AsyncConnection.connect(
        target,
        autocommit=True,
        connect_timeout=max(2, int(HEARTBEAT_S * 2)),
        application_name="clerk_app change feed",
    )
    try:
        await conn.execute(SUBSCRIBE)
        await _check_triggers(conn)
        beat = HEARTBEAT + feed.opened()
        while True:
            sent = time.monotonic()
            await lean.within(lambda: conn.execute(_NOTIFY, (CHANNEL, beat)), HEARTBEAT_S)
            async for note in conn.notifies(timeout=HEARTBEAT_S):
                if note.payload == beat:
                    feed.proven(sent)
                    break
                feed.changed(note.payload)
            else:
                raise TimeoutError("the heartbeat was not heard back")
            async for note in conn.notifies(timeout=HEARTBEAT_S):
                feed.changed(note.payload)
    finally:
        feed.closed()
        conn.pgconn.finish()  # no round trip: the connection may be dead or stalled


async def listen(feed: ChangeFeed = FEED, url: str | None = None) -> None:
    """Keep ``feed`` following the configured database (a lifespan task, one per worker).

    Returns at once on SQLite: the feed then never vouches, and pages always read.
    """
    from clerk_app import db

    target = conninfo(db.resolve_url(url))
    if target is None:
        return
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            await follow(feed, target)
        except Exception as exc:  # lost, refused, stalled: pages read until it is back
            logger.warning("change feed interrupted (%s); pages read every visit", _why(exc))
        if time.monotonic() - started > RETRY_MAX_S:
            delay = 1.0
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_S)


class TriggersMissing(Exception):
    """The database lacks the triggers that notify (its migrations are behind)."""


#: The triggers migration ``0003_change_feed`` creates; without them writes are silent.
TRIGGERS = (
    "clerk_app_user_changed",
    "clerk_app_membership_changed",
    "clerk_app_organization_changed",
)


async def _check_triggers(conn: Any) -> None:
    """The feed vouches for writes only where every write notifies."""
    cursor = await conn.execute(
        "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname = ANY(%s)", (list(TRIGGERS),)
    )
    (found,) = await cursor.fetchone()
    if found != len(TRIGGERS):
        raise TriggersMissing("its triggers are missing: run the migrations")


def _why(exc: Any) -> str:
    if isinstance(exc, TriggersMissing):
        return str(exc)
    return "no answer in time" if isinstance(exc, TimeoutError) else type(exc).__name__
