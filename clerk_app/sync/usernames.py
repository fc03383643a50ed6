"""Usernames for users Clerk gives none: derived from the email, made unique.

``john.doe+x@a.com`` → ``john_doe``; taken → ``john_doe_2`` … ``john_doe_9``, then
``john_doe_<random>``. A stale holder of a Clerk username is renamed with a random
suffix (:func:`with_random_suffix`).
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app.models import User

_T = User.__table__
#: Derived usernames: base part cap; ``_`` + suffix come on top.
DERIVED_USERNAME_MAX = 24
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def derive_username(email: str) -> str:
    """The username base for an email: local part, ``+tag`` dropped, ``[a-z0-9_]``, capped."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    folded = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")[:DERIVED_USERNAME_MAX].strip("_")
    return name or "user"


def with_random_suffix(name: str) -> str:
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(6))
    return f"{name[:DERIVED_USERNAME_MAX]}_{suffix}"


def free_username(session: Session, base: str, attempt: int) -> str:
    """``base``, else the first free of ``base_2`` … ``base_9``, else ``base_<random>``."""
    if attempt > 0:  # a concurrent sign-up took our pick: stop competing for small numbers
        return with_random_suffix(base)
    candidates = [base] + [f"{base}_{n}" for n in range(2, 10)]
    taken = set(session.scalars(sa.select(_T.c.username).where(_T.c.username.in_(candidates))))
    return next((name for name in candidates if name not in taken), with_random_suffix(base))
