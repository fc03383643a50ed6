"""Data handlers: the guard first, then their own argument checks, then the use case.

Reflex coerces event payloads loosely ("7" becomes 7, a float fits an int), so each
handler checks its argument's shape itself; these tests send what a hand-written
socket client could send. The use cases (``clerk_app.members``) are replaced by
recorders: here we test what reaches them, and that nothing does when it must not.
"""

from __future__ import annotations

import pytest

from clerk_app import members, routes, services
from clerk_app.models import UserPublic, utcnow
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.welcome import WelcomeState
from clerk_app.profile import MAX_FORM_VALUE, check_form
from clerk_app.state.auth import AuthState
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import UIState
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


@pytest.fixture
def emu():
    with emulator() as emu:
        yield emu


@pytest.fixture
def user(emu):
    return emu.create_user("grace@example.com", first_name="Grace", last_name="Hopper")


@pytest.fixture
def signed_in(emu, user, monkeypatch):
    """A tab whose AuthState holds a verified session for ``user``."""
    monkeypatch.setattr(services, "get_verifier", lambda: verifier)
    verifier = verifier_for(emu)

    async def make():
        root = new_tab()
        await call(
            AuthState.set_session, substate(root, AuthState), emu.mint_token(user["id"], azp=ORIGIN)
        )
        return root

    return make


def _profile(**fields) -> UserPublic:
    now = utcnow()
    values = {"id": "id1", "email": "grace@example.com", "created_at": now, "updated_at": now}
    return UserPublic(**{**values, **fields})


@pytest.fixture
def saves(monkeypatch):
    calls: list[tuple[str, dict]] = []

    async def save_profile(user_id, form):
        calls.append((user_id, form))
        return _profile(theme=form.get("theme", "light"), language=form.get("language", "fr")), {}

    monkeypatch.setattr(members, "save_profile", save_profile)
    return calls


# -- profile.check_form -------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        "bio=x",
        7,
        ["bio"],
        None,
        {"bio": ["x"]},
        {"bio": 7},
        {"bio": "x" * (MAX_FORM_VALUE + 1)},
        {"user_id": "user_other"},
        {"clerk_id": "user_other"},
        {"bio": "x", "is_admin": "on"},
        {f"k{i}": "" for i in range(40)},
    ],
)
def test_check_form_refuses_anything_but_known_fields_with_small_strings(form):
    with pytest.raises(ValueError):
        check_form(form)


def test_check_form_reads_an_absent_checkbox_as_off():
    assert check_form({"bio": "hi"}) == {"bio": "hi", "email_notifications": ""}
    assert check_form({"email_notifications": True})["email_notifications"] == "on"


# -- MembersState.save_profile ------------------------------------------------------------


async def test_save_profile_without_a_session_is_refused_and_saves_nothing(saves):
    root = new_tab()
    events = await call(MembersState.save_profile, substate(root, MembersState), {"bio": "x"})
    assert saves == []
    assert any(routes.SIGN_IN in str(e) for e in events)


@pytest.mark.parametrize("form", ["7", 7, [], {"user_id": "user_evil", "bio": "x"}, {"bio": 1}])
async def test_save_profile_refuses_malformed_forms(signed_in, saves, form):
    root = await signed_in()
    await call(MembersState.save_profile, substate(root, MembersState), form)
    assert saves == []


async def test_save_profile_saves_for_the_verified_user_only(signed_in, saves, user):
    root = await signed_in()
    state = substate(root, MembersState)
    await call(
        MembersState.save_profile, state, {"bio": "hello", "theme": "dark", "language": "en"}
    )
    assert saves == [
        (user["id"], {"bio": "hello", "theme": "dark", "language": "en", "email_notifications": ""})
    ]
    ui = substate(root, UIState)
    assert (ui.theme, ui.lang) == ("dark", "en")  # applied at once


async def test_invalid_fields_come_back_as_messages_in_the_users_language(signed_in, monkeypatch):
    root = await signed_in()
    substate(root, UIState)._apply("system", "en")

    async def save_profile(user_id, form):
        return None, {"website": "invalid_url", "bio": "too_long"}

    monkeypatch.setattr(members, "save_profile", save_profile)
    state = substate(root, MembersState)
    await call(MembersState.save_profile, state, {"website": "javascript:alert(1)"})
    assert state.errors["website"] == "Enter a valid http(s) address."
    assert "500" in state.errors["bio"]


# -- WelcomeState.on_load -----------------------------------------------------------------


async def test_welcome_waits_for_the_auth_check_then_syncs_the_verified_user(
    emu, user, monkeypatch
):
    synced: list[str] = []

    async def sync_account(user_id, claims):
        synced.append(user_id)
        return _profile(theme="dark", language="en")

    monkeypatch.setattr(members, "sync_account", sync_account)
    verifier = verifier_for(emu)
    monkeypatch.setattr(services, "get_verifier", lambda: verifier)
    root = new_tab()
    welcome, auth = substate(root, WelcomeState), substate(root, AuthState)

    assert await call(WelcomeState.on_load, welcome) == []  # parked: no answer yet
    assert synced == [] and welcome.status == "waiting"
    queued = await call(AuthState.set_session, auth, emu.mint_token(user["id"], azp=ORIGIN))
    assert WelcomeState.on_load in queued

    events = await call(WelcomeState.on_load, welcome)
    assert synced == [user["id"]]
    assert any(routes.MEMBERS in str(e) for e in events)
    assert substate(root, UIState).lang == "en"


async def test_welcome_sends_a_signed_out_visitor_to_sign_in(monkeypatch):
    root = new_tab()
    await call(AuthState.clear_session, substate(root, AuthState))
    events = await call(WelcomeState.on_load, substate(root, WelcomeState))
    assert any(routes.SIGN_IN in str(e) for e in events)


async def test_welcome_failure_shows_a_message_and_redirects_nowhere(signed_in, monkeypatch):
    async def sync_account(user_id, claims):
        raise members.AccountError("err_clerk_rate_limited")

    monkeypatch.setattr(members, "sync_account", sync_account)
    root = await signed_in()
    welcome = substate(root, WelcomeState)
    events = await call(WelcomeState.on_load, welcome)
    assert welcome.status == "error" and "Clerk" in welcome.error_message
    assert not any(routes.MEMBERS in str(e) for e in events)


# -- LocalAuthState -----------------------------------------------------------------------


@pytest.fixture
def local_emulator(emu, monkeypatch):
    monkeypatch.setattr(services, "get_local_emulator", lambda: emu)
    return emu


@pytest.mark.parametrize(
    "form",
    [
        "email=a@b.c",
        {"email": ["a@b.c"]},
        {"email": "not-an-email"},
        {"email": "a@b.co", "user_id": "user_x"},
        {"email": "a@b.co", "first_name": "x" * 101},
    ],
)
async def test_local_sign_up_refuses_malformed_forms(local_emulator, form):
    root = new_tab()
    state = substate(root, LocalAuthState)
    before = local_emulator.count_users()
    await call(LocalAuthState.sign_up, state, form)
    assert state.error and local_emulator.count_users() == before


async def test_local_sign_up_opens_a_session_and_parks_pages_until_its_token(local_emulator):
    root = new_tab()
    state, auth = substate(root, LocalAuthState), substate(root, AuthState)
    auth.auth_checked = True  # the sign-up page had been checked: signed out
    events = await call(
        LocalAuthState.sign_up, state, {"email": "Lin@Example.com", "first_name": "Lin"}
    )
    assert not state.error
    [created] = local_emulator.list_users(email_address=["lin@example.com"])
    assert created["first_name"] == "Lin"
    assert not auth.auth_checked  # /welcome will wait for the bridge's set_session
    assert any("clerkAppLocalSession.signIn" in str(e) for e in events)
    assert any(routes.WELCOME in str(e) for e in events)


@pytest.mark.parametrize("user_id", [7, "../../v1/users", "user_" + "x" * 200, ["user_x"]])
async def test_local_sign_in_as_refuses_malformed_ids(local_emulator, user_id):
    root = new_tab()
    events = await call(LocalAuthState.sign_in_as, substate(root, LocalAuthState), user_id)
    assert events == []


async def test_local_handlers_do_nothing_outside_local_mode(monkeypatch):
    monkeypatch.setattr(services, "get_local_emulator", lambda: None)
    root = new_tab()
    state = substate(root, LocalAuthState)
    assert await call(LocalAuthState.sign_up, state, {"email": "a@b.co"}) == []
    assert await call(LocalAuthState.sign_in_as, state, "user_abc") == []
    await call(LocalAuthState.load_users, state)
    assert state.users == []


# -- MembersState.forget (identity changed while /members is open) --------------------------


def _on_members(root) -> None:
    from reflex.istate.data import RouterData

    root.router = RouterData.from_router_data(
        {"pathname": routes.MEMBERS, "asPath": routes.MEMBERS}
    )


async def test_a_sign_out_elsewhere_clears_members_and_leaves_the_page(signed_in):
    root = await signed_in()
    _on_members(root)
    page_state = substate(root, MembersState)
    page_state.loaded, page_state.clerk = True, {"email": "grace@example.com"}
    events = await call(AuthState.clear_session, substate(root, AuthState))
    assert MembersState.forget in events
    follow_up = await call(MembersState.forget, page_state)
    assert page_state.clerk == {} and not page_state.loaded
    assert any(f'"{routes.INDEX}"' in str(e) for e in follow_up)


async def test_forget_before_anything_was_shown_leaves_the_work_to_on_load(signed_in):
    root = await signed_in()
    _on_members(root)
    assert await call(MembersState.forget, substate(root, MembersState)) == []
