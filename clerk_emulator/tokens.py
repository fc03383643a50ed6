"""Clerk v2 session-token claims, and the custom claims this app configures.

Default claims (Clerk "session token v2"): ``sub``, ``sid``, ``iss``, ``iat``,
``nbf`` (backdated 10 s like Clerk's), ``exp`` (60 s), ``azp`` when there is an
origin, ``fva`` (minutes since first/second factor, -1 when none), ``v: 2``, and
``o`` when the session has an active organization: ``{"id": "org_…", "rol": "admin",
"slg": "acme"}`` (the role key without its ``org:`` prefix; Clerk adds ``per``/``fpm``
only for custom permissions, which the emulator does not have).
Header: ``kid``, ``typ: JWT`` and the session-token category ``cat`` Clerk stamps on
session tokens (:data:`SESSION_TOKEN_HEADER`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .shapes import primary_email

#: Clerk's default session token lifetime.
TOKEN_LIFETIME_S = 60
#: Clerk backdates ``nbf`` so a verifier whose clock runs a little behind accepts the token.
NBF_BACKDATE_S = 10
#: The token category Clerk puts in a session token's header (JWT templates and machine
#: tokens carry others). Spelled here, not imported from the verifier, on purpose.
SESSION_TOKEN_HEADER = {"cat": "cl_B7d4PD111AAA"}


def clerk_claims(user: dict[str, Any]) -> dict[str, Any]:
    """The custom session-token claims this app asks Clerk for (Dashboard → Sessions).

    The same set, configured in Clerk as ``{"email": "{{user.primary_email_address}}",
    "first_name": "{{user.first_name}}", …}``, lets the app sync a user from the
    token alone, without a Backend API call.
    """
    return {
        "email": primary_email(user),
        "first_name": user.get("first_name"),
        "last_name": user.get("last_name"),
        "username": user.get("username"),
        "image_url": user.get("image_url"),
        "primary_email_address_id": user.get("primary_email_address_id"),
        "updated_at": user.get("updated_at"),
    }


def session_claims(
    user: dict[str, Any],
    session: dict[str, Any],
    *,
    issuer: str,
    azp: str | None,
    lifetime_s: int = TOKEN_LIFETIME_S,
    custom: bool = False,
    organization: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    now: float | datetime,
) -> dict[str, Any]:
    """The payload Clerk would sign for ``user`` in ``session`` at ``now``.

    ``organization`` is the ``o`` claim (the active organization); ``custom`` adds
    :func:`clerk_claims`; ``extra`` goes last and may override anything, which is how
    tests build wrong-``iss``/``azp``/``v`` tokens.
    """
    if isinstance(now, datetime):
        now = now.timestamp()
    iat = int(now)
    created = session.get("created_at")
    fva_minutes = max(0, (iat * 1000 - created) // 60_000) if created else 0
    payload: dict[str, Any] = {
        "exp": iat + lifetime_s,
        "fva": [fva_minutes, -1],
        "iat": iat,
        "iss": issuer,
        "nbf": iat - NBF_BACKDATE_S,
        "sid": session["id"],
        "sub": user["id"],
        "v": 2,
    }
    if azp:
        payload["azp"] = azp
    if organization:
        payload["o"] = dict(organization)
    if custom:
        payload.update(clerk_claims(user))
    payload.update(extra or {})
    return payload
