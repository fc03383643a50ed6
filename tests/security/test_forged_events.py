"""Forged websocket events against the running app: who may read and write what.

An attacker's script speaks Reflex's protocol directly (:mod:`tests.support.reflex_client`)
to the app started the README's way in local mode, and tries to save or read a profile
without a session, with an expired one, after signing out, with another user's ids in
the arguments, with tokens of another Clerk instance, and by setting backend-only vars.

The referee: the database (read straight from the app's SQLite file) must show zero
cross-user writes and no write at all on a refusal, and every message the server sent
to the attacker (:meth:`Arena.assert_clean`) must be free of the Clerk secret key, the
webhook secret, any session token, and the victim's data.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from clerk_emulator import Emulator
from tests.security.conftest import AUTH, LOCAL_AUTH, MEMBERS, ROOT, UI, WELCOME, Arena, Member
from tests.support.reflex_client import ReflexClient
from tests.support.tokens import encode_token, hmac_signer, mint, session_claims, signing_key

#: The guard's leeway after ``exp`` (clerk_app.state.auth.EXPIRY_LEEWAY_S) plus margin.
PAST_LEEWAY_S = 5.0 + 1.5


def _redirects_to_sign_in(answer: list[dict[str, Any]]) -> bool:
    return any(
        event.get("name") == "_redirect"
        and str(event.get("payload", {}).get("path", "")).startswith("/sign-in")
        for message in answer
        for event in message.get("events") or []
    )


def _redirects_to_session_refused(answer: list[dict[str, Any]]) -> bool:
    """The page load sent the tab to the page that says its session was refused."""
    return any(
        event.get("name") == "_redirect"
        and str(event.get("payload", {}).get("path", "")) == "/session-refused"
        for message in answer
        for event in message.get("events") or []
    )


def _save_status(answer: list[dict[str, Any]]) -> str:
    """What the form's status line (beside the save button) was set to."""
    return " ".join(
        str((message.get("delta") or {}).get(MEMBERS, {}).get("status_rx_state_", ""))
        for message in answer
    )


def _toasts(answer: list[dict[str, Any]]) -> str:
    return " ".join(
        str(event.get("payload", {}).get("function", ""))
        for message in answer
        for event in message.get("events") or []
        if event.get("name") == "_call_function"
    )


def _no_profile_delivered(answer: list[dict[str, Any]]) -> bool:
    """The page load sent no profile data (it redirected, or waits for a fresh token)."""
    for message in answer:
        members = (message.get("delta") or {}).get(MEMBERS) or {}
        clerk = members.get("clerk_rx_state_") or {}
        profile = members.get("profile_rx_state_") or {}
        if any(clerk.values()) or any(v not in ("", "on") for v in profile.values()):
            return False
    return True


def _signed_in(client: ReflexClient) -> bool:
    return bool(client.get(AUTH, "is_signed_in"))


async def _save(client: ReflexClient, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return await client.call(f"{MEMBERS}.save_profile", payload, pathname="/members")


# -- no session, expired session, signed out ----------------------------------------------


async def test_no_session_cannot_save_or_read(arena: Arena, victim: Member) -> None:
    before = arena.snapshot()
    client = await arena.client("/members")
    try:
        for form in ({"bio": "pwned"}, {"bio": "pwned", "clerk_id": victim.id}):
            assert _redirects_to_sign_in(await _save(client, {"form_data": form}))
        # Before the bridge reports, page loads wait (parked); once it says "signed out",
        # they send the visitor to sign in.
        await client.call(f"{MEMBERS}.on_load", pathname="/members", timeout_s=2)
        await client.call(f"{WELCOME}.on_load", pathname="/welcome", timeout_s=2)
        answer = await client.call(f"{AUTH}.clear_session", pathname="/members")
        assert _redirects_to_sign_in(answer)
        assert not _signed_in(client) and not client.get(MEMBERS, "loaded")
        assert arena.snapshot() == before
        arena.assert_clean(client, victim)
    finally:
        await client.close()


async def test_expired_tokens_and_tokens_replayed_after_sign_out(arena: Arena, victim) -> None:
    attacker = await arena.member("attacker")
    now = int(time.time())
    stale = arena.token(attacker.id, claims={"exp": now - 120, "nbf": now - 180, "iat": now - 180})
    short = arena.token(attacker.id, lifetime_s=1)
    expires_at = time.time() + 1
    before = arena.snapshot()

    stale_tab = await arena.client("/members")
    await stale_tab.call(f"{AUTH}.set_session", {"token": stale}, pathname="/members")
    assert not _signed_in(stale_tab)
    assert _redirects_to_sign_in(await _save(stale_tab, {"form_data": {"bio": "stale"}}))

    quiet_tab = await arena.signed_in(short)  # adopted while valid, then never refreshed
    assert _signed_in(quiet_tab)
    signed_out_tab = await arena.signed_in(attacker.token)
    await signed_out_tab.call(f"{LOCAL_AUTH}.sign_out", pathname="/members")
    assert not _signed_in(signed_out_tab)
    assert _redirects_to_sign_in(await _save(signed_out_tab, {"form_data": {"bio": "gone"}}))
    cleared_tab = await arena.signed_in(attacker.token)
    await cleared_tab.call(f"{AUTH}.clear_session", pathname="/members")
    assert _redirects_to_sign_in(await _save(cleared_tab, {"form_data": {"bio": "gone"}}))

    await asyncio.sleep(max(0.0, expires_at + PAST_LEEWAY_S - time.time()))
    assert _redirects_to_sign_in(await _save(quiet_tab, {"form_data": {"bio": "too late"}}))
    answer = await quiet_tab.call(f"{MEMBERS}.on_load", pathname="/members", timeout_s=2)
    assert _no_profile_delivered(answer)  # parked until the bridge sends a fresh token
    # The expired token replayed later is refused at the door too.
    await quiet_tab.call(f"{AUTH}.set_session", {"token": short}, pathname="/members")
    assert not _signed_in(quiet_tab)

    assert arena.snapshot() == before
    for tab in (stale_tab, quiet_tab, signed_out_tab, cleared_tab):
        arena.assert_clean(tab, victim)
        await tab.close()


# -- another user's ids in the arguments ------------------------------------------------------


async def test_other_users_ids_in_arguments_are_refused(arena: Arena, victim: Member) -> None:
    attacker = await arena.member("mallory")
    victim_row = arena.row(victim.id)
    client = await arena.signed_in(attacker.token)
    before = arena.snapshot()
    try:
        for key, value in (
            ("clerk_id", victim.id),
            ("id", victim_row["id"]),
            ("user_id", victim.id),
            ("email", victim.email),
            ("_user_id", victim.id),
            ("sub", victim.id),
        ):
            answer = await _save(client, {"form_data": {"bio": "hijacked", key: value}})
            status = _save_status(answer)
            assert "Valeur non valide" in status or "Not a valid value" in status, status
        for extra in ({"user_id": victim.id}, {"clerk_id": victim.id}, {"id": victim_row["id"]}):
            answer = await _save(client, {"form_data": {"bio": "hijacked"}, **extra})
            assert "unexpected keyword argument" in _toasts(answer)
        # Ids in the route and query string: the page still shows the caller's own data.
        for pathname, query in (
            (f"/members/{victim.id}", {}),
            ("/members", {"user_id": victim.id, "clerk_id": victim.id, "id": victim_row["id"]}),
        ):
            await client.call(f"{MEMBERS}.on_load", pathname=pathname, query=query)
            assert client.get(MEMBERS, "clerk", {}).get("email") == attacker.email
        assert arena.snapshot() == before
        arena.assert_clean(client, victim)
    finally:
        await client.close()


async def test_another_tabs_client_token_gives_a_fresh_state(arena: Arena, victim) -> None:
    """Presenting a connected tab's client token (say, read from a log) does not join it."""
    owner = await arena.signed_in(victim.token)
    thief = await arena.client("/members", token=owner.token)
    try:
        assert any(name == "new_token" for name, _ in thief.other_messages) or not _signed_in(thief)
        assert _redirects_to_sign_in(await _save(thief, {"form_data": {"bio": "stolen"}}))
        assert arena.row(victim.id)["bio"] == victim.bio
    finally:
        await thief.close()
        await owner.close()


# -- tokens of another instance ------------------------------------------------------------------


def _foreign_tokens(arena: Arena, victim: Member) -> dict[str, str]:
    """Tokens naming the victim that this instance must refuse."""
    kid = arena.jwks()["keys"][0]["kid"]
    foreign = signing_key(kid, name="forged-instance")
    claims = session_claims(iss=arena.issuer, azp=arena.app.url, sub=victim.id, sid="sess_2forged")
    other_instance = Emulator(issuer="https://other-instance.clerk.accounts.dev")
    other_user = other_instance.create_user("someone@example.com")
    public_pem = _public_pem(arena.jwks()["keys"][0])
    return {
        "foreign key, our kid": mint(foreign, claims),
        "foreign key, own kid": mint(signing_key("ins_forged", name="forged-2"), claims),
        "another instance's token": other_instance.mint_token(other_user["id"], azp=arena.app.url),
        "another instance, victim's sub": other_instance.mint_token(
            other_user["id"], azp=arena.app.url, claims={"sub": victim.id}
        ),
        "our key, another issuer": arena.token(
            victim.id, claims={"iss": "https://other-instance.clerk.accounts.dev"}
        ),
        "our key, foreign azp": arena.token(victim.id, azp="https://evil.example"),
        "alg none": encode_token({"alg": "none", "typ": "JWT"}, claims, None),
        "hs256 keyed with our public key": encode_token(
            {"alg": "HS256", "typ": "JWT", "kid": kid}, claims, hmac_signer(public_pem)
        ),
    }


def _public_pem(jwk: dict[str, Any]) -> bytes:
    import jwt
    from cryptography.hazmat.primitives import serialization

    key = jwt.PyJWK(jwk).key
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def test_tokens_for_another_instance_are_refused(arena: Arena, victim: Member) -> None:
    attacker = await arena.member("trudy")
    tokens = _foreign_tokens(arena, victim)
    client = await arena.signed_in(attacker.token)
    before = arena.snapshot()
    try:
        for name, token in tokens.items():
            await client.call(f"{AUTH}.set_session", {"token": token}, pathname="/members")
            assert not _signed_in(client), name  # refused, and the previous identity dropped
            assert _redirects_to_sign_in(await _save(client, {"form_data": {"bio": name}})), name
            # The browser holds a session the backend refuses: the page says so (rather
            # than /sign-in, where Clerk would bounce it back) and sends no profile.
            answer = await client.call(f"{MEMBERS}.on_load", pathname="/members")
            assert _redirects_to_session_refused(answer), name
            assert _no_profile_delivered(answer), name
        assert arena.snapshot() == before
        arena.assert_clean(client, victim)
    finally:
        await client.close()


# -- backend-only vars, helpers that are not meant as events -----------------------------------


async def test_backend_vars_cannot_be_set_from_the_browser(arena: Arena, victim: Member) -> None:
    before = arena.snapshot()
    client = await arena.client("/members")
    try:
        attempts = [
            (AUTH, "_user_id", victim.id),
            (AUTH, "_expires_at", 9e12),
            (AUTH, "_claims", {"sub": victim.id, "exp": 9e12}),
            (AUTH, "_session_id", "sess_2victim"),
            (AUTH, "_parked", [f"{MEMBERS}.on_load"]),
            (AUTH, "is_signed_in", True),
            (AUTH, "auth_checked", True),
            (UI, "_user_lang", "en"),
            (AUTH, "_reported_on", "attacker-socket"),
            (MEMBERS, "profile", {"bio": "client side only"}),
            (MEMBERS, "loaded", True),
        ]
        for state, var, value in attempts:
            await client.call(
                f"{state}.setvar", {"var_name": var, "value": value}, pathname="/members"
            )
        # Private helpers and non-event methods, called by name.
        adopt = {"claims": {"sub": victim.id, "exp": 9e12}}
        await client.call(f"{AUTH}._adopt", adopt, timeout_s=2)  # not a handler: no answer
        await client.call(f"{AUTH}._verified_user_id", {"now": 0}, timeout_s=2)
        await client.call(f"{AUTH}._verified_claims", timeout_s=2)
        waiting = {"handler": f"{MEMBERS}.on_load"}
        await client.call(f"{AUTH}._wait_for_check", waiting, timeout_s=2)
        await client.call(f"{UI}._apply", {"theme": "dark", "lang": "en"}, timeout_s=2)
        await client.call(f"{ROOT}.setvar", {"var_name": "is_hydrated", "value": True})

        assert not _signed_in(client)
        assert _redirects_to_sign_in(await _save(client, {"form_data": {"bio": "via setvar"}}))
        answer = await client.call(f"{MEMBERS}.on_load", pathname="/members", timeout_s=2)
        assert _no_profile_delivered(answer)
        assert arena.snapshot() == before
        arena.assert_clean(client, victim)
    finally:
        await client.close()


async def test_reading_another_users_profile_is_impossible(arena: Arena, victim: Member) -> None:
    attacker = await arena.member("eve")
    client = await arena.signed_in(attacker.token)
    try:
        for pathname, handler in (
            ("/members", f"{MEMBERS}.forget"),
            ("/members", f"{MEMBERS}.on_load"),
            ("/welcome", f"{WELCOME}.on_load"),
            ("/members", f"{UI}.load_preferences"),
            ("/members", f"{WELCOME}.retry"),
        ):
            await client.call(handler, pathname=pathname, query={"user_id": victim.id})
        # A token for the victim with a valid signature but no session of theirs is only
        # mintable with the emulator's secret: the attacker has none. What they can do is
        # ask for their own data, and that is all they get.
        assert client.get(MEMBERS, "clerk", {}).get("email") == attacker.email
        arena.assert_clean(client, victim)
    finally:
        await client.close()
