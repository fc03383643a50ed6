"""The organization page's handlers and the suspended state, with real use cases on a
SQLite database and real session tokens (the emulator's, verified by TokenVerifier).

What reaches the use cases is the verified identity and the token's active
organization, never anything from the event; a refusal leaves nothing of the
organization in the state; a suspended account leaves nothing of anything.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from reflex.istate.data import RouterData

from clerk_app import services
from clerk_app.models import User
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.organizations.state import OrganizationState
from clerk_app.state.auth import AuthState
from clerk_app.state.organizations import MyOrganizationsState
from clerk_app.state.ui import UIState
from tests.support.database import migrated, session_scope
from tests.support.organizations import ADMIN_ROLE, MEMBER_ROLE, add_member, add_organization
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


@pytest.fixture
def world(sqlite_database_url, use_database, monkeypatch):
    with migrated(sqlite_database_url) as url, emulator() as emu:
        use_database(url)
        monkeypatch.setattr(services, "get_verifier", lambda: verifier_for(emu))
        acme = add_organization(url, "acme", description="Rockets")
        people = {}
        for name, role in (("ada", ADMIN_ROLE), ("bob", MEMBER_ROLE), ("eve", None)):
            clerk = emu.create_user(f"{name}@example.com", first_name=name.title())
            with session_scope(url) as session:
                row = User(clerk_id=clerk["id"], email=f"{name}@example.com", first_name=name)
                session.add(row)
            if role:
                add_member(url, acme, row, role)
            people[name] = clerk
        yield {"url": url, "emu": emu, "acme": acme, **people}


async def _tab(world, name, *, path="/organizations/acme", claims=None):
    root = new_tab()
    auth = substate(root, AuthState)
    monkey_router(root, path)
    token = world["emu"].mint_token(world[name]["id"], azp=ORIGIN, claims=claims)
    await call(AuthState.set_session, auth, token)
    return root


def monkey_router(root, path: str) -> None:
    """The tab is on ``path`` (what the browser's router_data would say)."""
    slug = path.rsplit("/", 1)[-1]
    data = {"pathname": "/organizations/[slug]", "asPath": path, "query": {"slug": slug}}
    root.router = RouterData.from_router_data(data)
    root.router_data = data


def _org_state(root) -> OrganizationState:
    return substate(root, OrganizationState)


async def test_a_member_sees_the_organization_and_no_email(world):
    root = await _tab(world, "bob")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    assert state.loaded and not state.is_admin and state.role == MEMBER_ROLE
    assert state.org["name"] == "Acme" and state.org["description"] == "Rockets"
    assert {m["clerk_id"] for m in state.members} == {world["ada"]["id"], world["bob"]["id"]}
    assert all("email" not in m for m in state.members)
    assert "ada@example.com" not in str(root.dict())


async def test_an_admin_sees_emails_and_saves_while_a_bad_value_keeps_the_form(world):
    root = await _tab(world, "ada")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    assert state.is_admin and {m["email"] for m in state.members} == {
        "ada@example.com",
        "bob@example.com",
    }
    key = state.form_key
    substate(root, UIState)._apply("light", "en")
    await call(OrganizationState.save_organization, state, {"website": "javascript:x"})
    assert state.errors == {"website": "Enter a valid http(s) address."}
    assert state.form_key == key and not state.status_ok  # the typed values stay
    await call(
        OrganizationState.save_organization, state, {"description": "New", "website": "a.example"}
    )
    assert state.status == "Organization saved." and state.errors == {}
    assert state.org["website"] == "https://a.example" and state.form_key == key + 1


@pytest.mark.parametrize("form", ["x", 7, [], {"name": "Evil"}, {"description": ["x"]}])
async def test_malformed_forms_are_refused_before_the_database(world, form):
    root = await _tab(world, "ada")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    await call(OrganizationState.save_organization, state, form)
    assert not state.status_ok


async def test_a_member_saving_is_refused_and_nothing_changes(world):
    root = await _tab(world, "bob")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    state.is_admin = True  # even if the state were tricked, the UPDATE checks the role
    await call(OrganizationState.save_organization, state, {"description": "pwned"})
    assert not state.status_ok
    with session_scope(world["url"]) as session:
        stored = session.execute(sa.text("SELECT description FROM organization")).scalar()
    assert stored == "Rockets"


async def test_a_non_member_gets_the_refusal_and_nothing_of_the_organization(world):
    root = await _tab(world, "eve")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    assert state.refused and not state.loaded and state.org == {} and state.members == []
    assert "Rockets" not in str(root.dict()) and "Acme" not in str(root.dict())


async def test_the_tokens_active_organization_makes_an_admin(world):
    acme = world["acme"]
    claims = {"o": {"id": acme.clerk_id, "rol": "admin", "slg": "acme"}}
    root = await _tab(world, "eve", claims=claims)
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    assert state.loaded and state.is_admin


async def test_a_suspended_account_gets_only_the_suspended_state_everywhere(world):
    root = await _tab(world, "ada")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    assert state.loaded
    with session_scope(world["url"]) as session:
        session.execute(sa.text('UPDATE "user" SET banned = true'))
    await call(OrganizationState.save_organization, state, {"description": "x"})
    account = substate(root, AuthState)
    assert account.suspended and not state.loaded and state.org == {} and state.members == []
    await call(OrganizationState.on_load, state)
    assert account.suspended and state.org == {}

    members = substate(root, MembersState)
    await call(MembersState.on_load, members)
    assert account.suspended and not members.loaded and members.clerk == {}
    await call(MembersState.save_profile, members, {"bio": "x"})
    assert not members.loaded
    mine = substate(root, MyOrganizationsState)
    await call(MyOrganizationsState.refresh, mine)
    assert mine.items == [] and not mine.has_any

    with session_scope(world["url"]) as session:
        session.execute(sa.text('UPDATE "user" SET banned = false'))
    await call(OrganizationState.on_load, state)
    assert not account.suspended and state.loaded


async def test_my_organizations_lists_the_users_own_with_links(world):
    root = await _tab(world, "bob", path="/members")
    mine = substate(root, MyOrganizationsState)
    await call(MyOrganizationsState.refresh, mine)
    assert mine.has_any and mine.items == [
        {
            "name": "Acme",
            "slug": "acme",
            "image_url": "https://img.example/acme.png",
            "role": MEMBER_ROLE,
            "href": "/organizations/acme",
        }
    ]
    await call(AuthState.clear_session, substate(root, AuthState))
    await call(MyOrganizationsState.refresh, mine)
    assert mine.items == [] and not mine.has_any


async def test_another_admins_save_is_never_overwritten_and_the_typed_value_stays(world):
    root = await _tab(world, "ada")
    state = _org_state(root)
    await call(OrganizationState.on_load, state)
    substate(root, UIState)._apply("light", "en")
    key = state.form_key
    # Another admin saves a new description after Ada's page loaded.
    with session_scope(world["url"]) as session:
        session.execute(sa.text("UPDATE organization SET description = 'Theirs'"))
    form = {"description": "Mine", "website": "mine.example"}
    await call(OrganizationState.save_organization, state, form)
    assert state.errors == {
        "description": "Another admin changed this field meanwhile; it now reads: “Theirs”. "
        "Your text is still here: save again to keep it."
    }
    assert not state.status_ok and state.status.startswith("Not everything was saved")
    assert state.form_key == key  # not re-mounted: "Mine" stays on screen
    assert _stored(world) == ("Theirs", "https://mine.example")
    assert state.org["description"] == "Theirs"  # what a re-mount would show, not now
    # The last keystrokes' debounced "edited" event, arriving after the save, changes
    # nothing; a real edit clears the field's message.
    await call(OrganizationState.field_edited, state, "description", "Mine")
    assert "description" in state.errors and state.status
    await call(OrganizationState.field_edited, state, "description", "Mine!")
    assert "description" not in state.errors and not state.status
    # Saving the same form again replaces it, deliberately; stored == submitted but for
    # the normalised website, so the form re-mounts once to show "https://…".
    await call(OrganizationState.save_organization, state, form)
    assert state.errors == {} and state.status == "Organization saved."
    assert _stored(world) == ("Mine", "https://mine.example")
    assert state.form_key == key + 1
    # A save whose values are stored as typed keeps the form mounted.
    form = {"description": "Mine, again", "website": "https://mine.example"}
    await call(OrganizationState.save_organization, state, form)
    assert state.status == "Organization saved." and state.form_key == key + 1
    assert _stored(world) == ("Mine, again", "https://mine.example")


def _stored(world) -> tuple[str | None, str | None]:
    with session_scope(world["url"]) as session:
        row = session.execute(sa.text("SELECT description, website FROM organization")).one()
        return row.description, row.website
