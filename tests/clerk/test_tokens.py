"""TokenVerifier: every acceptance rule, the JWKS cache, rotation, rate limit, failures.

Most tests serve the JWKS through an ``httpx.MockTransport`` (``MockJWKS``) so they can
hold a download open or make it fail; a few use a real local HTTP server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

import httpx
import pytest

from clerk_app.clerk.jwks import MAX_DOWNLOADS_PER_INTERVAL, MAX_JWKS_BYTES
from clerk_app.clerk.tokens import MAX_TOKEN_LENGTH, InvalidToken, TokenVerifier
from tests.support.tokens import (
    DROP,
    ISSUER,
    JWKS_URL,
    ORIGIN,
    FakeClock,
    LocalServer,
    MockJWKS,
    b64url,
    b64url_decode,
    encode_token,
    jwks,
    mint,
    rsa_signer,
    segment,
    session_claims,
    signing_key,
)

KEY = signing_key("ins_key_one")
KEY2 = signing_key("ins_key_two")
IMPOSTOR = signing_key("ins_key_one", name="impostor")  # same kid, another key


@pytest.fixture
def server() -> MockJWKS:
    return MockJWKS(document=jwks(KEY))


@pytest.fixture
def monotonic() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_verifier(server: MockJWKS, monotonic: FakeClock):
    def make(**kwargs) -> TokenVerifier:
        kwargs.setdefault("http_client", server.client())
        kwargs.setdefault("monotonic", monotonic)
        kwargs.setdefault("authorized_parties", [ORIGIN])
        return TokenVerifier(JWKS_URL, ISSUER, **kwargs)

    return make


@pytest.fixture
def verifier(make_verifier) -> TokenVerifier:
    return make_verifier()


async def rejected(verifier: TokenVerifier, token: object) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)  # type: ignore[arg-type]
    return caught.value.reason


# -- accepted tokens ----------------------------------------------------------------------


async def test_valid_token_returns_its_claims(verifier):
    claims = session_claims()
    assert await verifier.verify(mint(KEY, claims)) == claims


async def test_claim_names_are_shared_between_tokens_not_copied_per_tab(verifier):
    """Every signed-in tab keeps its claims: the names are one interned copy for all."""
    first = await verifier.verify(mint(KEY, session_claims(sid="sess_1")))
    second = await verifier.verify(mint(KEY, session_claims(sid="sess_2", o={"id": "org_1"})))
    for claims in (first, second, second["o"]):
        assert all(name is sys.intern(name) for name in claims)


async def test_azp_is_optional_only_without_authorized_parties(verifier, make_verifier):
    claims = session_claims(azp=DROP)
    assert await make_verifier(authorized_parties=[]).verify(mint(KEY, claims)) == claims
    # Once parties are configured, omitting azp must not bypass them.
    assert await rejected(verifier, mint(KEY, claims)) == "missing azp"


async def test_only_exp_iss_sub_sid_and_azp_are_required(verifier):
    claims = session_claims(nbf=DROP, iat=DROP, v=DROP)
    assert await verifier.verify(mint(KEY, claims)) == claims
    for required, reason in [
        ("exp", "missing exp"),
        ("iss", "wrong issuer"),
        ("sub", "missing or invalid sub"),
        ("sid", "missing sid"),
        ("azp", "missing azp"),
    ]:
        partial = {name: value for name, value in claims.items() if name != required}
        assert await rejected(verifier, mint(KEY, partial)) == reason


async def test_leeway_tolerates_small_clock_skew(make_verifier):
    now = 1_700_000_000.0
    verifier = make_verifier(clock=lambda: now, leeway_s=5)
    skewed = session_claims(now=now, exp=now - 4, nbf=now + 4, iat=now + 4)
    assert await verifier.verify(mint(KEY, skewed)) == skewed


async def test_float_timestamps_are_numbers(make_verifier):
    now = 1_700_000_000.0
    verifier = make_verifier(clock=lambda: now)
    claims = session_claims(now=now, exp=now + 30.5, iat=now - 0.25)
    assert await verifier.verify(mint(KEY, claims)) == claims


async def test_reserved_key_headers_are_ignored_not_fetched(make_verifier):
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=jwks(KEY))

    verifier = make_verifier(http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    header = {
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "jwk": IMPOSTOR.public_jwk(),
    }
    await verifier.verify(mint(KEY, header=header))
    assert seen == [JWKS_URL]


# -- time claims --------------------------------------------------------------------------

NOW = 1_700_000_000


@pytest.fixture
def fixed(make_verifier) -> TokenVerifier:
    return make_verifier(clock=lambda: float(NOW), leeway_s=5)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": NOW - 5}, "expired"),  # exactly at the end of the leeway
        ({"exp": NOW - 3600}, "expired"),
        ({"exp": DROP}, "missing exp"),
        ({"nbf": NOW + 6}, "not yet valid"),
        ({"nbf": 10**1000}, "not yet valid"),  # too big for a float: no OverflowError
        ({"iat": NOW + 6}, "issued in the future"),
        ({"exp": str(NOW + 60)}, "invalid exp"),
        ({"exp": True}, "invalid exp"),
        ({"exp": None}, "invalid exp"),
        ({"exp": [NOW + 60]}, "invalid exp"),
        ({"exp": {"value": NOW + 60}}, "invalid exp"),
        ({"nbf": "0"}, "invalid nbf"),
        ({"nbf": None}, "invalid nbf"),
        ({"iat": False}, "invalid iat"),
        ({"iat": "now"}, "invalid iat"),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, dict) else value,
)
async def test_time_claims(fixed, changes, reason):
    assert await rejected(fixed, mint(KEY, session_claims(now=NOW, **changes))) == reason


@pytest.mark.parametrize(
    ("raw_exp", "reason"),
    [
        (b"1e400", "invalid exp"),  # parses as inf
        (b"-1e400", "invalid exp"),
        (b"NaN", "malformed"),  # not JSON, though Python's json accepts it by default
        (b"Infinity", "malformed"),
        (b"-Infinity", "malformed"),
    ],
    ids=lambda value: value.decode() if isinstance(value, bytes) else value,
)
async def test_non_finite_exp_is_refused(fixed, raw_exp, reason):
    payload = b'{"exp":%s,"iss":"%s","sub":"user_1"}' % (raw_exp, ISSUER.encode())
    assert await rejected(fixed, mint(KEY, payload)) == reason


# -- identity claims ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example.test"}, "wrong issuer"),
        ({"iss": ISSUER + "/"}, "wrong issuer"),
        ({"iss": DROP}, "wrong issuer"),
        ({"iss": [ISSUER]}, "wrong issuer"),
        ({"azp": "https://evil.example.test"}, "unauthorized party"),
        ({"azp": [ORIGIN]}, "unauthorized party"),
        ({"azp": None}, "unauthorized party"),
        ({"azp": ""}, "unauthorized party"),
        ({"sub": DROP}, "missing or invalid sub"),
        ({"sub": ""}, "missing or invalid sub"),
        ({"sub": 42}, "missing or invalid sub"),
        ({"sub": ["user_1"]}, "missing or invalid sub"),
        ({"sub": "mch_2machine"}, "machine token"),
        ({"azp": DROP}, "missing azp"),
        ({"sid": 7}, "invalid sid"),
        ({"sid": ""}, "invalid sid"),
        ({"sid": None}, "invalid sid"),
        ({"sid": DROP}, "missing sid"),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, dict) else value,
)
async def test_identity_claims(verifier, changes, reason):
    assert await rejected(verifier, mint(KEY, session_claims(**changes))) == reason


@pytest.mark.parametrize("payload", [[1, 2], "user_1", 42, b"null"], ids=repr)
async def test_payload_must_be_an_object(verifier, payload):
    assert await rejected(verifier, mint(KEY, payload)) == "payload is not an object"


async def test_duplicate_claims_are_refused(verifier):
    claims = json.dumps(session_claims())[:-1] + ', "sub": "user_admin"}'
    assert await rejected(verifier, mint(KEY, claims.encode())) == "malformed"


# -- header -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "HS256"},
        {"alg": "RS512"},
        {"alg": "PS256"},
        {"alg": "ES256"},
        {"alg": "rs256"},
        {"alg": DROP},
        {"alg": ["RS256"]},
    ],
    ids=lambda header: str(header.get("alg", "missing")),
)
async def test_only_rs256_is_accepted(verifier, header):
    # Correctly RS256-signed: only the declared algorithm is wrong.
    assert await rejected(verifier, mint(KEY, header=header)) == "unsupported alg"


async def test_crit_header_is_refused(verifier):
    token = mint(KEY, header={"crit": ["exp"]})
    assert await rejected(verifier, token) == "unsupported crit header"


@pytest.mark.parametrize(
    "kid", [DROP, None, "", 17, ["ins_key_one"], "k" * 257], ids=lambda k: repr(k)[:12]
)
async def test_kid_must_be_a_short_string(verifier, kid):
    assert await rejected(verifier, mint(KEY, header={"kid": kid})) == "missing or invalid kid"


async def test_header_must_be_an_object(verifier):
    token = encode_token(["RS256"], session_claims(), rsa_signer(KEY.private_key))
    assert await rejected(verifier, token) == "header is not an object"


async def test_duplicate_header_members_are_refused(verifier):
    header = b'{"alg":"RS256","kid":"ins_key_one","alg":"none"}'
    token = encode_token(header, session_claims(), rsa_signer(KEY.private_key))
    assert await rejected(verifier, token) == "malformed"


# -- signature and encoding ---------------------------------------------------------------


async def test_signature_from_another_key_with_a_known_kid(verifier):
    assert await rejected(verifier, mint(IMPOSTOR)) == "bad signature"


async def test_tampered_payload(verifier):
    header, _, signature = mint(KEY).split(".")
    forged = segment(session_claims(sub="user_admin"))
    assert await rejected(verifier, f"{header}.{forged}.{signature}") == "bad signature"


async def test_tampered_signature(verifier):
    header, payload, signature = mint(KEY).split(".")
    raw = bytearray(b64url_decode(signature))
    raw[100] ^= 1
    assert await rejected(verifier, f"{header}.{payload}.{b64url(bytes(raw))}") == "bad signature"


async def test_non_canonical_base64_is_refused(verifier):
    # 256 signature bytes leave 4 unused bits in the last character; setting them gives
    # another spelling of the same signature, which must not verify.
    token = mint(KEY)
    assert token[-1] in "AQgw"
    respelled = token[:-1] + chr(ord(token[-1]) + 1)
    assert b64url_decode(respelled.split(".")[2]) == b64url_decode(token.split(".")[2])
    assert await rejected(verifier, respelled) == "malformed"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t + "=",
        lambda t: t.replace(".", "=.", 1),
        lambda t: t[:40] + "+" + t[41:],
        lambda t: t[:40] + "/" + t[41:],
        lambda t: t[:40] + " " + t[40:],
        lambda t: t[:40] + "é" + t[41:],
        lambda t: t + ".",
        lambda t: t + "." + t.split(".")[2],
        lambda t: t.rsplit(".", 1)[0],
        lambda t: t.rsplit(".", 1)[0] + ".",
        lambda t: "." + t,
        lambda t: t.replace(".", "..", 1),
        lambda t: "",
        lambda t: "Bearer " + t,
        lambda t: t + "\n",
    ],
    ids=[
        "padding",
        "header-padding",
        "plus",
        "slash",
        "space",
        "non-ascii",
        "trailing-dot",
        "four-segments",
        "two-segments",
        "empty-signature",
        "leading-dot",
        "empty-payload",
        "empty",
        "bearer-prefix",
        "newline",
    ],
)
async def test_malformed_compact_form(verifier, spoil):
    assert await rejected(verifier, spoil(mint(KEY))) == "malformed"


async def test_length_cap(verifier):
    assert await rejected(verifier, "a" * (MAX_TOKEN_LENGTH + 1)) == "too long"
    padded = mint(KEY, session_claims(pad="x" * 7000))
    assert len(padded) > MAX_TOKEN_LENGTH
    assert await rejected(verifier, padded) == "too long"


@pytest.mark.parametrize("value", [None, 42, b"a.b.c", ["a", "b", "c"], {"token": "a"}], ids=repr)
async def test_non_string_input(verifier, value):
    assert await rejected(verifier, value) == "not a string"


async def test_bytes_of_a_valid_token_are_not_a_string(verifier):
    assert await rejected(verifier, mint(KEY).encode()) == "not a string"


# -- JWKS cache, rotation, rate limit ------------------------------------------------------


async def test_no_fetch_before_first_use_and_none_after_warm_up(verifier, server):
    assert verifier.jwks_fetches == 0
    tokens = [mint(KEY, session_claims(sub=f"user_{i}")) for i in range(20)]
    for _ in range(50):
        for token in tokens:
            await verifier.verify(token)
    assert verifier.jwks_fetches == 1
    assert len(server.requests) == 1


async def test_warm_up_fetches_once(verifier, server):
    assert await verifier.warm_up() is True
    assert await verifier.warm_up() is True
    assert verifier.known_kids == {KEY.kid}
    await verifier.verify(mint(KEY))
    assert verifier.jwks_fetches == 1


async def test_rotated_key_is_accepted_after_one_refetch(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    monotonic.advance(60)
    server.document = jwks(KEY2, KEY)
    assert (await verifier.verify(mint(KEY2)))["sub"] == "user_2testuser"
    assert verifier.jwks_fetches == 2
    await verifier.verify(mint(KEY))
    await verifier.verify(mint(KEY2))
    assert verifier.jwks_fetches == 2


async def test_key_published_right_after_a_refresh_is_accepted_at_once(verifier, server, monotonic):
    await verifier.verify(mint(KEY))  # the refresh: the cache now holds KEY
    assert verifier.jwks_fetches == 1
    monotonic.advance(0.5)
    server.document = jwks(KEY2, KEY)  # Clerk publishes a second key
    assert (await verifier.verify(mint(KEY2)))["sub"] == "user_2testuser"
    assert verifier.jwks_fetches == 2
    # A productive download delays nothing: a third key, a second later, verifies too.
    key3 = signing_key("ins_key_three")
    monotonic.advance(1)
    server.document = jwks(key3, KEY2, KEY)
    assert (await verifier.verify(mint(key3)))["sub"] == "user_2testuser"
    assert verifier.jwks_fetches == 3
    for key in (KEY, KEY2, key3):
        await verifier.verify(mint(key))
    assert verifier.jwks_fetches == len(server.requests) == 3


async def test_rotation_is_held_back_after_a_miss(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    forged = mint(signing_key("ins_stranger"), header={"kid": "ins_forged"})
    assert await rejected(verifier, forged) == "unknown kid"  # a miss: the door closes
    assert verifier.jwks_fetches == 2
    server.document = jwks(KEY2, KEY)
    monotonic.advance(9.9)
    assert await rejected(verifier, mint(KEY2)) == "unknown kid"
    assert verifier.jwks_fetches == 2
    monotonic.advance(0.1)
    await verifier.verify(mint(KEY2))
    assert verifier.jwks_fetches == 3


async def test_forged_kid_flood_right_after_a_refresh_costs_one_fetch_per_interval(
    verifier, server, monotonic
):
    await verifier.verify(mint(KEY))
    stranger = signing_key("ins_stranger")
    for interval in range(5):
        before = len(server.requests)
        for i in range(100):
            monotonic.advance(0.099)  # 100 tokens spread over 9.9 s
            token = mint(stranger, header={"kid": f"ins_forged_{interval}_{i}"})
            assert await rejected(verifier, token) == "unknown kid"
        assert len(server.requests) - before == 1
        monotonic.advance(0.1)
    assert verifier.jwks_fetches == 1 + 5
    assert (await verifier.verify(mint(KEY)))["sub"] == "user_2testuser"


async def test_downloads_are_capped_per_interval_whatever_their_outcome(
    verifier, server, monotonic
):
    # A JWKS endpoint flapping between two key sets makes every download productive.
    await verifier.verify(mint(KEY))
    refused = []
    for i in range(10):
        key = KEY2 if i % 2 == 0 else KEY
        server.document = jwks(key)
        try:
            await verifier.verify(mint(key))
        except InvalidToken as error:
            refused.append((i, error.reason))
    assert verifier.jwks_fetches == MAX_DOWNLOADS_PER_INTERVAL == 3
    # Both flips within the ceiling were fetched; then the cache keeps KEY, and KEY2
    # waits for the interval to pass.
    assert refused == [
        (2, "unknown kid"),
        (4, "unknown kid"),
        (6, "unknown kid"),
        (8, "unknown kid"),
    ]
    monotonic.advance(10)
    server.document = jwks(KEY2, KEY)
    await verifier.verify(mint(KEY2))
    assert verifier.jwks_fetches == MAX_DOWNLOADS_PER_INTERVAL + 1


async def test_unknown_kid_spam_costs_one_fetch_per_interval(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    monotonic.advance(10)
    stranger = signing_key("ins_stranger")
    for i in range(200):
        token = mint(stranger, header={"kid": f"ins_forged_{i}"})
        assert await rejected(verifier, token) == "unknown kid"
    assert verifier.jwks_fetches == 2
    monotonic.advance(10)
    assert await rejected(verifier, mint(stranger)) == "unknown kid"
    assert verifier.jwks_fetches == 3
    assert len(server.requests) == 3


async def test_concurrent_verifications_share_one_fetch(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    monotonic.advance(60)
    server.document = jwks(KEY, KEY2)
    server.gate = asyncio.Event()
    tokens = [mint(KEY2, session_claims(sub=f"user_{i}")) for i in range(25)]
    tasks = [asyncio.create_task(verifier.verify(token)) for token in tokens]
    await asyncio.sleep(0.01)  # every task is now waiting on the one download
    assert len(server.requests) == 2
    # The event loop is free while the download is in flight: known keys still verify.
    assert (await verifier.verify(mint(KEY)))["sub"] == "user_2testuser"
    server.gate.set()
    results = await asyncio.gather(*tasks)
    assert [claims["sub"] for claims in results] == [f"user_{i}" for i in range(25)]
    assert verifier.jwks_fetches == 2


async def test_keys_dropped_from_the_jwks_stop_verifying(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    monotonic.advance(10)
    server.document = jwks(KEY2)
    await verifier.verify(mint(KEY2))
    assert verifier.known_kids == {KEY2.kid}
    assert await rejected(verifier, mint(KEY)) == "unknown kid"


@pytest.mark.parametrize(
    "entry_changes",
    [{"alg": "RS512"}, {"use": "enc"}, {"kty": "EC"}, {"kid": DROP}, {"n": "!!"}, {"e": 3}],
    ids=lambda changes: repr(changes),
)
async def test_unusable_jwks_entries_are_skipped(make_verifier, server, entry_changes):
    bad = {**KEY2.public_jwk(), **entry_changes}
    if entry_changes.get("kid") is DROP:
        del bad["kid"]
    server.document = {"keys": [bad, KEY.public_jwk()]}
    verifier = make_verifier()
    await verifier.verify(mint(KEY))
    assert verifier.known_kids == {KEY.kid}
    assert await rejected(verifier, mint(KEY2)) == "unknown kid"


async def test_small_rsa_keys_are_refused(make_verifier, server):
    weak = signing_key("ins_weak", bits=1024)
    server.document = jwks(weak, KEY)
    verifier = make_verifier()
    assert await rejected(verifier, mint(weak)) == "unknown kid"
    assert verifier.known_kids == {KEY.kid}


async def test_private_key_in_jwks_is_not_used(make_verifier, server):
    from jwt.algorithms import RSAAlgorithm

    private = RSAAlgorithm.to_jwk(KEY2.private_key, as_dict=True) | {"kid": KEY2.kid}
    server.document = {"keys": [private, KEY.public_jwk()]}
    verifier = make_verifier()
    assert await rejected(verifier, mint(KEY2)) == "unknown kid"


# -- JWKS failures ------------------------------------------------------------------------


def _spoil_status(server):
    server.status = 500


def _spoil_not_found(server):
    server.status = 404


def _spoil_not_json(server):
    server.body = b"<html>maintenance</html>"


def _spoil_json_list(server):
    server.body = b"[]"


def _spoil_keys_not_list(server):
    server.document = {"keys": {"kid": "x"}}


def _spoil_no_keys(server):
    server.document = {"keys": []}


def _spoil_only_bad_keys(server):
    server.document = {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "ins_key_one"}, 7]}


def _spoil_too_large(server):
    server.body = json.dumps(jwks(KEY)).encode() + b" " * MAX_JWKS_BYTES


def _spoil_deep_json(server):
    server.body = b"[" * 100_000 + b"]" * 100_000


def _spoil_connect_error(server):
    server.error = httpx.ConnectError("connection refused")


def _spoil_unexpected_error(server):
    server.error = RuntimeError("transport bug")


@pytest.mark.parametrize(
    "spoil",
    [
        _spoil_status,
        _spoil_not_found,
        _spoil_not_json,
        _spoil_json_list,
        _spoil_keys_not_list,
        _spoil_no_keys,
        _spoil_only_bad_keys,
        _spoil_too_large,
        _spoil_deep_json,
        _spoil_connect_error,
        _spoil_unexpected_error,
    ],
    ids=lambda spoil: spoil.__name__.removeprefix("_spoil_"),
)
async def test_jwks_failure_is_invalid_token(verifier, server, spoil):
    spoil(server)
    assert await rejected(verifier, mint(KEY)) == "jwks unavailable"
    assert verifier.jwks_fetches == 1


async def test_jwks_redirect_is_not_followed(make_verifier):
    # Key material comes from the configured URL only, not from wherever it points.
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/elsewhere.json":
            return httpx.Response(200, json=jwks(KEY))
        return httpx.Response(302, headers={"location": "/elsewhere.json"})

    verifier = make_verifier(http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    assert await rejected(verifier, mint(KEY)) == "jwks unavailable"
    assert seen == ["/.well-known/jwks.json"]


async def test_jwks_timeout(make_verifier, server):
    server.gate = asyncio.Event()  # never set: the server never answers
    verifier = make_verifier(fetch_timeout_s=0.05)
    # The outer bound turns a missing timeout into a failure instead of a hang.
    reason = await asyncio.wait_for(rejected(verifier, mint(KEY)), timeout=10)
    assert reason == "jwks unavailable"


async def test_failed_refetch_keeps_the_cached_keys(verifier, server, monotonic):
    await verifier.verify(mint(KEY))
    monotonic.advance(10)
    server.status = 503
    assert await rejected(verifier, mint(KEY2)) == "jwks unavailable"
    assert verifier.jwks_fetches == 2
    assert (await verifier.verify(mint(KEY)))["sub"] == "user_2testuser"


async def test_recovers_once_the_jwks_is_back(verifier, server, monotonic):
    server.status = 503
    assert await rejected(verifier, mint(KEY)) == "jwks unavailable"
    assert await rejected(verifier, mint(KEY)) == "jwks unavailable"
    assert verifier.jwks_fetches == 1  # failures are rate-limited too
    server.status = 200
    monotonic.advance(10)
    await verifier.verify(mint(KEY))
    assert verifier.jwks_fetches == 2


async def test_jwks_headers_are_sent(make_verifier, server):
    verifier = make_verifier(jwks_headers={"Authorization": "Bearer sk_test_x"})
    await verifier.verify(mint(KEY))
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer sk_test_x"
    assert str(request.url) == JWKS_URL


# -- over real HTTP ----------------------------------------------------------------------


async def test_real_http_server_is_hit_once():
    with LocalServer(jwks(KEY)) as local:
        verifier = TokenVerifier(local.jwks_url, ISSUER, [ORIGIN])
        for _ in range(100):
            await verifier.verify(mint(KEY))
        assert local.hits == ["/.well-known/jwks.json"]
        assert verifier.jwks_fetches == 1


async def test_unreachable_jwks_url():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    verifier = TokenVerifier(f"http://127.0.0.1:{port}/jwks", ISSUER, [ORIGIN])
    assert await rejected(verifier, mint(KEY)) == "jwks unavailable"


def test_one_verifier_across_event_loops(server, monotonic):
    # asyncio.Lock binds to the first loop it is contended on; the verifier must not.
    server.delay_s = 0.01  # keep the download open so the callers contend for the lock
    verifier = TokenVerifier(
        JWKS_URL, ISSUER, [ORIGIN], http_client=server.client(), monotonic=monotonic
    )

    async def burst(key) -> None:
        await asyncio.gather(*(verifier.verify(mint(key)) for _ in range(5)))

    asyncio.run(burst(KEY))
    monotonic.advance(10)
    server.document = jwks(KEY, KEY2)
    asyncio.run(burst(KEY2))
    assert verifier.jwks_fetches == 2


# -- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"jwks_url": "file:///etc/jwks.json"}, ValueError),
        ({"issuer": ""}, ValueError),
        ({"authorized_parties": ORIGIN}, TypeError),
        ({"leeway_s": -1}, ValueError),
        ({"leeway_s": float("nan")}, ValueError),
    ],
    ids=["jwks-url", "issuer", "parties-str", "leeway-negative", "leeway-nan"],
)
def test_configuration_is_checked(kwargs, error):
    args = {"jwks_url": JWKS_URL, "issuer": ISSUER, "authorized_parties": [ORIGIN], **kwargs}
    with pytest.raises(error):
        TokenVerifier(**args)
