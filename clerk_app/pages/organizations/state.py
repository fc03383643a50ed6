"""``OrganizationState``: ``/organizations/[slug]``, one organization's page.

* ``on_load`` (after the auth check): :func:`clerk_app.organizations.load_organization`
  with the verified user id and the verified token's active organization. Members see
  the organization and its members; admins also each member's e-mail and the form.
  Anyone else gets one refusal (``refused``), and nothing of the organization is put in
  any var: the browser receives the message and nothing else. A banned or locked
  account gets the suspended state (:mod:`clerk_app.state.account`) and nothing either.
* ``save_organization(form_data)``: the guard, the form's shape, then the use case,
  whose ``UPDATE`` itself checks the admin role. Invalid input → a message under each
  field and nothing saved; the form (uncontrolled) keeps what was typed, as after any
  refusal. The save is a three-way merge (:mod:`clerk_app.form_merge`): the state
  remembers the values the form showed and the stored values they came from, so only
  the fields the admin edited are written, each only while no other admin changed it;
  a field another admin changed meanwhile keeps their value, gets a message saying so,
  and keeps what this admin typed (saving again replaces it deliberately). The form
  re-mounts (``form_key``) only when the stored values differ from what was submitted
  (``example.com`` stored as ``https://example.com``, say); a status line says how it
  went beside the button.

Everything shown belongs to the identity that loaded it: an identity change resets the
state (:meth:`OrganizationState.forget`).
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from clerk_app import i18n, organizations, routes
from clerk_app.members import AccountError
from clerk_app.organizations import (
    CHANGED_ELSEWHERE,
    OrganizationView,
    form_values,
    stored_values,
)
from clerk_app.organizations.form import length_limit
from clerk_app.state.account import refuses_suspended
from clerk_app.state.auth import (
    AuthState,
    NotSignedIn,
    require_user_id,
    verified_active_organization,
)
from clerk_app.state.gate import SignedIn, gated
from clerk_app.state.ui import UIState

logger = logging.getLogger(__name__)


def _unload(state: OrganizationState) -> None:
    state._clear()


class OrganizationState(rx.State):
    loaded: bool = False
    #: Not a member, unknown or deleted (one message for all three); "" otherwise.
    refused: str = ""
    load_error: str = ""
    #: name, slug, image_url, description, website (as shown; "" for none).
    org: dict[str, str] = {}  # noqa: RUF012
    #: The viewer's role (Clerk's key, translated by the page), and whether they may edit.
    role: str = ""
    is_admin: bool = False
    #: clerk_id, name, image_url, role (Clerk's key), and email for an admin's view only.
    members: list[dict[str, str]] = []  # noqa: RUF012
    errors: dict[str, str] = {}  # noqa: RUF012
    status: str = ""
    status_ok: bool = True
    form_key: int = 0
    #: The slug of the organization on screen.
    _slug: str = ""
    #: The form's values as it showed them, and the stored values they came from (the
    #: save's three-way merge; backend only).
    _shown: dict[str, str] = {}  # noqa: RUF012
    _expected: dict[str, Any] = {}  # noqa: RUF012
    #: The values last submitted: a debounced "edited" event still carrying one of them
    #: (typed just before the save) is not an edit, and must not wipe the save's messages.
    _submitted: dict[str, str] = {}  # noqa: RUF012

    @rx.event
    @gated(routes.MEMBERS, signed_out=_unload)
    @refuses_suspended
    async def on_load(self, user: SignedIn):
        slug = self.router.page.params.get("slug", "")
        ui = await self.get_state(UIState)
        if slug != self._slug:  # another organization: nothing of the last one stays
            self._clear()
        try:
            active = await verified_active_organization(self)
            view = await organizations.load_organization(slug, user.user_id, active)
        except AccountError as exc:
            if exc.key == organizations.NOT_FOUND:
                return self._refuse(i18n.text(ui.lang, exc.key))
            logger.warning("organization load failed: %s", exc)
            self.load_error = i18n.text(ui.lang, exc.key)
            return None
        form = not self.loaded or form_values(view) != self._shown_form()
        self._show(view, form=form)
        self.load_error = ""
        return None

    @rx.event
    def field_edited(self, name: str, value: str):
        """Field ``name`` was edited: its message, and the last save's status, go."""
        if not isinstance(name, str) or not isinstance(value, str):
            return
        if self._submitted.get(name) == value:  # the keystrokes before the save, late
            return
        if name in self.errors:
            self.errors = {key: text for key, text in self.errors.items() if key != name}
        if self.status:
            self.status = ""

    @rx.event
    @refuses_suspended
    async def save_organization(self, form_data: dict[str, Any]):
        ui = await self.get_state(UIState)
        try:
            user_id = await require_user_id(self)
            active = await verified_active_organization(self)
        except NotSignedIn:
            return [
                rx.toast.error(i18n.text(ui.lang, "session_expired")),
                rx.redirect(routes.sign_in_url(routes.MEMBERS)),
            ]
        if not self.is_admin or not self._slug:
            return self._report(ui.lang, organizations.NOT_ADMIN, ok=False)
        try:
            form = organizations.check_form(form_data)
        except ValueError as exc:
            logger.info("save_organization refused: %s", exc)
            return self._report(ui.lang, "err_invalid_value", ok=False)
        self._submitted = form
        merge = {"shown": self._shown, "expected": self._expected} if self._expected else {}
        try:
            view, errors = await organizations.save_organization(
                self._slug, user_id, active, form, **merge
            )
        except AccountError as exc:
            if exc.key == organizations.NOT_FOUND:
                return self._refuse(i18n.text(ui.lang, exc.key))
            return self._report(ui.lang, exc.key, ok=False)
        if view is None:
            self.errors = {
                field: i18n.text(ui.lang, f"err_{code}", limit=length_limit(field))
                for field, code in errors.items()
            }
            return self._report(ui.lang, "org_save_failed", ok=False)
        stored = form_values(view)
        if errors:  # changed by another admin: their value stays stored, ours on screen
            self._show(view, form=False)
            self.errors = {
                field: self._changed_elsewhere(ui.lang, stored[field]) for field in errors
            }
            self._shown = {
                key: self._shown.get(key, "") if key in errors else form.get(key, stored[key])
                for key in stored
            }
            self._expected = stored_values(view)
            return self._report(ui.lang, "org_save_conflict", ok=False)
        submitted = {key: form.get(key, shown) for key, shown in self._shown.items()}
        self._show(view, form=stored != submitted)
        self._shown, self._expected = stored, stored_values(view)
        self.errors = {}
        return self._report(ui.lang, "org_saved", ok=True)

    @staticmethod
    def _changed_elsewhere(lang: str, value: str) -> str:
        shown = value if len(value) <= 80 else value[:79] + "…"
        return i18n.text(lang, CHANGED_ELSEWHERE, value=shown or i18n.text(lang, "org_empty_value"))

    @rx.event
    async def forget(self):
        """The identity changed: nothing of the previous user's view may stay."""
        was_showing = self.loaded or self.refused
        self._clear()
        if not was_showing or not self.router.url.path.startswith(routes.ORGANIZATIONS_PREFIX):
            return None
        auth = await self.get_state(AuthState)
        return OrganizationState.on_load if auth.is_signed_in else rx.redirect(routes.INDEX)

    def _refuse(self, message: str) -> None:
        """Nothing of any organization on screen; only why."""
        self._clear()
        self.refused = message

    def _clear(self) -> None:
        """Every var back to its default but ``form_key``, which only grows (the next
        form mounts afresh, never with the last organization's values)."""
        key = self.form_key
        self.reset()
        self.form_key = key

    def _report(self, lang: str, key: str, *, ok: bool) -> None:
        self.status, self.status_ok = i18n.text(lang, key), ok

    def _shown_form(self) -> dict[str, str]:
        return {key: self.org.get(key, "") for key in ("description", "website")}

    def _show(self, view: OrganizationView, *, form: bool) -> None:
        self.org = {
            "name": view.name,
            "slug": view.slug,
            "image_url": view.image_url or "",
            **form_values(view),
        }
        self.role, self.is_admin = view.role, view.is_admin
        self.members = [
            {
                "clerk_id": m.clerk_id,
                "name": m.name,
                "image_url": m.image_url or "",
                "role": m.role,
                **({"email": m.email or ""} if view.is_admin else {}),
            }
            for m in view.members
        ]
        self.refused, self.loaded = "", True
        self._slug = view.slug
        if form:
            self.errors = {}
            self.form_key += 1
            self._shown, self._expected = form_values(view), stored_values(view)


AuthState.on_identity_change(OrganizationState.forget)
