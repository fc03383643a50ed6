"""The emulator's Python API and its rules, without sockets.

Clock monotonicity, primary-email handling, atomic and multi-process-safe
persistence, secrets shared with the app, the fault knobs' bookkeeping, token
claims and the local-mode constructor.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import threading
from pathlib import Path

import jwt
import pytest

from clerk_app import services
from clerk_app.settings import Settings
from clerk_emulator import (
    Emulator,
    EmulatorError,
    clerk_claims,
    create_emulator_app,
    load_local_secrets,
)
from clerk_emulator.faults import Faults
from clerk_emulator.ids import MillisClock
from clerk_emulator.keys import MAX_PUBLISHED_KEYS, KeyRing

ISSUER = "http://localhost:8000/_clerk"
ORIGIN = "http://localhost:3000"


@pytest.fixture
def emulator():
    with Emulator(issuer=ISSUER, authorized_party=ORIGIN) as em:
        yield em


def decode(token: str, emulator: Emulator) -> dict:
    key = emulator.keys.current.private_key.public_key()
    return jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )


# -- clock and users -----------------------------------------------------------


def test_millis_clock_strictly_increases_within_one_millisecond(monkeypatch):
    monkeypatch.setattr("clerk_emulator.ids.time.time", lambda: 1_700_000_000.0)
    clock = MillisClock()
    values = [clock.now() for _ in range(100)]
    assert values == list(range(1_700_000_000_000, 1_700_000_000_100))
    clock.advance_to(1_800_000_000_000)  # e.g. the last value read back from disk
    assert clock.now() == 1_800_000_000_001


def test_updated_at_strictly_increases_on_every_update(emulator):
    user = emulator.create_user("a@example.com")
    stamps = [user["updated_at"]]
    for i in range(50):
        stamps.append(emulator.update_user(user["id"], first_name=f"n{i}")["updated_at"])
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert emulator.get_user(user["id"])["created_at"] == user["created_at"]


def test_creation_order_is_total(emulator):
    ids = [emulator.create_user(f"u{i}@example.com")["id"] for i in range(30)]
    users = emulator.list_users()
    assert [u["id"] for u in users] == ids
    assert len({u["created_at"] for u in users}) == 30


def test_primary_email_is_not_necessarily_the_first(emulator):
    user = emulator.create_user(["first@example.com", "second@example.com"])
    second_id = user["email_addresses"][1]["id"]
    updated = emulator.update_user(user["id"], primary_email_address_id=second_id)
    assert updated["email_addresses"][0]["email_address"] == "first@example.com"
    assert clerk_claims(updated)["email"] == "second@example.com"

    changed = emulator.update_user(user["id"], email_address="Third@Example.com")
    assert clerk_claims(changed)["email"] == "third@example.com"
    assert len(changed["email_addresses"]) == 3

    with pytest.raises(EmulatorError) as info:
        emulator.update_user(user["id"], primary_email_address_id="idn_notmine")
    assert info.value.status == 422


def test_identifiers_are_unique_case_insensitively_and_freed_on_delete(emulator):
    first = emulator.create_user("same@example.com", username="same_name")
    for kwargs in (
        {"email": "SAME@example.com"},
        {"email": "x@example.com", "username": "SAME_NAME"},
    ):
        with pytest.raises(EmulatorError) as info:
            emulator.create_user(**kwargs)
        assert info.value.code == "form_identifier_exists"
    other = emulator.create_user("other@example.com")
    with pytest.raises(EmulatorError):
        emulator.add_email_address(other["id"], "same@example.com")
    with pytest.raises(EmulatorError):
        emulator.update_user(other["id"], username="same_name")
    emulator.delete_user(first["id"])
    again = emulator.create_user("same@example.com", username="same_name")
    assert again["id"] != first["id"]


def test_rejected_update_changes_nothing(emulator):
    user = emulator.create_user("a@example.com", first_name="Ann")
    with pytest.raises(EmulatorError):
        emulator.update_user(user["id"], first_name="Changed", username="x")  # too short
    with pytest.raises(EmulatorError):
        emulator.update_user(user["id"], first_name="Changed", shoe_size=42)
    assert emulator.get_user(user["id"]) == user


def test_users_without_email_are_allowed(emulator):
    user = emulator.create_user(username="no_email_user")
    assert user["email_addresses"] == [] and user["primary_email_address_id"] is None
    assert clerk_claims(user)["email"] is None


def test_passwords_are_stored_hashed(tmp_path):
    with Emulator(issuer=ISSUER, data_dir=tmp_path) as em:
        user = em.create_user("p@example.com", password="hunter2-hunter2")
        assert em.authenticate("P@example.com", "hunter2-hunter2")["id"] == user["id"]
    state = (tmp_path / "state.json").read_text()
    assert "hunter2" not in state and "pbkdf2_sha256$" in state


# -- persistence ---------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_state_intact(tmp_path, monkeypatch):
    with Emulator(issuer=ISSUER, data_dir=tmp_path) as em:
        kept = em.create_user("kept@example.com")
        before = (tmp_path / "state.json").read_bytes()

        def crash(src, dst):
            raise OSError("disk full")

        monkeypatch.setattr("clerk_emulator.persist.os.replace", crash)
        with pytest.raises(OSError):
            em.create_user("lost@example.com")
    assert (tmp_path / "state.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    with Emulator(issuer=ISSUER, data_dir=tmp_path) as again:
        assert [u["id"] for u in again.list_users()] == [kept["id"]]


def test_two_processes_sharing_a_data_dir_lose_no_update(tmp_path):
    """Two emulators on one directory (a server and a CLI, say), writing concurrently."""
    a = Emulator(issuer=ISSUER, data_dir=tmp_path)
    b = Emulator(issuer=ISSUER, data_dir=tmp_path)

    def create(em: Emulator, tag: str) -> None:
        for i in range(15):
            em.create_user(f"{tag}{i}@example.com")

    threads = [threading.Thread(target=create, args=(em, tag)) for em, tag in ((a, "a"), (b, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert a.count_users() == b.count_users() == 30
    created_at = [u["created_at"] for u in a.list_users()]
    assert len(set(created_at)) == 30  # the clock is shared through the file too
    assert a.secret_key == b.secret_key and a.keys.current.kid == b.keys.current.kid

    b.rotate_key()
    assert a.keys.current.kid == b.keys.current.kid  # a picks up b's rotation
    a.close()
    b.close()


def test_local_secrets_are_created_once_even_under_a_race(tmp_path):
    results: list[tuple[str, str]] = []
    barrier = threading.Barrier(8)

    def load() -> None:
        barrier.wait()
        results.append(load_local_secrets(tmp_path / "dev"))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    secret_key, webhook_secret = results[0]
    assert secret_key.startswith("sk_test_") and len(secret_key) > 40
    assert len(base64.b64decode(webhook_secret.removeprefix("whsec_"))) == 24
    assert oct((tmp_path / "dev").stat().st_mode)[-3:] == "700"
    assert oct((tmp_path / "dev" / "secrets.json").stat().st_mode)[-3:] == "600"


def test_explicit_secrets_win_over_persisted_ones(tmp_path):
    with Emulator(
        issuer=ISSUER, data_dir=tmp_path, secret_key="sk_test_mine", webhook_secret="whsec_bWluZQ=="
    ) as em:
        assert (em.secret_key, em.webhook_secret) == ("sk_test_mine", "whsec_bWluZQ==")
    assert load_local_secrets(tmp_path)[0] != "sk_test_mine"


def test_in_memory_emulator_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Emulator(issuer=ISSUER) as em:
        em.create_user("m@example.com")
        em.rotate_key()
    assert list(tmp_path.iterdir()) == []


def test_key_ring_keeps_a_bounded_number_of_keys():
    ring = KeyRing(key_size=1024)
    kids = [ring.current.kid] + [ring.rotate().kid for _ in range(5)]
    assert ring.kids == kids[::-1][:MAX_PUBLISHED_KEYS]
    assert [k["kid"] for k in ring.jwks()["keys"]] == ring.kids


# -- tokens and sessions -------------------------------------------------------


def test_mint_token_claims_and_overrides(emulator):
    user = emulator.create_user("t@example.com")
    token = emulator.mint_token(user["id"], now=1_700_000_000, lifetime_s=120)
    claims = decode(token, emulator)
    assert claims["iat"] == 1_700_000_000 and claims["exp"] == 1_700_000_120
    assert claims["nbf"] == 1_700_000_000 - 10
    assert claims["azp"] == ORIGIN and claims["iss"] == ISSUER and claims["v"] == 2

    odd = emulator.mint_token(
        user["id"], azp="https://elsewhere", issuer="https://other", claims={"v": 1, "x": 1}
    )
    claims = decode(odd, emulator)
    assert (claims["azp"], claims["iss"], claims["v"], claims["x"]) == (
        "https://elsewhere",
        "https://other",
        1,
        1,
    )

    with pytest.raises(EmulatorError) as info:
        emulator.mint_token("user_missing")
    assert info.value.status == 404


def test_session_tokens_are_shaped_like_clerks_and_verify(emulator):
    import httpx

    from clerk_app.clerk.tokens import TokenVerifier

    user = emulator.create_user("h@example.com")
    token = emulator.session_token(emulator.create_session(user["id"]), azp=ORIGIN)
    header = jwt.get_unverified_header(token)
    assert header == {
        "alg": "RS256",
        "typ": "JWT",
        "kid": emulator.keys.current.kid,
        "cat": "cl_B7d4PD111AAA",  # Clerk's session-token category
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=emulator.jwks()))
    verifier = TokenVerifier(
        ISSUER + "/.well-known/jwks.json",
        ISSUER,
        [ORIGIN],
        http_client=httpx.AsyncClient(transport=transport),
    )
    claims = asyncio.run(verifier.verify(token))
    assert claims["sub"] == user["id"] and claims["sid"].startswith("sess_")
    assert claims["azp"] == ORIGIN


def test_tokens_reuse_the_active_session_until_it_ends(emulator):
    user = emulator.create_user("s@example.com")
    first = decode(emulator.mint_token(user["id"]), emulator)["sid"]
    assert decode(emulator.mint_token(user["id"]), emulator)["sid"] == first
    emulator.end_session(first)
    assert decode(emulator.mint_token(user["id"]), emulator)["sid"] != first


def test_expired_and_revoked_sessions_get_no_token(emulator):
    user = emulator.create_user("e@example.com")
    expired = emulator.create_session(user["id"])
    emulator.store._sessions[expired]["expire_at"] = 0
    revoked = emulator.create_session(user["id"])
    emulator.revoke_session(revoked)
    for sid in (expired, revoked, "sess_unknown"):
        with pytest.raises(EmulatorError) as info:
            emulator.session_token(sid)
        assert info.value.status == 401


def test_custom_claims_follow_the_user(emulator):
    emulator.custom_claims = True
    user = emulator.create_user("c@example.com", first_name="Cy")
    updated = emulator.update_user(user["id"], first_name="Cyrus")
    claims = decode(emulator.mint_token(user["id"]), emulator)
    assert claims["first_name"] == "Cyrus" and claims["updated_at"] == updated["updated_at"]
    assert set(clerk_claims(updated)) == {
        "email",
        "first_name",
        "last_name",
        "username",
        "image_url",
        "primary_email_address_id",
        "updated_at",
    }


# -- faults and webhooks -------------------------------------------------------


async def test_sliding_window_rate_limit_bookkeeping():
    faults = Faults()
    faults.enable_rate_limit(requests=3, window_s=60)
    outcomes = [await faults.before_request("/v1/users") for _ in range(5)]
    assert outcomes[:3] == [None, None, None]
    assert all(o is not None and o.status == 429 for o in outcomes[3:])
    assert 55 <= int(outcomes[3].headers["Retry-After"]) <= 60
    assert faults.rate_limited == 2
    assert await faults.before_request("/emulator/faults") is None  # never limited
    assert await faults.before_request("/.well-known/jwks.json") is None  # out of scope
    faults.reset()
    assert await faults.before_request("/v1/users") is None


async def test_failure_knobs_count_down_and_validate():
    faults = Faults(seed=1)
    faults.configure(fail_next=2, fail_status=502)
    statuses = [await faults.before_request("/v1/users") for _ in range(3)]
    assert [s.status if s else None for s in statuses] == [502, 502, None]
    for bad in (
        {"fail_status": 200},
        {"fail_probability": 2},
        {"latency_s": -1},
        {"hang_next": "1"},
        {"nope": 1},
        {"fail_next": True},
    ):
        with pytest.raises(ValueError):
            faults.configure(**bad)


async def test_reset_releases_a_hanging_request():
    faults = Faults()
    faults.configure(hang_next=1, hang_s=600)
    waiting = asyncio.create_task(faults.before_request("/v1/users"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    faults.reset()
    assert await asyncio.wait_for(waiting, 2) is None


def test_no_webhook_url_means_no_delivery_and_no_thread(emulator):
    emulator.create_user("n@example.com")
    assert emulator.webhooks.deliveries == [] and emulator.webhooks._thread is None


# -- wiring --------------------------------------------------------------------


def test_the_local_mode_emulator_uses_the_settings(tmp_path):
    settings = Settings(
        _env_file=None,
        backend_url="http://localhost:8123",
        frontend_url="http://localhost:3123",
        clerk_emulator_dir=tmp_path / "emu",
    )
    with services.local_emulator(settings) as em:
        assert em.issuer == settings.emulator_url == "http://localhost:8123/_clerk"
        assert em.data_dir == tmp_path / "emu"
        assert em.authorized_parties == settings.authorized_parties == ["http://localhost:3123"]
        assert em.webhook_url == "http://localhost:8123/api/webhooks/clerk"
        assert (em.secret_key, em.webhook_secret) == load_local_secrets(tmp_path / "emu")

    configured = Settings(
        _env_file=None,
        clerk_emulator_dir=tmp_path / "emu",
        clerk_webhook_signing_secret="whsec_Y29uZmlndXJlZA==",
    )
    with services.local_emulator(configured) as em:
        assert em.webhook_secret == "whsec_Y29uZmlndXJlZA=="


def test_create_emulator_app_takes_an_emulator_or_its_arguments(emulator):
    assert create_emulator_app(emulator).state.emulator is emulator
    built = create_emulator_app(issuer=ISSUER)
    assert built.state.emulator.issuer == ISSUER
    built.state.emulator.close()
    with pytest.raises(TypeError):
        create_emulator_app(emulator, issuer=ISSUER)


def test_data_dir_is_git_ignored(tmp_path):
    with Emulator(issuer=ISSUER, data_dir=tmp_path / "d"):
        pass
    assert "*" in (tmp_path / "d" / ".gitignore").read_text().splitlines()
    assert os.access(tmp_path / "d" / "keys.json", os.R_OK)
    assert Path(tmp_path / "d" / "state.json").exists() is False  # written on first change


def test_the_local_mode_emulator_refuses_clerk_mode_settings(tmp_path):
    clerk_mode = Settings(
        _env_file=None,
        clerk_publishable_key="pk_test_Y2xlcmsuZXhhbXBsZS50ZXN0JA",
        clerk_secret_key="sk_test_x",
        clerk_emulator_dir=tmp_path,
    )
    with pytest.raises(ValueError, match="local"):
        services.local_emulator(clerk_mode)
    assert list(tmp_path.iterdir()) == []


def test_changes_after_close_still_succeed_without_webhooks():
    em = Emulator(issuer=ISSUER, webhook_url="http://127.0.0.1:9/hook")
    em.close()
    user = em.create_user("late@example.com")
    assert em.get_user(user["id"])["id"] == user["id"]
    assert [d.status for d in em.webhooks.deliveries] == []
