"""The Frontend API's ``/v1/me/organization_*`` lists, which ``<OrganizationSwitcher/>`` reads.

clerk-js (``useOrganizationList``) pages through the signed-in user's memberships,
pending invitations and pending domain suggestions with ``?limit=&offset=`` (and
``paginated=true``); each answer is ``{"response": {"data": [...], "total_count": N}}``.
Memberships come from the directory (the emulator), rendered as the Frontend API serves
them; this instance has no invitations and no verified domains, so the other two lists
are empty, as Clerk's would be. Without a signed-in session Clerk answers 401.
"""

from __future__ import annotations

from typing import Any

from . import resources as res
from .clients import Client, Clients, Reply

MEMBERSHIPS = "/v1/me/organization_memberships"
INVITATIONS = "/v1/me/organization_invitations"
SUGGESTIONS = "/v1/me/organization_suggestions"
#: What clerk-js asks for when it does not say (Clerk's default page size).
DEFAULT_LIMIT = 10


def _bounds(query: dict[str, str]) -> tuple[int, int]:
    try:
        limit = int(query.get("limit") or DEFAULT_LIMIT)
        offset = int(query.get("offset") or 0)
    except ValueError:
        raise Reply(
            422,
            res.clerk_error("form_param_format_invalid", "limit and offset must be integers"),
        ) from None
    return max(1, min(limit, 500)), max(0, offset)


def me_list(
    clients: Clients, client: Client, method: str, path: str, query: dict[str, str]
) -> tuple[int, Any] | None:
    """The answer to ``GET`` of one of the three lists, or None for any other call."""
    if method != "GET" or path not in (MEMBERSHIPS, INVITATIONS, SUGGESTIONS):
        return None
    user = clients.current_user(client)
    if user is None:
        raise Reply(
            401,
            res.clerk_error(
                "authentication_invalid", "Unauthorized request", "You are signed out."
            ),
        )
    if path != MEMBERSHIPS:
        return 200, res.paginated([], 0)
    limit, offset = _bounds(query)
    memberships = clients.directory.organization_memberships(user["id"])
    page = [res.membership(m) for m in memberships[offset : offset + limit]]
    return 200, res.paginated(page, len(memberships))
