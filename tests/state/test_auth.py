"""AuthState: the session bridge's entry points and the one guard.

Tokens are real (RS256, minted by the emulator) and verified by the real
TokenVerifier against the emulator's JWKS, served in memory.
"""

from __future__ import annotations

import time

import pytest
from reflex.istate.data import SessionData

from clerk_app import services
from clerk_app.clerk.tokens import MAX_TOKEN_LENGTH
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.welcome import WelcomeState
from clerk_app.state.auth import EXPIRY_LEEWAY_S, AuthState, NotSignedIn, require_user_id
from clerk_app.state.ui import UIState
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


@pytest.fixture
def emu():
    with emulator() as emu:
        yield emu


@pytest.fixture
def verifier(emu, monkeypatch):
    verifier = verifier_for(emu)
    monkeypatch.setattr(services, "get_verifier", lambda: verifier)
    return verifier


@pytest.fixture
def user(emu):
    return emu.create_user("ada@example.com", first_name="Ada")


def _token(emu, user, **options):
    options.setdefault("azp", ORIGIN)
    return emu.mint_token(user["id"], **options)


@pytest.fixture
def tab():
    root = new_tab()
    return root, substate(root, AuthState)


async def test_the_browser_sees_only_is_signed_in_auth_checked_and_suspended(
    tab, emu, user, verifier
):
    root, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    visible = root.dict()[AuthState.get_full_name()]
    assert visible == {
        "auth_checked_rx_state_": True,
        "is_signed_in_rx_state_": True,
        "suspended_rx_state_": False,
    }
    assert auth._verified_user_id() == user["id"]


@pytest.mark.parametrize("payload", [7, None, 1.5, ["a.b.c"], {"token": "a.b.c"}, "", b"a.b.c"])
async def test_set_session_refuses_anything_but_a_token_string(tab, verifier, payload):
    _, auth = tab
    await call(AuthState.set_session, auth, payload)
    assert auth.auth_checked and not auth.is_signed_in
    with pytest.raises(NotSignedIn):
        auth._verified_user_id()
    assert verifier.jwks_fetches == 0


async def test_set_session_refuses_an_oversized_token_before_verifying(tab, verifier):
    _, auth = tab
    await call(AuthState.set_session, auth, "a" * (MAX_TOKEN_LENGTH + 1))
    assert not auth.is_signed_in and verifier.jwks_fetches == 0


@pytest.mark.parametrize(
    "options",
    [
        {"lifetime_s": 60, "now": time.time() - 600},  # expired long ago
        {"azp": "https://evil.example"},  # another site's token
        {"issuer": "https://other-instance.example"},  # another Clerk instance
    ],
    ids=["expired", "foreign-azp", "foreign-iss"],
)
async def test_invalid_tokens_sign_the_tab_out(tab, emu, user, verifier, options):
    _, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    assert auth.is_signed_in
    await call(AuthState.set_session, auth, _token(emu, user, **options))
    assert not auth.is_signed_in
    with pytest.raises(NotSignedIn):
        auth._verified_user_id()


async def test_a_token_not_refreshed_past_its_expiry_is_refused(tab, emu, user, verifier):
    _, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    expiry = auth._expires_at
    assert auth._verified_user_id(now=expiry + EXPIRY_LEEWAY_S - 0.5) == user["id"]
    with pytest.raises(NotSignedIn, match="expired"):
        auth._verified_user_id(now=expiry + EXPIRY_LEEWAY_S + 0.5)


async def test_clear_session_forgets_everything(tab, emu, user, verifier):
    _, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    await call(AuthState.clear_session, auth)
    assert (auth._user_id, auth._session_id, auth._claims, auth.is_signed_in) == ("", "", {}, False)
    assert auth.auth_checked


async def test_the_suspended_notice_goes_with_the_identity_not_with_a_refresh(
    tab, emu, user, verifier
):
    _, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    auth.suspended = True  # what a data handler that met a suspended account sets
    await call(AuthState.set_session, auth, _token(emu, user))  # the token's refresh
    assert auth.suspended
    other = emu.create_user("other@example.com")
    await call(AuthState.set_session, auth, _token(emu, other))
    assert not auth.suspended
    auth.suspended = True
    await call(AuthState.clear_session, auth)
    assert not auth.suspended


async def test_the_guard_is_reachable_from_any_state(tab, emu, user, verifier):
    root, auth = tab
    members = substate(root, MembersState)
    with pytest.raises(NotSignedIn, match="no session"):
        await require_user_id(members)
    await call(AuthState.set_session, auth, _token(emu, user))
    assert await require_user_id(members) == user["id"]


async def test_a_page_waiting_for_the_check_is_queued_by_the_next_report(tab, emu, user, verifier):
    _, auth = tab
    assert auth._wait_for_check(WelcomeState.on_load) is False
    events = await call(AuthState.set_session, auth, _token(emu, user))
    assert WelcomeState.on_load in events
    # identity changed: the preference and members listeners run too
    assert UIState.load_preferences in events and MembersState.forget in events
    assert auth._wait_for_check(WelcomeState.on_load) is True
    # the same user again: nothing to reload, nothing parked
    assert await call(AuthState.set_session, auth, _token(emu, user)) == []


async def test_an_expired_session_waits_for_the_bridge_instead_of_refusing(
    tab, emu, user, verifier
):
    _, auth = tab
    await call(AuthState.set_session, auth, _token(emu, user))
    auth._expires_at = time.time() - 3600  # the tab slept; the bridge will send a fresh token
    assert auth._wait_for_check(WelcomeState.on_load) is False


def _on_socket(root, sid: str) -> None:
    """The tab's events now come over the websocket ``sid`` (a reload, a reconnect)."""
    root.rx_router_session = SessionData(client_token="tab", session_id=sid)


async def test_a_navigation_on_the_same_socket_needs_no_new_report(tab, emu, user, verifier):
    root, auth = tab
    _on_socket(root, "socket-1")
    await call(AuthState.set_session, auth, _token(emu, user))
    assert auth._wait_for_check(MembersState.on_load) is True
    assert auth._wait_for_check(WelcomeState.on_load) is True


async def test_a_new_socket_waits_for_a_fresh_report_and_asks_for_it(tab, emu, user, verifier):
    """A reload after signing out must not load a page with the identity kept in state."""
    root, auth = tab
    _on_socket(root, "socket-1")
    await call(AuthState.set_session, auth, _token(emu, user))
    _on_socket(root, "socket-2")  # reloaded: this socket has not heard from the bridge
    assert auth._wait_for_check(MembersState.on_load) is False
    ask = auth._ask_for_report()
    assert ask is not None and "clerkAppReport" in str(ask.args)
    events = await call(AuthState.clear_session, auth)  # the bridge: signed out meanwhile
    assert MembersState.on_load in events
    assert auth._wait_for_check(MembersState.on_load) is True
    assert not auth.is_signed_in


async def test_a_tab_never_checked_does_not_ask_its_first_report_is_on_its_way(tab):
    _, auth = tab
    assert auth._wait_for_check(MembersState.on_load) is False
    assert auth._ask_for_report() is None


async def test_the_active_organization_comes_from_the_verified_token_and_goes_with_it(
    tab, emu, user, verifier
):
    root, auth = tab
    org = {"id": "org_2acme", "rol": "admin", "slg": "acme"}
    await call(AuthState.set_session, auth, _token(emu, user, claims={"o": org}))
    active = auth._verified_active_org()
    assert (active.clerk_id, active.slug, active.role) == ("org_2acme", "acme", "org:admin")
    assert "org_2acme" not in str(root.dict())  # backend-only
    other = emu.create_user("bob@example.com")
    await call(AuthState.set_session, auth, _token(emu, other))  # another user, no org
    assert auth._verified_active_org() is None
    await call(AuthState.set_session, auth, _token(emu, user, claims={"o": org}))
    await call(AuthState.clear_session, auth)
    assert auth._active_org is None
    with pytest.raises(NotSignedIn):
        auth._verified_active_org()
