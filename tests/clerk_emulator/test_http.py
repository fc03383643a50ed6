"""The Clerk emulator over a real socket, driven by ClerkAPI, httpx, PyJWT and svix.

Each test starts its own emulator (uvicorn on 127.0.0.1, free port, background
thread) so fault knobs and rate-limit windows never leak between tests.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

from clerk_app.clerk.api import ClerkAPI, ClerkAPIError, UserNotFound
from clerk_emulator import clerk_claims, load_local_secrets
from tests.support.servers import EmulatorServer, ServerThread

ORIGIN = "http://localhost:3000"


@pytest.fixture
def clerk() -> Iterator[EmulatorServer]:
    """An in-memory emulator mounted at /_clerk, as the Reflex backend mounts it."""
    with EmulatorServer(prefix="/_clerk", authorized_party=ORIGIN) as server:
        yield server


def api_for(server: EmulatorServer, **kwargs: Any) -> ClerkAPI:
    return ClerkAPI(server.base_url, server.emulator.secret_key, **kwargs)


def verify(token: str, server: EmulatorServer) -> dict[str, Any]:
    """Verify like a relying party would: the served JWKS, RS256, iss, exp/nbf."""
    key = jwt.PyJWKClient(server.jwks_url, cache_keys=False).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=server.base_url,
        options={"require": ["exp", "nbf", "iat", "iss", "sub", "sid"]},
    )


# -- users over the Backend API ------------------------------------------------


async def test_user_json_has_clerks_shape(clerk):
    created = clerk.emulator.create_user(
        ["Ada@Example.com", "ada@work.example"], first_name="Ada", last_name="Lovelace"
    )
    async with api_for(clerk) as api:
        user = await api.get_user(created["id"])
    assert user == created
    assert user["object"] == "user"
    assert user["id"].startswith("user_") and user["id"][5:].isalnum()
    primary, other = user["email_addresses"]
    assert user["primary_email_address_id"] == primary["id"]
    assert primary["id"].startswith("idn_") and primary["object"] == "email_address"
    assert primary["email_address"] == "ada@example.com"
    assert primary["verification"]["status"] == "verified"
    assert other["email_address"] == "ada@work.example"
    assert user["username"] is None and user["public_metadata"] == {}
    assert 10**12 < user["created_at"] <= user["updated_at"] < 10**13  # milliseconds
    async with httpx.AsyncClient() as http:
        avatar = await http.get(user["image_url"])
    assert avatar.status_code == 200
    assert avatar.headers["content-type"].startswith("image/svg+xml")
    assert ">AL</text>" in avatar.text


async def test_create_update_delete_over_http(clerk):
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        created = await http.post(
            "/v1/users",
            json={
                "email_address": ["grace@example.com"],
                "first_name": "Grace",
                "username": "grace",
                "password": "correct horse",
            },
        )
        assert created.status_code == 200
        user = created.json()
        assert user["password_enabled"] is True and "password" not in user

        patched = await http.patch(
            f"/v1/users/{user['id']}", json={"last_name": "Hopper", "public_metadata": {"a": 1}}
        )
        assert patched.status_code == 200
        assert patched.json()["last_name"] == "Hopper"
        assert patched.json()["public_metadata"] == {"a": 1}
        assert patched.json()["updated_at"] > user["updated_at"]

        deleted = await http.delete(f"/v1/users/{user['id']}")
        assert deleted.json() == {"id": user["id"], "object": "user", "deleted": True}
        gone = await http.get(f"/v1/users/{user['id']}")
        assert gone.status_code == 404
        assert gone.json()["errors"][0]["code"] == "resource_not_found"


async def test_ban_and_lock_set_clerks_flags_and_ban_revokes_sessions(clerk):
    user = clerk.emulator.create_user(["ban-me@example.com"])
    sid = clerk.emulator.create_session(user["id"])
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        banned = (await http.post(f"/v1/users/{user['id']}/ban")).json()
        assert banned["banned"] is True and banned["updated_at"] > user["updated_at"]
        assert clerk.emulator.store.get_session(sid)["status"] == "revoked"
        locked = (await http.post(f"/v1/users/{user['id']}/lock")).json()
        assert locked["locked"] is True and locked["banned"] is True
        await http.post(f"/v1/users/{user['id']}/unban")
        cleared = (await http.post(f"/v1/users/{user['id']}/unlock")).json()
        assert (cleared["banned"], cleared["locked"]) == (False, False)
        unknown = await http.post(f"/v1/users/{user['id']}/promote")
        assert unknown.status_code in (404, 405)
        assert (await http.get(f"/v1/users/{user['id']}")).json()["banned"] is False
        missing = await http.post("/v1/users/user_missing/ban")
        assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"email_address": ["TAKEN@example.com"]}, "form_identifier_exists", "email_address"),
        (
            {"email_address": ["new@example.com"], "username": "Taken"},
            "form_identifier_exists",
            "username",
        ),
        ({"email_address": ["not-an-email"]}, "form_param_format_invalid", "email_address"),
        ({"email_address": "a@example.com"}, "form_param_format_invalid", "email_address"),
        ({"username": "ab"}, "form_username_invalid_length", "username"),
        ({"username": "bad name!"}, "form_username_invalid_character", "username"),
        (
            {"email_address": ["p@example.com"], "password": "short"},
            "form_password_length_too_short",
            "password",
        ),
        ({"emails": ["x@example.com"]}, "form_param_unknown", "emails"),
    ],
)
async def test_create_user_validation_errors_are_clerk_422s(clerk, body, code, param):
    clerk.emulator.create_user("taken@example.com", username="taken")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        response = await http.post("/v1/users", json=body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["code"] == code
    assert error["meta"]["param_name"] == param
    assert error["message"] and error["long_message"]
    assert clerk.emulator.count_users() == 1  # nothing half-created


async def test_pagination_over_1200_users(clerk):
    created = [clerk.emulator.create_user(f"u{i}@example.com")["id"] for i in range(1200)]
    async with api_for(clerk) as api:
        assert await api.count_users() == 1200
        assert api.calls == 1
        seen = [user["id"] async for user in api.iter_users(page_size=500)]
        assert api.calls == 1 + 3  # pages of 500, 500, 200
        assert seen == created  # oldest first, no gaps, no repeats
        newest = await api.list_users(limit=3, order_by="-created_at")
        assert [u["id"] for u in newest] == created[:-4:-1]
        middle = await api.list_users(limit=2, offset=600)
        assert [u["id"] for u in middle] == created[600:602]
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        default = await http.get("/v1/users")
        assert len(default.json()) == 10  # Clerk's default page
        assert default.json()[0]["id"] == created[-1]  # default order: -created_at
        for bad in ("limit=501", "limit=0", "offset=-1", "limit=ten", "order_by=email"):
            response = await http.get(f"/v1/users?{bad}")
            assert response.status_code == 422, bad
        filtered = await http.get("/v1/users", params={"email_address": "U7@example.com"})
        assert [u["id"] for u in filtered.json()] == [created[7]]


async def test_unknown_user_is_user_not_found(clerk):
    async with api_for(clerk) as api:
        with pytest.raises(UserNotFound) as info:
            await api.get_user("user_doesNotExist123")
    assert info.value.status == 404
    assert info.value.code == "resource_not_found"


async def test_invalid_user_ids_never_reach_the_server(clerk):
    before = len(clerk.emulator.requests)
    async with api_for(clerk) as api:
        for bad in ("user_x/../../v1/users", "user_x?limit=500", "sess_abc", "user_"):
            with pytest.raises(ValueError):
                await api.get_user(bad)
        assert api.calls == 0
    assert len(clerk.emulator.requests) == before


@pytest.mark.parametrize("header", [None, "Bearer sk_test_wrong", "Basic abc", "Bearer"])
async def test_backend_api_requires_the_secret_key(clerk, header):
    user = clerk.emulator.create_user("a@example.com")
    headers = {"Authorization": header} if header else {}
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=headers) as http:
        for path in ("/v1/users", f"/v1/users/{user['id']}", "/v1/users/count", "/v1/jwks"):
            response = await http.get(path)
            assert response.status_code == 401, path
            assert response.json()["errors"][0]["code"] == "authentication_invalid"
        public = await http.get("/.well-known/jwks.json")
        assert public.status_code == 200
    async with ClerkAPI(clerk.base_url, "sk_test_wrong") as api:
        with pytest.raises(ClerkAPIError) as info:
            await api.get_user(user["id"])
    assert info.value.status == 401 and api.calls == 1


# -- faults --------------------------------------------------------------------


async def test_429_carries_retry_after_and_clerks_body(clerk):
    clerk.emulator.faults.enable_rate_limit(requests=2, window_s=5)
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        assert [(await http.get("/v1/users/count")).status_code for _ in range(2)] == [200, 200]
        limited = await http.get("/v1/users/count")
        assert (await http.get("/.well-known/jwks.json")).status_code == 200  # not rate limited
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 5
    assert limited.json()["errors"][0]["code"] == "too_many_requests"


async def test_rate_limited_call_waits_and_succeeds(clerk):
    user = clerk.emulator.create_user("a@example.com")
    clerk.emulator.faults.enable_rate_limit(requests=3, window_s=1)
    async with api_for(clerk) as api:
        for _ in range(3):
            await api.get_user(user["id"])
        assert (await api.get_user(user["id"]))["id"] == user["id"]
        assert api.calls == 5  # the fourth call was answered 429 once, then retried
    assert clerk.emulator.faults.rate_limited == 1


async def test_a_burst_past_the_limit_still_succeeds(clerk):
    """Clerk's dev limit (100 / 10 s) scaled down ten times: 20 / 1 s, 60 concurrent calls."""
    users = [clerk.emulator.create_user(f"b{i}@example.com")["id"] for i in range(60)]
    clerk.emulator.faults.enable_rate_limit(requests=20, window_s=1)
    async with api_for(clerk, retry_budget_s=30) as api:
        fetched = await asyncio.gather(*(api.get_user(uid) for uid in users))
    assert [u["id"] for u in fetched] == users
    assert clerk.emulator.faults.rate_limited >= 40


async def test_injected_5xx_are_retried(clerk):
    user = clerk.emulator.create_user("a@example.com")
    clerk.emulator.faults.configure(fail_next=2, fail_status=503)
    async with api_for(clerk, backoff_base_s=0.01) as api:
        assert (await api.get_user(user["id"]))["id"] == user["id"]
        assert api.calls == 3
        clerk.emulator.faults.configure(fail_next=10)
        with pytest.raises(ClerkAPIError) as info:
            await api.get_user(user["id"])
    assert info.value.status == 503
    assert info.value.code == "internal_clerk_error"


async def test_timeouts_are_retried_then_reported(clerk):
    user = clerk.emulator.create_user("a@example.com")
    clerk.emulator.faults.configure(hang_next=1, hang_s=5)
    async with api_for(clerk, timeout_s=0.3, backoff_base_s=0.01, max_retries=2) as api:
        assert (await api.get_user(user["id"]))["id"] == user["id"]
        assert api.calls == 2
        clerk.emulator.faults.configure(hang_next=5, hang_s=5)
        with pytest.raises(ClerkAPIError) as info:
            await api.get_user(user["id"])
        assert api.calls == 2 + 3
    assert info.value.status is None
    assert "no answer within" in str(info.value)


async def test_latency_and_probability_knobs_over_http(clerk):
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        set_knobs = await http.post("/emulator/faults", json={"fail_probability": 1.0})
        assert set_knobs.json()["fail_probability"] == 1.0
        assert (await http.get("/v1/users/count")).status_code == 500
        assert (await http.post("/emulator/faults", json={"bogus": 1})).status_code == 422
        assert (await http.post("/emulator/faults", json={"fail_status": 404})).status_code == 422
        await http.post("/emulator/faults", json={"reset": True, "latency_s": 0.2})
        started = time.monotonic()
        assert (await http.get("/v1/users/count")).status_code == 200
        assert time.monotonic() - started >= 0.2
        knobs = (await http.get("/emulator/faults")).json()
        assert knobs["failed"] == 1 and knobs["latency_s"] == 0.2
        # the knobs themselves are never faulted, so a test can always turn them off
        await http.post("/emulator/faults", json={"fail_next": 5, "paths": ["/"]})
        assert (await http.post("/emulator/faults", json={"reset": True})).status_code == 200
        assert (await http.get("/v1/users/count")).status_code == 200


# -- keys and tokens -----------------------------------------------------------


async def test_tokens_verify_against_the_served_jwks(clerk):
    user = clerk.emulator.create_user("a@example.com")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        minted = await http.post("/emulator/tokens", json={"user_id": user["id"]})
        bapi_jwks = (await http.get("/v1/jwks")).json()
    token = minted.json()["jwt"]
    claims = verify(token, clerk)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"] in {key["kid"] for key in bapi_jwks["keys"]}
    assert set(bapi_jwks["keys"][0]) == {"use", "kty", "kid", "alg", "n", "e"}
    assert claims["sub"] == user["id"]
    assert claims["sid"].startswith("sess_")
    assert claims["azp"] == ORIGIN
    assert claims["iss"] == clerk.base_url
    assert claims["v"] == 2 and claims["fva"] == [0, -1]
    assert claims["exp"] - claims["iat"] == 60
    assert claims["nbf"] <= claims["iat"]


async def test_mint_endpoint_options_and_custom_claims(clerk):
    user = clerk.emulator.create_user("ada@example.com", first_name="Ada", username="ada_l")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        custom = await http.post(
            "/emulator/tokens",
            json={"user_id": user["id"], "claims": {"role": "admin"}, "lifetime_s": 300},
        )
        claims = verify(custom.json()["jwt"], clerk)
        assert claims["role"] == "admin" and claims["exp"] - claims["iat"] == 300
        assert "email" not in claims

        await http.post("/emulator/config", json={"custom_claims": True})
        with_profile = await http.post("/emulator/tokens", json={"user_id": user["id"]})
        assert (
            await http.post("/emulator/tokens", json={"user_id": "user_nobody"})
        ).status_code == 404
        assert (await http.post("/emulator/tokens", json={})).status_code == 404
        no_auth = await http.post(
            "/emulator/tokens", json={"user_id": user["id"]}, headers={"Authorization": ""}
        )
        assert no_auth.status_code == 401
    claims = verify(with_profile.json()["jwt"], clerk)
    assert {k: claims[k] for k in clerk_claims(user)} == clerk_claims(user)
    assert claims["email"] == "ada@example.com" and claims["username"] == "ada_l"


async def test_key_rotation(clerk):
    user = clerk.emulator.create_user("a@example.com")
    old_token = clerk.emulator.mint_token(user["id"])
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        rotated = (await http.post("/emulator/rotate-key")).json()
        new_token = clerk.emulator.mint_token(user["id"])
        assert jwt.get_unverified_header(new_token)["kid"] == rotated["kid"] != old_kid
        published = {k["kid"] for k in (await http.get("/.well-known/jwks.json")).json()["keys"]}
        assert published == {old_kid, rotated["kid"]}
        assert verify(old_token, clerk)["sub"] == verify(new_token, clerk)["sub"] == user["id"]

        dropped = (await http.post("/emulator/rotate-key", json={"drop_old": True})).json()
        published = {k["kid"] for k in (await http.get("/.well-known/jwks.json")).json()["keys"]}
    assert published == {dropped["kid"]}  # like Clerk: only the current key
    with pytest.raises(jwt.PyJWKClientError):
        verify(old_token, clerk)


async def test_state_keys_and_secrets_survive_a_restart(tmp_path: Path):
    data_dir = tmp_path / ".clerk_emulator"
    with EmulatorServer(data_dir=data_dir, authorized_party=ORIGIN) as first:
        user = first.emulator.create_user("keep@example.com", first_name="Kept")
        sid = first.emulator.create_session(user["id"])
        token = first.emulator.mint_token(user["id"], sid=sid)
        secrets_before = (first.emulator.secret_key, first.emulator.webhook_secret)
        kid = first.emulator.keys.current.kid
    assert load_local_secrets(data_dir) == secrets_before
    assert sorted(p.name for p in data_dir.iterdir()) == [
        ".gitignore",
        "keys.json",
        "keys.lock",
        "secrets.json",
        "state.json",
        "state.lock",
    ]  # no temporary files left behind
    assert (data_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert oct((data_dir / "keys.json").stat().st_mode)[-3:] == "600"

    with EmulatorServer(data_dir=data_dir, authorized_party=ORIGIN) as second:
        assert (second.emulator.secret_key, second.emulator.webhook_secret) == secrets_before
        assert second.emulator.keys.current.kid == kid
        async with api_for(second) as api:
            assert (await api.get_user(user["id"]))["first_name"] == "Kept"
        key = jwt.PyJWKClient(second.jwks_url).get_signing_key_from_jwt(token)
        assert jwt.decode(token, key.key, algorithms=["RS256"], issuer=first.base_url)["sid"] == sid
        fresh = second.emulator.session_token(sid)  # the session survived too
        assert verify(fresh, second)["sid"] == sid


# -- sessions and the browser endpoint ------------------------------------------


async def test_session_token_endpoint_for_the_browser(clerk):
    user = clerk.emulator.create_user("a@example.com")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        opened = (await http.post("/emulator/sessions", json={"user_id": user["id"]})).json()
    sid = opened["session_id"]
    assert verify(opened["jwt"], clerk)["sid"] == sid
    url = f"/emulator/sessions/{sid}/tokens"
    async with httpx.AsyncClient(base_url=clerk.base_url) as browser:  # no secret key
        preflight = await browser.options(
            url,
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-credentials"] == "true"

        refreshed = await browser.post(url, headers={"Origin": ORIGIN})
        assert refreshed.status_code == 200
        assert refreshed.headers["access-control-allow-origin"] == ORIGIN
        assert refreshed.json()["object"] == "token"
        assert verify(refreshed.json()["jwt"], clerk)["azp"] == ORIGIN

        foreign = await browser.post(url, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        assert "access-control-allow-origin" not in foreign.headers
        foreign_preflight = await browser.options(url, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign_preflight.headers

        unknown = await browser.post(
            "/emulator/sessions/sess_nope/tokens", headers={"Origin": ORIGIN}
        )
        assert unknown.status_code == 401
        assert unknown.headers["access-control-allow-origin"] == ORIGIN  # readable by the page

        ended = await browser.post(f"/emulator/sessions/{sid}/end", headers={"Origin": ORIGIN})
        assert ended.json()["status"] == "ended"
        after_end = await browser.post(url, headers={"Origin": ORIGIN})
        assert after_end.status_code == 401
        assert after_end.json()["errors"][0]["code"] == "authentication_invalid"


async def test_session_token_refused_once_the_user_is_deleted(clerk):
    user = clerk.emulator.create_user("a@example.com")
    sid = clerk.emulator.create_session(user["id"])
    async with httpx.AsyncClient(base_url=clerk.base_url) as browser:
        assert (await browser.post(f"/emulator/sessions/{sid}/tokens")).status_code == 200
        clerk.emulator.delete_user(user["id"])
        assert (await browser.post(f"/emulator/sessions/{sid}/tokens")).status_code == 401


async def test_local_sign_in_and_sign_up(clerk):
    clerk.emulator.create_user("ann@example.com", password="password-1")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers={"Origin": ORIGIN}) as browser:
        signed_in = await browser.post(
            "/emulator/sign-in", json={"identifier": "ANN@example.com", "password": "password-1"}
        )
        assert signed_in.status_code == 200
        assert signed_in.headers["access-control-allow-origin"] == ORIGIN
        assert verify(signed_in.json()["jwt"], clerk)["sid"] == signed_in.json()["session_id"]
        wrong = await browser.post(
            "/emulator/sign-in", json={"identifier": "ann@example.com", "password": "nope-nope"}
        )
        assert wrong.json()["errors"][0]["code"] == "form_password_incorrect"
        missing = await browser.post(
            "/emulator/sign-in", json={"identifier": "bob@example.com", "password": "x"}
        )
        assert missing.json()["errors"][0]["code"] == "form_identifier_not_found"
        signed_up = await browser.post(
            "/emulator/sign-up",
            json={
                "email_address": "bob@example.com",
                "password": "password-2",
                "first_name": "Bob",
            },
        )
        assert signed_up.status_code == 200
    assert clerk.emulator.get_user(signed_up.json()["user_id"])["first_name"] == "Bob"


async def test_backend_api_session_routes(clerk):
    user = clerk.emulator.create_user("a@example.com")
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        session = (await http.post("/v1/sessions", json={"user_id": user["id"]})).json()
        assert session["object"] == "session" and session["status"] == "active"
        listed = (await http.get("/v1/sessions", params={"user_id": user["id"]})).json()
        assert [s["id"] for s in listed] == [session["id"]]
        token = (await http.post(f"/v1/sessions/{session['id']}/tokens")).json()
        assert verify(token["jwt"], clerk)["sid"] == session["id"]
        revoked = (await http.post(f"/v1/sessions/{session['id']}/revoke")).json()
        assert revoked["status"] == "revoked"
        after = await http.post(f"/v1/sessions/{session['id']}/tokens")
        assert after.status_code == 401


# -- webhooks ------------------------------------------------------------------


class Receiver:
    """A webhook endpoint that records what it gets and fails or stalls on demand."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        self.gate = threading.Event()
        self.gate.set()
        self.server = ServerThread(Starlette(routes=[Route("/hook", self.hook, methods=["POST"])]))
        self.url = self.server.url + "/hook"

    async def hook(self, request: Request) -> Response:
        await asyncio.to_thread(self.gate.wait, 10)
        self.received.append((dict(request.headers), await request.body()))
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response("boom", status_code=500)
        return Response(status_code=204)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv = Receiver()
    with recv.server:
        yield recv


@pytest.fixture
def clerk_with_hooks(receiver) -> Iterator[EmulatorServer]:
    with EmulatorServer(webhook_url=receiver.url, webhook_retry_delays=(0.05, 0.05)) as server:
        yield server


async def test_webhooks_are_signed_clerk_events(clerk_with_hooks, receiver):
    emulator = clerk_with_hooks.emulator
    async with httpx.AsyncClient(
        base_url=clerk_with_hooks.base_url, headers=clerk_with_hooks.auth_headers
    ) as http:
        user = (await http.post("/v1/users", json={"email_address": ["w@example.com"]})).json()
        await http.patch(f"/v1/users/{user['id']}", json={"first_name": "Wen"})
        await http.delete(f"/v1/users/{user['id']}")
    await emulator.webhooks.drain()

    events = []
    for headers, body in receiver.received:
        Webhook(emulator.webhook_secret).verify(body, headers)  # raises if the signature is bad
        assert headers["svix-id"].startswith("msg_")
        assert abs(int(headers["svix-timestamp"]) - time.time()) < 60
        assert headers["svix-signature"].startswith("v1,")
        events.append(json.loads(body))
    assert [e["type"] for e in events] == ["user.created", "user.updated", "user.deleted"]
    assert all(e["object"] == "event" and e["instance_id"] == emulator.instance_id for e in events)
    assert all(isinstance(e["timestamp"], int) and e["timestamp"] > 10**12 for e in events)
    assert events[0]["data"]["email_addresses"][0]["email_address"] == "w@example.com"
    assert events[1]["data"]["first_name"] == "Wen"
    assert events[2]["data"] == {"id": user["id"], "object": "user", "deleted": True}
    assert [d.status for d in emulator.webhooks.deliveries] == ["delivered"] * 3
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(receiver.received[0][1], receiver.received[0][0])


async def test_failed_deliveries_are_retried_with_the_same_svix_id(clerk_with_hooks, receiver):
    receiver.fail_first = 2
    clerk_with_hooks.emulator.create_user("r@example.com")
    await clerk_with_hooks.emulator.webhooks.drain()
    ids = {headers["svix-id"] for headers, _ in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1
    (delivery,) = clerk_with_hooks.emulator.webhooks.deliveries
    assert [a.status_code for a in delivery.attempts] == [500, 500, 204]
    assert delivery.status == "delivered"


async def test_delivery_gives_up_after_the_retry_schedule(clerk_with_hooks, receiver):
    receiver.fail_first = 99
    clerk_with_hooks.emulator.create_user("g@example.com")
    await clerk_with_hooks.emulator.webhooks.drain()
    (delivery,) = clerk_with_hooks.emulator.webhooks.deliveries
    assert delivery.status == "failed" and len(delivery.attempts) == 3  # 1 + 2 retries


async def test_user_calls_do_not_wait_for_webhook_delivery(clerk_with_hooks, receiver):
    receiver.gate.clear()  # the receiver stalls until released
    async with (
        api_for(clerk_with_hooks) as api,
        httpx.AsyncClient(
            base_url=clerk_with_hooks.base_url, headers=clerk_with_hooks.auth_headers, timeout=5
        ) as http,
    ):
        created = await http.post("/v1/users", json={"email_address": ["s@example.com"]})
        assert created.status_code == 200
        assert await api.count_users() == 1
        assert clerk_with_hooks.emulator.webhooks.pending == 1
    receiver.gate.set()
    await clerk_with_hooks.emulator.webhooks.drain()
    assert len(receiver.received) == 1


async def test_redelivery_reuses_the_svix_id(clerk_with_hooks, receiver):
    emulator = clerk_with_hooks.emulator
    emulator.create_user("d@example.com")
    await emulator.webhooks.drain()
    first_id = receiver.received[0][0]["svix-id"]
    emulator.webhooks.redeliver(first_id)
    await emulator.webhooks.drain()
    assert [h["svix-id"] for h, _ in receiver.received] == [first_id, first_id]
    assert receiver.received[0][1] == receiver.received[1][1]  # same body, re-signed
