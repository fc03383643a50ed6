"""Local mode's organizations: the emulator's, for the local switcher (dev only).

The use cases behind :class:`~clerk_app.state.local_orgs.LocalOrgState`, with no state
and no UI. Each takes the *verified* user id (and session id) from the caller, never
from the browser: a user lists their own memberships, creates an organization they
become the admin of, and makes one of their own organizations active in their own
session (Clerk's ``setActive({organization})``); the emulator then puts it in the
session token's ``o`` claim. Refusals raise :class:`LocalOrganizationRefused` with an
i18n key. Nothing here is reachable in clerk mode:
:func:`clerk_app.services.get_local_emulator` is ``None`` there.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from clerk_app import services

logger = logging.getLogger(__name__)

ORG_FIELDS = ("name", "slug")
NAME_MAX = 100
MAX_LISTED = 100
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_ORG_ID_RE = re.compile(r"^org_[A-Za-z0-9]{1,64}$")
#: The emulator's refusals the create form can meet (Clerk error code, parameter).
EMULATOR_ERRORS = {
    ("form_identifier_exists", "slug"): "err_org_slug_taken",
    ("form_param_format_invalid", "slug"): "err_org_slug",
    ("form_param_format_invalid", "name"): "err_org_name",
}


class LocalOrganizationRefused(Exception):
    """An organization action was refused; ``key`` (and ``params``) name the message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def my_organizations(user_id: str) -> list[dict[str, str]]:
    """``user_id``'s organizations as ``{"id", "name", "slug", "role"}``, by name."""
    emulator = services.get_local_emulator()
    if emulator is None or not user_id:
        return []
    try:
        memberships, _ = emulator.user_memberships(user_id, limit=MAX_LISTED)
    except Exception:  # the user is gone: they have no organizations
        return []
    found = [
        {
            "id": m["organization"]["id"],
            "name": m["organization"]["name"],
            "slug": m["organization"]["slug"] or "",
            "role": m["role"],
        }
        for m in memberships
    ]
    return sorted(found, key=lambda item: (item["name"].lower(), item["id"]))


def check_form(form: object) -> tuple[str, str | None]:
    """``(name, slug or None)`` from the create form, or :class:`LocalOrganizationRefused`.

    Only ``name`` and ``slug``: a form carrying anything else (a ``created_by``, a
    ``user_id``…) is refused whole.
    """
    if not isinstance(form, dict) or set(form) - set(ORG_FIELDS):
        raise LocalOrganizationRefused("err_org_name", limit=NAME_MAX)
    name, slug = form.get("name", ""), form.get("slug", "")
    if not isinstance(name, str) or not isinstance(slug, str):
        raise LocalOrganizationRefused("err_org_name", limit=NAME_MAX)
    name, slug = name.strip(), slug.strip().lower()
    if not name or len(name) > NAME_MAX:
        raise LocalOrganizationRefused("err_org_name", limit=NAME_MAX)
    if slug and not _SLUG_RE.match(slug):
        raise LocalOrganizationRefused("err_org_slug")
    return name, slug or None


def create_organization(user_id: str, session_id: str, form: object) -> dict[str, str]:
    """Create an organization with ``user_id`` as its admin and make it active.

    As Clerk's ``<CreateOrganization/>`` does, the new organization becomes the active
    one of the user's session. Returns ``{"id", "name", "slug"}``.
    """
    emulator = services.get_local_emulator()
    if emulator is None or not user_id:
        raise LocalOrganizationRefused("err_org_failed", detail="local mode is off")
    name, slug = check_form(form)
    try:
        org = emulator.create_organization(name, slug=slug, created_by=user_id)
    except Exception as exc:  # the emulator answers like Clerk: a 422 with a code
        raise _refusal(exc) from exc
    set_active(user_id, session_id, org["id"])
    return {"id": org["id"], "name": org["name"], "slug": org["slug"]}


def set_active(user_id: str, session_id: str, organization_id: object) -> None:
    """Make ``organization_id`` (``None``: the personal account) active in the session.

    Refused unless the session is ``user_id``'s and the user is a member.
    """
    emulator = services.get_local_emulator()
    if emulator is None or not user_id or not session_id:
        raise LocalOrganizationRefused("err_org_failed", detail="local mode is off")
    if organization_id is not None and not (
        isinstance(organization_id, str) and _ORG_ID_RE.match(organization_id)
    ):
        raise LocalOrganizationRefused("err_org_not_member")
    try:
        session = emulator.store.get_session(session_id)
    except Exception:
        raise LocalOrganizationRefused("err_org_failed", detail="session ended") from None
    if session.get("user_id") != user_id:
        raise LocalOrganizationRefused("err_org_failed", detail="not your session")
    try:
        emulator.set_active_organization(session_id, organization_id)
    except Exception as exc:
        if getattr(exc, "code", None) == "organization_not_found_or_unauthorized":
            raise LocalOrganizationRefused("err_org_not_member") from None
        raise _refusal(exc) from exc


def _refusal(error: Exception) -> LocalOrganizationRefused:
    code = getattr(error, "code", None)
    meta: Any = getattr(error, "meta", None)
    param = meta.get("param_name") if isinstance(meta, dict) else None
    key = EMULATOR_ERRORS.get((code, param))
    if key is None:
        logger.warning("local organization action refused by the emulator: %s", error)
        return LocalOrganizationRefused("err_org_failed", detail=code or type(error).__name__)
    return LocalOrganizationRefused(key, limit=NAME_MAX)
