"""A session token the backend refuses: a category, one log line, one page, no bounce.

Tokens are real (minted by the emulator, or by a second emulator standing for another
Clerk instance) and go through the real verifier, so the categories follow whatever
reasons the verifier gives today.
"""

from __future__ import annotations

import logging
import types

import httpx
import pytest

from clerk_app import routes, services
from clerk_app.clerk import refusals
from clerk_app.clerk.tokens import InvalidToken, TokenVerifier
from clerk_app.pages import session_refused as refused_module
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.session_refused import GENERIC, WAITING, SessionRefusedState
from clerk_app.pages.welcome import WelcomeState
from clerk_app.state import auth as auth_module
from clerk_app.state.auth import AuthState
from tests.support.reflex_states import (
    ISSUER,
    ORIGIN,
    call,
    emulator,
    new_tab,
    substate,
    verifier_for,
)


@pytest.fixture
def emu():
    with emulator() as emu:
        yield emu


@pytest.fixture
def user(emu):
    return emu.create_user("ada@example.com", first_name="Ada")


@pytest.fixture
def verifier(emu, monkeypatch):
    verifier = verifier_for(emu)
    monkeypatch.setattr(services, "get_verifier", lambda: verifier)
    return verifier


@pytest.fixture(autouse=True)
def _fresh_log_memory(monkeypatch):
    monkeypatch.setattr(auth_module, "_logged_refusals", set())


def _redirect_target(events) -> str:
    [event] = [e for e in events if "_redirect" in str(e)]
    return str(event)


# -- categories -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("unauthorized party", refusals.AUTHORIZED_PARTY),
        ("missing azp", refusals.AUTHORIZED_PARTY),
        ("azp not allowed", refusals.AUTHORIZED_PARTY),  # a wording the verifier may adopt
        ("wrong issuer", refusals.ISSUER),
        ("unknown kid", refusals.SIGNING_KEY),
        ("bad signature", refusals.SIGNING_KEY),
        ("jwks unavailable", refusals.JWKS_UNAVAILABLE),
        ("expired", refusals.CLOCK),
        ("not yet valid", refusals.CLOCK),
        ("not a session token", refusals.OTHER),
        ("bad typ", refusals.OTHER),
        ("malformed", refusals.OTHER),
    ],
)
def test_reasons_map_to_the_setting_to_check(reason, category):
    assert refusals.categorize(InvalidToken(reason)) == category


def test_an_explicit_category_wins_and_an_unknown_one_falls_back_to_the_reason():
    error = InvalidToken("whatever")
    error.category = refusals.ISSUER
    assert refusals.categorize(error) == refusals.ISSUER
    error.category = "no-such-category"
    assert refusals.categorize(error) == refusals.OTHER
    assert refusals.categorize(ValueError("no reason attribute")) == refusals.OTHER


async def _refusal_of(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    return refusals.categorize(refused.value)


async def test_the_verifiers_own_refusals_land_in_the_right_category(emu, user, verifier):
    assert await _refusal_of(verifier, emu.mint_token(user["id"], azp="https://evil.example")) == (
        refusals.AUTHORIZED_PARTY
    )
    wrong_iss = emu.mint_token(user["id"], azp=ORIGIN, issuer="https://clerk.other.example")
    assert await _refusal_of(verifier, wrong_iss) == refusals.ISSUER
    with emulator() as other_instance:
        stranger = other_instance.create_user("eve@example.com")
        foreign = other_instance.mint_token(stranger["id"], azp=ORIGIN)
        assert await _refusal_of(verifier, foreign) == refusals.SIGNING_KEY

    down = httpx.MockTransport(lambda request: httpx.Response(503))
    offline = TokenVerifier(
        jwks_url=ISSUER + "/.well-known/jwks.json",
        issuer=ISSUER,
        authorized_parties=[ORIGIN],
        http_client=httpx.AsyncClient(transport=down),
    )
    genuine = emu.mint_token(user["id"], azp=ORIGIN)
    assert await _refusal_of(offline, genuine) == refusals.JWKS_UNAVAILABLE


# -- AuthState: remembered per tab, logged once per process ---------------------------


async def test_a_refused_token_sends_pages_to_the_refusal_page_not_sign_in(emu, user, verifier):
    root = new_tab()
    auth = substate(root, AuthState)
    await call(AuthState.set_session, auth, emu.mint_token(user["id"], azp="https://evil.example"))
    assert not auth.is_signed_in and auth.refusal == refusals.AUTHORIZED_PARTY
    assert "refusal" not in str(root.dict())  # backend-only

    welcome = await call(WelcomeState.on_load, substate(root, WelcomeState))
    assert routes.SESSION_REFUSED in _redirect_target(welcome)
    members = await call(MembersState.on_load, substate(root, MembersState))
    assert routes.SESSION_REFUSED in _redirect_target(members)


async def test_an_accepted_token_or_a_sign_out_clears_the_refusal(emu, user, verifier):
    root = new_tab()
    auth = substate(root, AuthState)
    await call(AuthState.set_session, auth, emu.mint_token(user["id"], azp="https://evil.example"))
    await call(AuthState.set_session, auth, emu.mint_token(user["id"], azp=ORIGIN))
    assert auth.is_signed_in and auth.refusal == ""

    await call(AuthState.set_session, auth, "not.a.token")
    assert auth.refusal == refusals.OTHER
    await call(AuthState.clear_session, auth)
    assert auth.refusal == ""
    welcome = await call(WelcomeState.on_load, substate(root, WelcomeState))
    assert routes.SIGN_IN in _redirect_target(welcome)


async def test_each_reason_is_logged_once_however_many_tokens_and_tabs(emu, user, verifier, caplog):
    caplog.set_level(logging.DEBUG, logger=auth_module.__name__)
    tokens = [emu.mint_token(user["id"], azp="https://evil.example") for _ in range(3)]
    for token in tokens:  # three refreshes in one tab, then another tab
        await call(AuthState.set_session, substate(new_tab(), AuthState), token)
    await call(AuthState.set_session, substate(new_tab(), AuthState), tokens[0])

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert "unauthorized party" in line and "CLERK_AUTHORIZED_PARTIES" in line
    assert ORIGIN in line  # what this server accepts, to compare with the browser's origin
    assert not any(token in record.getMessage() for token in tokens for record in caplog.records)

    # Another reason is news: it gets its own line.
    wrong_iss = emu.mint_token(user["id"], azp=ORIGIN, issuer="https://clerk.other.example")
    await call(AuthState.set_session, substate(new_tab(), AuthState), wrong_iss)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and ISSUER in warnings[1].getMessage()


# -- SessionRefusedState ---------------------------------------------------------------


def _settings(monkeypatch, *, production: bool) -> None:
    fake = types.SimpleNamespace(is_production=production)
    monkeypatch.setattr(refused_module, "get_settings", lambda: fake)


async def _refused_tab(emu, user) -> tuple:
    root = new_tab()
    await call(
        AuthState.set_session,
        substate(root, AuthState),
        emu.mint_token(user["id"], azp=ORIGIN, issuer="https://clerk.other.example"),
    )
    return root, substate(root, SessionRefusedState)


async def test_the_page_names_the_category_in_development(emu, user, verifier, monkeypatch):
    _settings(monkeypatch, production=False)
    _root, page = await _refused_tab(emu, user)
    assert await call(SessionRefusedState.on_load, page) == []  # stays: no redirect
    assert page.reason == refusals.ISSUER


async def test_the_page_says_only_see_the_server_log_in_production(
    emu, user, verifier, monkeypatch
):
    _settings(monkeypatch, production=True)
    _root, page = await _refused_tab(emu, user)
    assert await call(SessionRefusedState.on_load, page) == []
    assert page.reason == GENERIC


async def test_the_page_waits_for_the_report_then_lets_a_good_session_through(
    emu, user, verifier, monkeypatch
):
    _settings(monkeypatch, production=False)
    root = new_tab()
    page, auth = substate(root, SessionRefusedState), substate(root, AuthState)
    assert await call(SessionRefusedState.on_load, page) == []  # parked
    assert page.reason == WAITING
    queued = await call(AuthState.set_session, auth, emu.mint_token(user["id"], azp=ORIGIN))
    assert SessionRefusedState.on_load in queued
    assert routes.WELCOME in _redirect_target(await call(SessionRefusedState.on_load, page))

    await call(AuthState.clear_session, auth)
    assert routes.SIGN_IN in _redirect_target(await call(SessionRefusedState.on_load, page))
