"""What a reconcile run records: the action taken on each object."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Action(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    FAILED = "failed"


@dataclass(frozen=True)
class Change:
    action: Action
    clerk_id: str
    detail: str = ""


def brief(exc: BaseException) -> str:
    """The driver's first line, without the SQL and parameters SQLAlchemy appends."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
