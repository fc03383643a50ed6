"""Database helpers for tests: a migrated throwaway database and quick reads of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app import db, schema
from clerk_app.models import User
from clerk_app.profile import ProfileUpdate, update_parameters


@contextmanager
def migrated(url: str) -> Iterator[str]:
    """Apply every migration to ``url``; dispose its engines afterwards (before it is dropped)."""
    schema.upgrade(url)
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


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """``with session_scope(url) as session:`` commits on success, rolls back on error."""
    with db.new_session(url) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run(url: str, fn, *args, **kwargs):
    """``fn(session, *args, **kwargs)`` in its own committed transaction; its result."""
    with session_scope(url) as session:
        return fn(session, *args, **kwargs)


def update_profile(session: Session, clerk_id: str, update: ProfileUpdate) -> User | None:
    """The profile save's ``UPDATE`` (:mod:`clerk_app.profile`), in ``session``; ``None``
    for an unknown or deleted user. The caller commits."""
    stmt, params = update_parameters(clerk_id, update.model_dump(exclude_unset=True))
    query = sa.select(User).from_statement(stmt).execution_options(populate_existing=True)
    return session.scalars(query, params).one_or_none()


def new_session(url: str) -> Session:
    return db.new_session(url)
