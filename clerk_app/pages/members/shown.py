"""What /members shows of a stored profile, and what a visit's result depends on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clerk_app import change_feed, i18n
from clerk_app.clerk.users import profile_claims
from clerk_app.models import CLERK_FIELDS, UserPublic
from clerk_app.state.gate import SignedIn


def when(value: datetime | None, lang: str) -> str:
    """A stored time as the page prints it in ``lang``."""
    if value is None:
        return i18n.text(lang, "unknown")
    pattern = "%Y-%m-%d %H:%M UTC" if lang == "en" else "%d/%m/%Y %H:%M UTC"
    return value.strftime(pattern)


def card_key(profile: UserPublic, lang: str) -> tuple:
    """What :func:`read_only_values` depends on."""
    clerk = (getattr(profile, name) for name in CLERK_FIELDS)
    return (lang, profile.created_at, profile.synced_at, *clerk)


def read_only_values(profile: UserPublic, lang: str) -> dict[str, Any]:
    """The page's vars that are not the form: Clerk's card and the account's dates."""
    full_name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
    return {
        "clerk": {
            "email": profile.email or "",
            "first_name": profile.first_name or "",
            "last_name": profile.last_name or "",
            "username": profile.username or "",
            "image_url": profile.image_url or "",
            "full_name": full_name or profile.username or profile.email or "",
        },
        "created_at": when(profile.created_at, lang),
        "synced_at": when(profile.synced_at, lang),
        "loaded": True,
    }


def load_inputs(user: SignedIn) -> tuple | None:
    """What a visit's result depends on: the token's profile claims and what this worker
    has heard of writes to the user's data (:mod:`clerk_app.change_feed`); ``None`` when
    either is unknown (the page then reads)."""
    claims = profile_claims(user.claims)
    stamp = change_feed.stamp(user.user_id)
    return None if claims is None or stamp is None else (stamp, claims)
