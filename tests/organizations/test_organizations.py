"""The organization use cases against real databases (SQLite and PostgreSQL).

Rows are inserted directly; the viewer is always a verified Clerk user id, plus the
token's active organization where a test says so.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from clerk_app import organizations as orgs
from clerk_app.clerk.organizations import ActiveOrganization
from clerk_app.members import AccountError, AccountSuspended
from clerk_app.org_models import DESCRIPTION_MAX_LENGTH, Organization
from tests.support.database import migrated, new_session, session_scope
from tests.support.organizations import (
    ADMIN_ROLE,
    MEMBER_ROLE,
    add_member,
    add_organization,
    add_user,
)


@pytest.fixture
def world(database_url, use_database):
    """Acme (Ada admin, Bob member), Globex (Carol admin), Dan in nothing."""
    with migrated(database_url) as url:
        use_database(url)
        acme = add_organization(url, "acme", description="Rockets", website="https://acme.example")
        globex = add_organization(url, "globex")
        ada, bob, carol, dan = (add_user(url, n) for n in ("Ada", "Bob", "Carol", "Dan"))
        add_member(url, acme, ada, ADMIN_ROLE)
        add_member(url, acme, bob, MEMBER_ROLE)
        add_member(url, globex, carol, ADMIN_ROLE)
        add_member(url, globex, bob, MEMBER_ROLE)
        yield (
            {"url": url, "acme": acme, "globex": globex, "ada": ada, "bob": bob},
            (
                carol,
                dan,
            ),
        )


def _org(url: str, slug: str) -> Organization:
    with new_session(url) as session:
        return session.scalars(sa.select(Organization).where(Organization.slug == slug)).one()


def _run(coro):
    return asyncio.run(coro)


def test_a_users_organizations_with_their_role(world):
    w, (_carol, dan) = world
    listed = _run(orgs.list_user_organizations(w["bob"].clerk_id))
    assert [(o.slug, o.role) for o in listed] == [("acme", MEMBER_ROLE), ("globex", MEMBER_ROLE)]
    assert listed[0].name == "Acme" and listed[0].image_url == "https://img.example/acme.png"
    assert [o.slug for o in _run(orgs.list_user_organizations(w["ada"].clerk_id))] == ["acme"]
    assert _run(orgs.list_user_organizations(dan.clerk_id)) == []
    assert _run(orgs.list_user_organizations("user_unknown")) == []


def test_a_deleted_organization_is_listed_nowhere_and_refused_like_an_unknown_one(world):
    w, _ = world
    with session_scope(w["url"]) as session:
        org = session.get(Organization, w["globex"].id)
        org.deleted_at = datetime.now(UTC)
    assert [o.slug for o in _run(orgs.list_user_organizations(w["bob"].clerk_id))] == ["acme"]
    with pytest.raises(AccountError) as refused:
        _run(orgs.load_organization("globex", w["bob"].clerk_id, None))
    assert refused.value.key == orgs.NOT_FOUND


def test_an_admin_sees_every_member_with_their_email(world):
    w, _ = world
    view = _run(orgs.load_organization("acme", w["ada"].clerk_id, None))
    assert view.is_admin and view.role == ADMIN_ROLE
    assert (view.name, view.slug, view.description, view.website) == (
        "Acme",
        "acme",
        "Rockets",
        "https://acme.example",
    )
    assert [(m.clerk_id, m.role, m.email) for m in view.members] == [
        (w["ada"].clerk_id, ADMIN_ROLE, w["ada"].email),  # admins first
        (w["bob"].clerk_id, MEMBER_ROLE, w["bob"].email),
    ]
    assert view.members[1].name == "Bob Test"


def test_a_member_sees_the_members_without_any_email(world):
    w, _ = world
    view = _run(orgs.load_organization("acme", w["bob"].clerk_id, None))
    assert not view.is_admin
    assert [m.clerk_id for m in view.members] == [w["ada"].clerk_id, w["bob"].clerk_id]
    assert all(m.email is None for m in view.members)
    assert w["ada"].email not in repr(view)


@pytest.mark.parametrize("slug", ["acme", "no-such-org", "", "x" * 500, "ACME'--"])
def test_non_members_unknown_and_malformed_slugs_get_the_same_refusal(world, slug):
    _, (carol, _dan) = world
    with pytest.raises(AccountError) as refused:
        _run(orgs.load_organization(slug, carol.clerk_id, None))
    assert refused.value.key == orgs.NOT_FOUND


def test_the_tokens_active_organization_is_a_source_of_the_role(world):
    w, (carol, _dan) = world
    acme = _org(w["url"], "acme")
    # Carol's membership has not reached our database yet; her token says admin of Acme.
    token = ActiveOrganization(clerk_id=acme.clerk_id, slug="acme", role=ADMIN_ROLE)
    view = _run(orgs.load_organization("acme", carol.clerk_id, token))
    assert view.is_admin and all(m.email for m in view.members)
    # The token's active organization says nothing about another one.
    other = ActiveOrganization(
        clerk_id=_org(w["url"], "globex").clerk_id, slug=None, role=ADMIN_ROLE
    )
    with pytest.raises(AccountError):
        _run(orgs.load_organization("acme", carol.clerk_id, other))


def test_an_admin_saves_with_the_profile_forms_url_rules(world):
    w, _ = world
    form = {"description": "  Anvils\r\nand rockets ", "website": "acme.example/about"}
    view, errors = _run(orgs.save_organization("acme", w["ada"].clerk_id, None, form))
    assert errors == {}
    assert (view.description, view.website) == ("Anvils\nand rockets", "https://acme.example/about")
    stored = _org(w["url"], "acme")
    assert (stored.description, stored.website) == (view.description, view.website)
    view, _ = _run(orgs.save_organization("acme", w["ada"].clerk_id, None, {"website": ""}))
    assert view.website is None and view.description == "Anvils\nand rockets"


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({"website": "javascript:alert(1)"}, {"website": "invalid_url"}),
        ({"website": "https://user:pw@acme.example"}, {"website": "invalid_url"}),
        ({"website": "https://acme.example/" + "a" * 90}, {"website": "too_long"}),
        ({"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, {"description": "too_long"}),
        (
            {"description": "evil\u202etxt", "website": "ok.example"},
            {"description": "invalid_characters"},
        ),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(world, form, errors):
    w, _ = world
    view, got = _run(orgs.save_organization("acme", w["ada"].clerk_id, None, form))
    assert view is None and got == errors
    stored = _org(w["url"], "acme")
    assert (stored.description, stored.website) == ("Rockets", "https://acme.example")


def test_a_member_a_non_member_and_another_orgs_admin_cannot_save(world):
    w, (carol, dan) = world
    form = {"description": "pwned"}
    with pytest.raises(AccountError) as refused:
        _run(orgs.save_organization("acme", w["bob"].clerk_id, None, form))
    assert refused.value.key == orgs.NOT_ADMIN
    for outsider in (carol, dan):  # Carol is an admin, of Globex
        with pytest.raises(AccountError) as refused:
            _run(orgs.save_organization("acme", outsider.clerk_id, None, form))
        assert refused.value.key == orgs.NOT_FOUND
    # A token naming Acme with a member role, or another org as admin: still no.
    acme, globex = _org(w["url"], "acme"), _org(w["url"], "globex")
    for active in (
        ActiveOrganization(acme.clerk_id, "acme", MEMBER_ROLE),
        ActiveOrganization(globex.clerk_id, "globex", ADMIN_ROLE),
    ):
        with pytest.raises(AccountError):
            _run(orgs.save_organization("acme", w["bob"].clerk_id, active, form))
    assert _org(w["url"], "acme").description == "Rockets"


def test_the_tokens_admin_role_for_the_active_organization_may_save(world):
    w, (carol, _dan) = world
    acme = _org(w["url"], "acme")
    active = ActiveOrganization(acme.clerk_id, "acme", ADMIN_ROLE)
    view, _ = _run(orgs.save_organization("acme", carol.clerk_id, active, {"description": "new"}))
    assert view.description == "new" == _org(w["url"], "acme").description


def test_a_banned_or_locked_viewer_is_refused_everywhere(world):
    w, _ = world
    for flag in ("banned", "locked"):
        with session_scope(w["url"]) as session:
            session.execute(
                sa.text(f'UPDATE "user" SET {flag} = true WHERE clerk_id = :c'),
                {"c": w["ada"].clerk_id},
            )
        with pytest.raises(AccountSuspended):
            _run(orgs.list_user_organizations(w["ada"].clerk_id))
        with pytest.raises(AccountSuspended):
            _run(orgs.load_organization("acme", w["ada"].clerk_id, None))
        with pytest.raises(AccountSuspended):
            _run(orgs.load_organization("no-such-org", w["ada"].clerk_id, None))
        with pytest.raises(AccountSuspended):
            _run(orgs.save_organization("acme", w["ada"].clerk_id, None, {"description": "x"}))
        assert _org(w["url"], "acme").description == "Rockets"
        with session_scope(w["url"]) as session:
            session.execute(sa.text('UPDATE "user" SET banned = false, locked = false'))


@pytest.mark.parametrize(
    "form", [{}, {"name": "Evil"}, {"slug": "x"}, {"description": 7}, {"website": ["a"]}, "x"]
)
def test_the_form_shape_check_refuses_anything_but_the_two_fields(form):
    with pytest.raises(ValueError):
        orgs.check_form(form)
