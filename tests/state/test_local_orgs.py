"""``LocalOrgState``: local organizations through the verified session only.

Each test drives the handlers the way the backend would for one tab, with a real
emulator and a real verifier: the signed-in user is whoever the verified token says.
The hostile cases send what a hand-written socket client could: another user's
organization to activate, a create form naming another user, malformed payloads.
"""

from __future__ import annotations

import pytest

from clerk_app import i18n, services
from clerk_app.local_organizations import NAME_MAX
from clerk_app.state.auth import REPORT_NOW_JS, AuthState
from clerk_app.state.local_orgs import LocalOrgState
from clerk_app.state.ui import UIState
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


@pytest.fixture
def emu(monkeypatch):
    with emulator() as emu:
        monkeypatch.setattr(services, "get_local_emulator", lambda: emu)
        monkeypatch.setattr(services, "get_verifier", lambda: verifier_for(emu))
        yield emu


@pytest.fixture
def ada(emu):
    return emu.create_user("ada@example.com", first_name="Ada")


@pytest.fixture
def eve(emu):
    return emu.create_user("eve@example.com", first_name="Eve")


async def _tab(emu, user, lang="en"):
    """A tab signed in as ``user`` (a session and its verified token)."""
    root = new_tab()
    substate(root, UIState)._apply("light", lang)
    sid = emu.create_session(user["id"])
    await _report(emu, root, sid)
    return root, sid


async def _report(emu, root, sid):
    """What the bridge does after ``REPORT_NOW_JS``: a fresh token to ``set_session``."""
    await call(AuthState.set_session, substate(root, AuthState), emu.session_token(sid, azp=ORIGIN))


async def test_create_makes_the_user_admin_and_the_verified_token_says_it_is_active(emu, ada):
    root, sid = await _tab(emu, ada)
    state = substate(root, LocalOrgState)
    events = await call(LocalOrgState.create, state, {"name": "Acme", "slug": "acme"})
    assert not state.error
    assert any(REPORT_NOW_JS in str(e) for e in events)  # the bridge is asked for a token
    [org] = state.organizations
    assert (org["name"], org["slug"], org["role"]) == ("Acme", "acme", "org:admin")
    assert state.active_id == ""  # not yet: only a verified token says what is active

    await _report(emu, root, sid)
    await call(LocalOrgState.follow_token, state, None)
    assert (state.active_id, state.active_name, state.active_role) == (
        org["id"],
        "Acme",
        "org:admin",
    )
    assert substate(root, AuthState)._claims["o"] == {
        "id": org["id"],
        "rol": "admin",
        "slg": "acme",
    }
    [membership] = emu.user_memberships(ada["id"])[0]
    assert membership["role"] == "org:admin"


async def test_pick_and_personal_follow_the_token(emu, ada):
    root, sid = await _tab(emu, ada)
    state = substate(root, LocalOrgState)
    await call(LocalOrgState.create, state, {"name": "Beta", "slug": ""})
    await call(LocalOrgState.create, state, {"name": "Alpha", "slug": ""})
    assert [o["name"] for o in state.organizations] == ["Alpha", "Beta"]
    beta = state.organizations[1]["id"]

    await call(LocalOrgState.pick, state, beta)
    await _report(emu, root, sid)
    await call(LocalOrgState.follow_token, state, None)
    assert (state.active_id, state.active_name) == (beta, "Beta")

    await call(LocalOrgState.personal, state)
    await _report(emu, root, sid)
    await call(LocalOrgState.follow_token, state, None)
    assert state.active_id == "" and "o" not in substate(root, AuthState)._claims


async def test_another_users_organization_cannot_be_made_active(emu, ada, eve):
    theirs = emu.create_organization("Ada's", created_by=ada["id"])
    root, sid = await _tab(emu, eve, lang="fr")
    state = substate(root, LocalOrgState)
    for org_id in (theirs["id"], theirs["slug"], "org_doesnotexist", 7, ["x"], "../x"):
        state.error = ""
        events = await call(LocalOrgState.pick, state, org_id)
        assert state.error == i18n.text("fr", "err_org_not_member"), org_id
        assert not any(REPORT_NOW_JS in str(e) for e in events)
    assert emu.store.get_session(sid)["last_active_organization_id"] is None
    assert "o" not in substate(root, AuthState)._claims
    assert emu.list_memberships(theirs["id"])[1] == 1  # still only Ada


@pytest.mark.parametrize(
    "form",
    [
        {"name": "Mine", "created_by": "ADA"},
        {"name": "Mine", "user_id": "ADA"},
        {"name": "Mine", "role": "org:admin"},
        "name=Mine",
        {"name": ["Mine"]},
        {"name": "   "},
        {"name": "x" * (NAME_MAX + 1)},
        {"name": "Mine", "slug": "Not A Slug"},
    ],
)
async def test_malformed_or_hostile_create_forms_create_nothing(emu, ada, eve, form):
    if isinstance(form, dict):
        form = {k: (ada["id"] if v == "ADA" else v) for k, v in form.items()}
    root, _ = await _tab(emu, eve)
    state = substate(root, LocalOrgState)
    await call(LocalOrgState.set_create_open, state, True)
    events = await call(LocalOrgState.create, state, form)
    assert state.error and events == []
    assert emu.list_organizations()[1] == 0
    assert emu.user_memberships(ada["id"])[1] == 0


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_taken_slug_is_said_in_the_users_language(emu, ada, eve, lang):
    emu.create_organization("Acme", slug="acme", created_by=ada["id"])
    root, _ = await _tab(emu, eve, lang=lang)
    state = substate(root, LocalOrgState)
    await call(LocalOrgState.set_create_open, state, True)
    await call(LocalOrgState.create, state, {"name": "Acme", "slug": "acme"})
    assert state.error == i18n.text(lang, "err_org_slug_taken")
    assert state.create_open and emu.list_organizations()[1] == 1


async def test_the_create_form_only_ever_names_the_signed_in_user(emu, ada, eve):
    root, _ = await _tab(emu, eve)
    await call(LocalOrgState.create, substate(root, LocalOrgState), {"name": "Eve's"})
    [org] = emu.list_organizations()[0]
    assert org["created_by"] == eve["id"]
    [member] = emu.list_memberships(org["id"])[0]
    assert member["public_user_data"]["user_id"] == eve["id"]


async def test_signed_out_or_expired_tabs_do_nothing(emu, ada):
    root = new_tab()
    state = substate(root, LocalOrgState)
    assert await call(LocalOrgState.create, state, {"name": "X"}) == []
    assert await call(LocalOrgState.personal, state) == []
    await call(LocalOrgState.load, state)
    assert state.organizations == [] and emu.list_organizations()[1] == 0

    emu.create_organization("Acme", created_by=ada["id"])
    root, _ = await _tab(emu, ada)
    state = substate(root, LocalOrgState)
    await call(LocalOrgState.load, state)
    assert len(state.organizations) == 1
    substate(root, AuthState)._expires_at = 1.0  # the token expired without a refresh
    await call(LocalOrgState.create, state, {"name": "Late"})
    assert state.organizations == [] and emu.list_organizations()[1] == 1


async def test_the_previous_users_organizations_go_on_identity_change(emu, ada):
    assert LocalOrgState.forget in AuthState._identity_listeners
    emu.create_organization("Acme", created_by=ada["id"])
    root, _ = await _tab(emu, ada)
    state = substate(root, LocalOrgState)
    await call(LocalOrgState.load, state)
    await call(LocalOrgState.forget, state)
    assert state.organizations == [] and state.active_id == ""


async def test_nothing_happens_outside_local_mode(monkeypatch):
    monkeypatch.setattr(services, "get_local_emulator", lambda: None)
    root = new_tab()
    state = substate(root, LocalOrgState)
    assert await call(LocalOrgState.create, state, {"name": "X"}) == []
    assert await call(LocalOrgState.pick, state, "org_abc") == []
    assert await call(LocalOrgState.personal, state) == []
    await call(LocalOrgState.load, state)
    assert state.organizations == []
