"""Database helpers for tests: a migrated throwaway database and quick reads of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app import db
from clerk_app.models import User


@contextmanager
def migrated(url: str) -> Iterator[str]:
    """Apply every migration to ``url``; dispose its engines afterwards (before it is dropped)."""
    db.upgrade(url)
    try:
        yield url
    finally:
        db.dispose_engines()


def rows(url: str) -> list[User]:
    """Every ``user`` row, tombstones included, in creation order."""
    with db.new_session(url) as session:
        return list(session.scalars(sa.select(User).order_by(User.created_at, User.id)))


def row(url: str, clerk_id: str) -> User | None:
    with db.new_session(url) as session:
        return session.scalars(sa.select(User).where(User.clerk_id == clerk_id)).one_or_none()


def run(url: str, fn, *args, **kwargs):
    """``fn(session, *args, **kwargs)`` in its own committed transaction; its result."""
    with db.session_scope(url) as session:
        return fn(session, *args, **kwargs)


def new_session(url: str) -> Session:
    return db.new_session(url)
