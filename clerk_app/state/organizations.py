"""``MyOrganizationsState``: the signed-in user's organizations, for the header and /members.

Loaded after every identity change (one statement; none for a signed-out tab) and again
on each /members visit, inside that page's own ``on_load`` (:func:`list_for`: no event
of its own), so the header knows whether to show Clerk's organization
switcher and /members lists the organizations with the user's role in each. Only the
user's own memberships, read with the verified user id; a suspended account lists none.
"""

from __future__ import annotations

import logging

import reflex as rx

from clerk_app import organizations, routes
from clerk_app.members import AccountError, AccountSuspended
from clerk_app.state.auth import AuthState, NotSignedIn, require_user_id

logger = logging.getLogger(__name__)


class MyOrganizationsState(rx.State):
    #: name, slug, image_url, role (Clerk's key), href ("" without a slug).
    items: list[dict[str, str]] = []  # noqa: RUF012
    #: The user belongs to at least one organization (the header's switcher shows).
    has_any: bool = False

    @rx.event
    async def refresh(self):
        """The identity changed: this user's organizations, or none."""
        try:
            user_id = await require_user_id(self)
        except NotSignedIn:
            self._set([])
            return
        await self._load(user_id)

    async def _load(self, user_id: str) -> None:
        try:
            listed = await organizations.list_user_organizations(user_id)
        except (AccountError, AccountSuspended) as exc:  # list nothing
            logger.info("organizations not listed: %s", exc)
            listed = []
        self._set(
            [
                {
                    "name": org.name,
                    "slug": org.slug or "",
                    "image_url": org.image_url or "",
                    "role": org.role,
                    "href": routes.organization_url(org.slug) if org.slug else "",
                }
                for org in listed
            ]
        )

    def _set(self, items: list[dict[str, str]]) -> None:
        if items != self.get_value("items"):
            self.items = items
        if self.has_any != bool(items):
            self.has_any = bool(items)


async def list_for(state: rx.State, user_id: str) -> None:
    """From another page handler (/members' ``on_load``): the list, fresh, in its event."""
    await (await state.get_state(MyOrganizationsState))._load(user_id)


AuthState.on_identity_change(MyOrganizationsState.refresh)
