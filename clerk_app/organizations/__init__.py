"""The use cases the organization pages call: a user's organizations, one organization's
page, and its admins' form. States call these with the *verified* Clerk user id and the
verified token's active organization; this package knows no state, page or component.

Who sees what (docs/organizations.md):

* :func:`list_user_organizations`: the viewer's live organizations and their role.
* :func:`load_organization`: members only. A non-member, an unknown slug and a deleted
  organization get the same refusal (:data:`NOT_FOUND`), so the answer never tells
  whether an organization exists. Members' e-mail addresses are read only for an admin.
* :func:`save_organization`: admins only, checked inside the ``UPDATE`` itself; from
  the page, a three-way merge (:mod:`clerk_app.form_merge`): only the fields the admin
  edited, each only while nobody else changed it.

The viewer's role comes from our ``organization_membership`` table, or, for the
session's active organization, from the verified token's ``o`` claim (fresher than a
webhook); never from the browser. A banned or locked viewer gets
:class:`~clerk_app.members.AccountSuspended` from each of them: the flags ride along in
the statement that reads the viewer's row anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clerk_app import db
from clerk_app.clerk.organizations import ActiveOrganization
from clerk_app.form_merge import edited_values, expected_params
from clerk_app.members import AccountError, _run, ensure_active
from clerk_app.models import utcnow
from clerk_app.org_models import ADMIN_ROLE
from clerk_app.organizations import statements
from clerk_app.organizations.form import check_form, validate_organization

if TYPE_CHECKING:  # loaded with the first async engine (clerk_app.db.make_async_engine)
    from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "CHANGED_ELSEWHERE",
    "NOT_ADMIN",
    "NOT_FOUND",
    "OrganizationMember",
    "OrganizationSummary",
    "OrganizationView",
    "check_form",
    "form_values",
    "list_user_organizations",
    "load_organization",
    "save_organization",
    "stored_values",
]

#: The one refusal for "unknown", "deleted" and "not a member" (i18n keys).
NOT_FOUND = "err_org_not_found"
NOT_ADMIN = "err_org_not_admin"
#: A field another admin changed since the form showed it (an error code of the form).
CHANGED_ELSEWHERE = "org_changed_elsewhere"


@dataclass(frozen=True, slots=True)
class OrganizationSummary:
    """One of the viewer's organizations, for the /members card."""

    name: str
    slug: str | None
    image_url: str | None
    role: str


@dataclass(frozen=True, slots=True)
class OrganizationMember:
    """One member as an organization's page shows them; ``email`` only for admins."""

    clerk_id: str
    name: str
    image_url: str | None
    role: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class OrganizationView:
    """One organization as its page shows it to the viewer (``role``: theirs)."""

    name: str
    slug: str
    image_url: str | None
    description: str | None
    website: str | None
    role: str
    members: tuple[OrganizationMember, ...]

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN_ROLE


async def _fetch(conn: AsyncConnection, stmt: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in (await conn.execute(stmt, params)).mappings()]


def _role(row: Mapping[str, Any], active: ActiveOrganization | None) -> str | None:
    """The viewer's role: the token's for its active organization, else our table's."""
    if active is not None and row["org_clerk_id"] and active.clerk_id == row["org_clerk_id"]:
        return active.role
    return row["role"]


async def list_user_organizations(user_id: str) -> list[OrganizationSummary]:
    """The viewer's live organizations (by name) and their role; one statement."""
    rows = await _run("err_database", lambda: db.execute_all(statements.LIST, {"viewer": user_id}))
    if rows:
        ensure_active(rows[0])
    return [
        OrganizationSummary(row["name"], row["slug"], row["image_url"], row["role"])
        for row in rows
        if row["name"] is not None
    ]


async def _view_and_members(slug: str, user_id: str, active: ActiveOrganization | None) -> Any:
    """The viewer's row joined to the organization, then (members only) its members, in
    one transaction (a consistent snapshot)."""
    async with db.get_async_engine().connect() as conn, conn.begin():
        rows = await _fetch(conn, statements.VIEW, {"slug": slug, "viewer": user_id})
        if not rows:
            return None, []
        view = rows[0]
        role = _role(view, active) if view["org_id"] else None
        if role is None or view["banned"] or view["locked"]:
            return view, []
        stmt = statements.members_statement(role == ADMIN_ROLE)
        return view, await _fetch(conn, stmt, {"org_id": view["org_id"]})


def _member(row: Mapping[str, Any]) -> OrganizationMember:
    name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
    return OrganizationMember(
        clerk_id=row["clerk_id"],
        name=name or row["username"] or "",
        image_url=row["image_url"],
        role=row["role"],
        email=row.get("email"),
    )


async def load_organization(
    slug: str, user_id: str, active: ActiveOrganization | None
) -> OrganizationView:
    """The organization ``slug`` as ``user_id`` may see it, or ``AccountError(NOT_FOUND)``
    (also for a slug that is not one) or :class:`AccountSuspended`."""
    if not isinstance(slug, str) or not slug or len(slug) > 100:
        raise AccountError(NOT_FOUND)
    view, rows = await _run("err_database", lambda: _view_and_members(slug, user_id, active))
    ensure_active(view)
    role = _role(view, active) if view and view["org_id"] else None
    if view is None or role is None:
        raise AccountError(NOT_FOUND)
    return OrganizationView(
        name=view["name"],
        slug=view["slug"],
        image_url=view["image_url"],
        description=view["description"],
        website=view["website"],
        role=role,
        members=tuple(_member(row) for row in rows),
    )


async def save_organization(
    slug: str,
    user_id: str,
    active: ActiveOrganization | None,
    form: Mapping[str, str],
    *,
    shown: Mapping[str, str] | None = None,
    expected: Mapping[str, Any] | None = None,
) -> tuple[OrganizationView | None, dict[str, str]]:
    """Validate and save (admins only).

    ``form`` has passed :func:`check_form`. Answers ``(view, {})`` when saved, ``(None,
    {field: code})`` when invalid (nothing written), and ``(view, {field:
    CHANGED_ELSEWHERE})`` when, with ``shown`` (the form values the page showed,
    :func:`form_values`) and ``expected`` (the stored values they came from,
    :func:`stored_values`), another admin changed a field this admin edited: that field
    keeps the other admin's value, the other edited fields are saved. Without them,
    every submitted field is written. The admin check and the write are one ``UPDATE``;
    when it writes nothing, the refusal says why: :data:`NOT_FOUND`, :data:`NOT_ADMIN` or
    :class:`AccountSuspended`.
    """
    update, errors = validate_organization(form)
    if update is None:
        return None, errors
    values = update.model_dump(exclude_unset=True)
    guarded = shown is not None and expected is not None
    if guarded:
        values = edited_values(values, form, shown)
    if not values:  # nothing edited: the stored organization is the answer
        view = await load_organization(slug, user_id, active)
        if not view.is_admin:
            raise AccountError(NOT_ADMIN)
        return view, {}
    stmt, params = _save_parameters(slug, user_id, active, values, expected if guarded else None)
    saved = await _run("save_unavailable", lambda: db.execute_one(stmt, params))
    view = await load_organization(slug, user_id, active)  # raises NOT_FOUND, suspended
    if saved is None:
        raise AccountError(NOT_ADMIN)
    return view, {name: CHANGED_ELSEWHERE for name in values if saved[name] != values[name]}


def form_values(view: OrganizationView) -> dict[str, str]:
    """The form's fields as the page shows them ("" for none)."""
    return {"description": view.description or "", "website": view.website or ""}


def stored_values(view: OrganizationView) -> dict[str, str | None]:
    """The form's fields as stored: what a guarded save expects."""
    return {"description": view.description, "website": view.website}


def _save_parameters(
    slug: str,
    user_id: str,
    active: ActiveOrganization | None,
    values: dict[str, Any],
    expected: Mapping[str, Any] | None,
) -> tuple[Any, dict[str, Any]]:
    admin_org = active.clerk_id if active is not None and active.role == ADMIN_ROLE else None
    params = {f"v_{name}": value for name, value in values.items()}
    params |= {"v_updated_at": utcnow(), "b_slug": slug, "viewer": user_id}
    params["active_admin_org"] = admin_org
    if expected is not None:
        params |= expected_params(expected, values)
    return statements.save_statement(tuple(sorted(values)), expected is not None), params
