"""``LocalOrgState``: local mode's organization switcher (dev only).

It lists the signed-in user's organizations from the emulator, creates one, and
picks the active one (or the personal account), the way Clerk's
``<OrganizationSwitcher/>`` does in clerk mode. Who acts is always
:class:`AuthState`'s verified user and session; the browser only names an
organization, which the emulator refuses unless the user is a member (use cases:
:mod:`clerk_app.local_organizations`).

After a change the bridge is asked for a fresh token at once; the emulator puts the
active organization in its ``o`` claim, :meth:`AuthState.set_session` verifies it, and
:meth:`LocalOrgState.follow_token` then shows what the *verified token* says is active
(not what was asked for). Every handler does nothing outside local mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx

from clerk_app import i18n, local_organizations, services
from clerk_app.clerk.organizations import active_organization
from clerk_app.state.auth import REPORT_NOW_JS, AuthState, NotSignedIn, require_user_id
from clerk_app.state.ui import UIState


class LocalOrgState(rx.State):
    #: The user's organizations: ``{"id", "name", "slug", "role"}``.
    organizations: list[dict[str, str]] = []  # noqa: RUF012
    #: The active organization according to the verified session token ("" = personal).
    active_id: str = ""
    active_name: str = ""
    active_role: str = ""
    error: str = ""
    create_open: bool = False

    @rx.event
    async def load(self):
        """The user's organizations, and the active one from the verified token."""
        await self._load()

    @rx.event
    async def load_on_open(self, is_open: bool):
        """The menu opened: fresh from the emulator (another tab may have changed it)."""
        if is_open is True:
            await self._load()

    @rx.event
    async def follow_token(self, _result: Any = None):
        """After the bridge's fresh report: show what the verified token says is active."""
        await self._load()

    @rx.event
    def forget(self):
        """The identity changed: nothing of the previous user's stays."""
        self._clear()

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = value is True
        self.error = ""

    @rx.event
    async def create(self, form_data: dict):
        """Create an organization (the user becomes its admin) and make it active."""
        if services.get_local_emulator() is None:
            return None
        return await self._act(local_organizations.create_organization, form_data)

    @rx.event
    async def pick(self, organization_id: str):
        """Make one of the user's organizations the active one."""
        if services.get_local_emulator() is None:
            return None
        return await self._act(local_organizations.set_active, organization_id)

    @rx.event
    async def personal(self):
        """Back to the personal account (no active organization)."""
        if services.get_local_emulator() is None:
            return None
        return await self._act(local_organizations.set_active, None)

    # -- internals ----------------------------------------------------------------------

    async def _load(self) -> None:
        if services.get_local_emulator() is None:
            return
        auth = await self.get_state(AuthState)
        try:
            user_id = await require_user_id(auth)
        except NotSignedIn:
            self._clear()
            return
        self.organizations = local_organizations.my_organizations(user_id)
        self._follow(auth._verified_claims())

    async def _act(self, action: Any, argument: Any):
        auth = await self.get_state(AuthState)
        try:
            user_id = await require_user_id(auth)
            action(user_id, auth.session_id, argument)
        except NotSignedIn:
            self._clear()
            return None
        except local_organizations.LocalOrganizationRefused as refused:
            ui = await self.get_state(UIState)
            self.error = i18n.text(ui.lang, refused.key, **refused.params)
            # The create dialog shows it; a refused pick from the menu says it in a toast.
            return None if self.create_open else rx.toast.error(self.error)
        self.error = ""
        self.create_open = False
        self.organizations = local_organizations.my_organizations(user_id)
        # The token the bridge fetches now carries the new ``o`` claim.
        return rx.call_script(REPORT_NOW_JS, callback=LocalOrgState.follow_token)

    def _follow(self, claims: Mapping[str, Any]) -> None:
        active = active_organization(claims)
        known = {org["id"]: org for org in self.organizations}
        if active is None or active.clerk_id not in known:
            self.active_id = self.active_name = self.active_role = ""
            return
        self.active_id = active.clerk_id
        self.active_name = known[active.clerk_id]["name"]
        self.active_role = active.role

    def _clear(self) -> None:
        self.organizations = []
        self.active_id = self.active_name = self.active_role = ""
        self.error = ""
        self.create_open = False


AuthState.on_identity_change(LocalOrgState.forget)
