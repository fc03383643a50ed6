"""Hostile session tokens: a named corpus of known attacks, then a fuzz.

Every token here must be refused with :class:`InvalidToken`, and nothing else may escape
:meth:`TokenVerifier.verify`. The JWKS is served by a real local HTTP server; a second
one plays the attacker's host, named by the ``jku``/``x5u``/``kid`` tricks, and must
never receive a request.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_app.clerk.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import (
    CAT_JWT_TEMPLATE,
    CAT_M2M,
    DROP,
    ISSUER,
    ORIGIN,
    LocalServer,
    SigningKey,
    b64url,
    b64url_decode,
    ec_signer,
    encode_token,
    hmac_signer,
    jwks,
    m2m_claims,
    mint,
    oauth_access_token_claims,
    rsa_signer,
    segment,
    session_claims,
    signing_key,
    template_claims,
)

KEY = signing_key("ins_2hostile")
ATTACKER = signing_key("ins_attacker", name="attacker")
EC_KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[LocalServer]:
    with LocalServer(jwks(KEY)) as server:
        yield server


@pytest.fixture(scope="module")
def attacker() -> Iterator[LocalServer]:
    with LocalServer(jwks(ATTACKER)) as server:
        yield server


@dataclass(frozen=True)
class Ctx:
    """What a hostile-token builder may use."""

    attacker_url: str

    @property
    def pem(self) -> bytes:
        return KEY.public_pem()


def _as(key: SigningKey, **header: Any) -> Callable[[Ctx], str]:
    return lambda ctx: mint(key, header=header)


def _claims(**changes: Any) -> Callable[[Ctx], str]:
    return lambda ctx: mint(KEY, session_claims(**changes))


def _raw(header: Any, payload: Any, sign=None) -> Callable[[Ctx], str]:
    return lambda ctx: encode_token(header, payload, sign)


def _swap_payload(ctx: Ctx) -> str:
    header, _, signature = mint(KEY).split(".")
    return f"{header}.{segment(session_claims(sub='user_admin'))}.{signature}"


def _swap_header(ctx: Ctx) -> str:
    _, payload, signature = mint(KEY).split(".")
    header = segment({"alg": "RS256", "typ": "JWT", "kid": KEY.kid, "x": 1})
    return f"{header}.{payload}.{signature}"


def _respelled_signature(ctx: Ctx) -> str:
    token = mint(KEY)
    return token[:-1] + chr(ord(token[-1]) + 1)  # same bytes, non-canonical spelling


def _duplicate_claims(ctx: Ctx) -> str:
    body = json.dumps(session_claims(sub="user_victim"))[:-1] + ', "sub": "user_admin"}'
    return mint(KEY, body.encode())


def _huge(ctx: Ctx) -> str:
    header, payload, signature = mint(KEY).split(".")
    return f"{header}.{payload}{'A' * (1 << 20)}.{signature}"


def _der(ctx: Ctx) -> bytes:
    return KEY.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _hs256(secret: Callable[[Ctx], bytes]) -> Callable[[Ctx], str]:
    return lambda ctx: mint(KEY, header={"alg": "HS256"}, sign=hmac_signer(secret(ctx)))


def _attacker_header(**header: Callable[[Ctx], Any]) -> Callable[[Ctx], str]:
    return lambda ctx: mint(ATTACKER, header={name: f(ctx) for name, f in header.items()})


NOW = 1_700_000_000  # November 2023: a token issued then is long expired
# (builder, the reason it must be refused with)
HOSTILE: list[Any] = [
    # -- algorithm confusion
    pytest.param(
        _raw({"alg": "none", "kid": KEY.kid}, session_claims()), "malformed", id="alg-none"
    ),
    pytest.param(_as(KEY, alg="none"), "unsupported alg", id="alg-none-with-valid-rs256-signature"),
    pytest.param(_as(KEY, alg="None"), "unsupported alg", id="alg-None-capitalised"),
    pytest.param(_as(KEY, alg=DROP), "unsupported alg", id="alg-missing"),
    pytest.param(_as(KEY, alg=["RS256"]), "unsupported alg", id="alg-as-list"),
    pytest.param(_hs256(lambda ctx: ctx.pem), "unsupported alg", id="hs256-keyed-with-public-pem"),
    pytest.param(
        _hs256(lambda ctx: json.dumps(KEY.public_jwk()).encode()),
        "unsupported alg",
        id="hs256-keyed-with-public-jwk",
    ),
    pytest.param(_hs256(_der), "unsupported alg", id="hs256-keyed-with-public-der"),
    pytest.param(
        lambda ctx: mint(KEY, header={"alg": "PS256"}, sign=rsa_signer(KEY.private_key, pss=True)),
        "unsupported alg",
        id="ps256-by-the-real-key",
    ),
    pytest.param(
        lambda ctx: mint(KEY, header={"alg": "RS512"}, sign=rsa_signer(KEY.private_key, "sha512")),
        "unsupported alg",
        id="rs512-by-the-real-key",
    ),
    pytest.param(
        lambda ctx: mint(KEY, header={"alg": "ES256"}, sign=ec_signer(EC_KEY)),
        "unsupported alg",
        id="es256",
    ),
    pytest.param(_as(KEY, alg="RSA-OAEP", enc="A256GCM"), "unsupported alg", id="jwe-header"),
    # -- keys and kid
    pytest.param(_as(ATTACKER, kid=KEY.kid), "bad signature", id="attacker-key-with-real-kid"),
    pytest.param(_as(ATTACKER), "unknown kid", id="unknown-kid"),
    pytest.param(_as(KEY, kid=DROP), "missing or invalid kid", id="kid-missing"),
    pytest.param(_as(KEY, kid=""), "missing or invalid kid", id="kid-empty"),
    pytest.param(_as(KEY, kid=None), "missing or invalid kid", id="kid-null"),
    pytest.param(_as(KEY, kid=KEY.kid + " "), "unknown kid", id="kid-trailing-space"),
    pytest.param(
        _as(ATTACKER, kid="../../../../../dev/null"), "unknown kid", id="kid-path-traversal"
    ),
    pytest.param(
        lambda ctx: mint(ATTACKER, header={"kid": ctx.attacker_url + "/jwks.json"}),
        "unknown kid",
        id="kid-url",
    ),
    pytest.param(_as(ATTACKER, kid="' OR '1'='1' --"), "unknown kid", id="kid-sql-injection"),
    pytest.param(_as(ATTACKER, kid="ins\x00" + KEY.kid), "unknown kid", id="kid-nul-byte"),
    pytest.param(_as(ATTACKER, kid="k" * 5000), "missing or invalid kid", id="kid-5000-chars"),
    # -- key material offered by the token itself
    pytest.param(
        _attacker_header(jwk=lambda ctx: ATTACKER.public_jwk()),
        "unknown kid",
        id="embedded-jwk-own-kid",
    ),
    pytest.param(
        lambda ctx: mint(ATTACKER, header={"kid": KEY.kid, "jwk": ATTACKER.public_jwk()}),
        "bad signature",
        id="embedded-jwk-real-kid",
    ),
    pytest.param(
        _attacker_header(jku=lambda ctx: ctx.attacker_url + "/.well-known/jwks.json"),
        "unknown kid",
        id="jku-to-attacker",
    ),
    pytest.param(
        lambda ctx: mint(
            ATTACKER, header={"kid": KEY.kid, "jku": ctx.attacker_url + "/.well-known/jwks.json"}
        ),
        "bad signature",
        id="jku-to-attacker-real-kid",
    ),
    pytest.param(
        _attacker_header(x5u=lambda ctx: ctx.attacker_url + "/cert.pem"), "unknown kid", id="x5u"
    ),
    pytest.param(
        _attacker_header(x5c=lambda ctx: [base64.b64encode(b"not a certificate").decode()]),
        "unknown kid",
        id="x5c",
    ),
    # -- claims
    pytest.param(_claims(now=NOW), "expired", id="expired"),
    pytest.param(_claims(exp=DROP), "missing exp", id="no-exp"),
    pytest.param(
        _claims(nbf=4_000_000_000, exp=4_000_000_060), "not yet valid", id="not-yet-valid"
    ),
    pytest.param(_claims(iat=4_000_000_000), "issued in the future", id="issued-in-the-future"),
    pytest.param(_claims(iss="https://evil.example.test"), "wrong issuer", id="wrong-iss"),
    pytest.param(_claims(iss=DROP), "wrong issuer", id="no-iss"),
    pytest.param(_claims(azp="https://evil.example.test"), "unauthorized party", id="foreign-azp"),
    pytest.param(
        _claims(azp=[ORIGIN, "https://evil.example.test"]), "unauthorized party", id="azp-list"
    ),
    pytest.param(_claims(sub=DROP), "missing or invalid sub", id="no-sub"),
    pytest.param(_claims(sub=""), "missing or invalid sub", id="empty-sub"),
    pytest.param(_claims(sub=123), "missing or invalid sub", id="sub-number"),
    pytest.param(_claims(exp="4000000000"), "invalid exp", id="exp-string"),
    pytest.param(_claims(exp=True), "invalid exp", id="exp-boolean"),
    pytest.param(_claims(exp=None), "invalid exp", id="exp-null"),
    pytest.param(
        lambda ctx: mint(KEY, b'{"exp":NaN,"iss":"%s","sub":"user_1"}' % ISSUER.encode()),
        "malformed",
        id="exp-nan",
    ),
    pytest.param(
        lambda ctx: mint(KEY, b'{"exp":1e999,"iss":"%s","sub":"user_1"}' % ISSUER.encode()),
        "invalid exp",
        id="exp-infinite",
    ),
    pytest.param(_duplicate_claims, "malformed", id="duplicate-sub-claim"),
    pytest.param(
        lambda ctx: mint(KEY, [session_claims()]), "payload is not an object", id="payload-list"
    ),
    pytest.param(
        lambda ctx: mint(KEY, "user_admin"), "payload is not an object", id="payload-string"
    ),
    pytest.param(lambda ctx: mint(KEY, b"null"), "payload is not an object", id="payload-null"),
    # -- not a session token: other kinds the same instance key signs
    pytest.param(_claims(azp=DROP), "missing azp", id="no-azp-with-parties-configured"),
    pytest.param(_claims(sid=DROP), "missing sid", id="no-sid"),
    pytest.param(
        lambda ctx: mint(KEY, m2m_claims(), header={"cat": CAT_M2M}), "machine token", id="m2m-jwt"
    ),
    pytest.param(
        lambda ctx: mint(KEY, m2m_claims(sid="sess_2x", azp=ORIGIN)),
        "machine token",
        id="m2m-jwt-no-category-with-session-claims",
    ),
    pytest.param(
        lambda ctx: mint(KEY, template_claims(), header={"cat": CAT_JWT_TEMPLATE}),
        "jwt template token",
        id="jwt-template",
    ),
    pytest.param(
        lambda ctx: mint(KEY, template_claims()), "missing sid", id="jwt-template-no-category"
    ),
    pytest.param(
        lambda ctx: mint(KEY, oauth_access_token_claims(), header={"typ": "at+jwt"}),
        "oauth access token",
        id="oauth-access-token",
    ),
    pytest.param(_as(KEY, typ="jwt"), "unsupported typ", id="typ-lowercase"),
    pytest.param(_as(KEY, cat="cl_B7d4PD999AAA"), "not a session token", id="cat-unknown"),
    # -- header extensions
    pytest.param(_as(KEY, crit=["exp"]), "unsupported crit header", id="crit-header"),
    pytest.param(_as(KEY, crit=[]), "unsupported crit header", id="crit-empty"),
    pytest.param(
        _as(KEY, b64=False, crit=["b64"]),
        "unsupported crit header",
        id="unencoded-payload-b64-false",
    ),
    pytest.param(
        lambda ctx: encode_token(
            b'{"alg":"RS256","kid":"%s","alg":"none"}' % KEY.kid.encode(),
            session_claims(),
            rsa_signer(KEY.private_key),
        ),
        "malformed",
        id="duplicate-alg-header",
    ),
    # -- tampering and encoding
    pytest.param(_swap_payload, "bad signature", id="tampered-payload"),
    pytest.param(_swap_header, "bad signature", id="tampered-header"),
    pytest.param(lambda ctx: mint(KEY)[:-10], "bad signature", id="truncated-signature"),
    pytest.param(lambda ctx: mint(KEY)[:150], "malformed", id="truncated-middle"),
    pytest.param(lambda ctx: mint(KEY).rsplit(".", 1)[0], "malformed", id="signature-missing"),
    pytest.param(lambda ctx: mint(KEY).rsplit(".", 1)[0] + ".", "malformed", id="signature-empty"),
    pytest.param(lambda ctx: mint(KEY) + ".e30", "malformed", id="extra-segment"),
    pytest.param(lambda ctx: ".".join(["e30"] * 5), "malformed", id="five-segments-jwe-shape"),
    pytest.param(_respelled_signature, "malformed", id="non-canonical-signature"),
    pytest.param(lambda ctx: mint(KEY) + "==", "malformed", id="base64-padding"),
    pytest.param(
        lambda ctx: mint(KEY).replace("-", "+").replace("_", "/"), "malformed", id="standard-base64"
    ),
    pytest.param(
        lambda ctx: "!!!." + mint(KEY).split(".", 1)[1], "malformed", id="non-base64-header"
    ),
    pytest.param(
        lambda ctx: mint(KEY).translate(str.maketrans("AB", "ＡＢ")),
        "malformed",
        id="fullwidth-lookalikes",
    ),
    pytest.param(lambda ctx: "Bearer " + mint(KEY), "malformed", id="bearer-prefix"),
    pytest.param(lambda ctx: " " + mint(KEY) + "\n", "malformed", id="surrounding-whitespace"),
    pytest.param(lambda ctx: "", "malformed", id="empty-string"),
    pytest.param(lambda ctx: "..", "malformed", id="only-dots"),
    pytest.param(_huge, "too long", id="one-megabyte"),
    pytest.param(
        _raw(b'{"alg":"RS256","kid":' + b"[" * 2000 + b"]" * 2000 + b"}", session_claims()),
        "malformed",
        id="json-bomb-header",
    ),
    pytest.param(
        lambda ctx: mint(KEY, b"[" * 2000 + b"]" * 2000), "malformed", id="json-bomb-payload-signed"
    ),
    pytest.param(
        lambda ctx: mint(KEY, b"[" * 400_000 + b"]" * 400_000),
        "too long",
        id="json-bomb-one-megabyte",
    ),
    pytest.param(
        lambda ctx: b64url(b"\xff\xfe" * 10) + ".e30.e30", "malformed", id="header-not-utf8"
    ),
    # -- not a string at all
    pytest.param(lambda ctx: mint(KEY).encode(), "not a string", id="bytes"),
    pytest.param(lambda ctx: None, "not a string", id="none"),
    pytest.param(lambda ctx: 42, "not a string", id="int"),
    pytest.param(lambda ctx: mint(KEY).split("."), "not a string", id="list-of-segments"),
    pytest.param(lambda ctx: {"token": mint(KEY)}, "not a string", id="dict"),
]


@pytest.mark.parametrize(("build", "reason"), HOSTILE)
async def test_hostile_token_is_refused(build, reason, jwks_server, attacker):
    verifier = TokenVerifier(jwks_server.jwks_url, ISSUER, [ORIGIN])
    token = build(Ctx(attacker_url=attacker.base_url))
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    # Refused for the reason the case is about, not by accident of some earlier check.
    assert caught.value.reason == reason
    assert attacker.hits == []
    # The same verifier still accepts a genuine token: the attack left no damage behind.
    assert (await verifier.verify(mint(KEY)))["sub"] == "user_2testuser"


def test_corpus_is_large_and_named():
    assert len(HOSTILE) >= 30
    assert len({case.id for case in HOSTILE}) == len(HOSTILE)


# -- fuzz -------------------------------------------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FUZZ_EXAMPLES = 5_000  # per test; two tests make 10,000 tokens


@pytest.fixture(scope="module")
def fuzz(jwks_server) -> Iterator[tuple[asyncio.Runner, TokenVerifier, str]]:
    """One event loop and one warm verifier for every example, and a valid token."""
    verifier = TokenVerifier(jwks_server.jwks_url, ISSUER, [ORIGIN])
    valid = mint(KEY, session_claims(lifetime_s=3600))
    with asyncio.Runner() as runner:
        runner.run(verifier.verify(valid))
        yield runner, verifier, valid


def _outcome(runner: asyncio.Runner, verifier: TokenVerifier, token: Any) -> dict | None:
    """The claims, or None for InvalidToken; any other exception fails the test."""
    try:
        return runner.run(verifier.verify(token))
    except InvalidToken:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["RS256", "none", "HS256", "PS256", "RS512", "ES256", ""])},
    optional={
        "kid": st.sampled_from([KEY.kid, ATTACKER.kid, ""]) | st.text(max_size=30),
        "typ": st.just("JWT"),
        "crit": st.lists(st.text(max_size=5), max_size=2),
        "jku": st.just("http://127.0.0.1:1/jwks.json"),
    },
)
claims = st.builds(
    lambda changes: session_claims(**changes),
    st.dictionaries(st.sampled_from(["exp", "nbf", "iat", "iss", "sub", "azp"]), json_values),
)
segments = (
    st.binary(max_size=300).map(b64url)
    | json_values.map(segment)
    | headers.map(segment)
    | st.text(alphabet=B64URL, max_size=400)
)
random_tokens = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=B64URL + ".=+/", max_size=600),
    st.lists(segments, max_size=5).map(".".join),
    st.tuples(headers.map(segment), claims.map(segment), st.binary(max_size=300).map(b64url)).map(
        ".".join
    ),
    st.tuples(headers.map(segment), claims.map(segment), st.binary(min_size=256, max_size=256)).map(
        lambda parts: f"{parts[0]}.{parts[1]}.{b64url(parts[2])}"
    ),
    st.binary(max_size=100),
    st.integers() | st.none() | st.lists(st.text(max_size=5), max_size=3),
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(token=random_tokens)
def test_fuzz_random_tokens_are_refused(fuzz, token):
    runner, verifier, _ = fuzz
    assert _outcome(runner, verifier, token) is None


def _bitflip(token: str, index: int, position: int, mask: int) -> str:
    """Flip bits inside one decoded segment and re-encode it canonically."""
    parts = token.split(".")
    index %= len(parts)
    try:
        raw = bytearray(b64url_decode(parts[index]))
    except ValueError:
        return token
    if not raw:
        return token
    raw[position % len(raw)] ^= mask
    parts[index] = b64url(bytes(raw))
    return ".".join(parts)


def _mutate(token: str, op: tuple) -> str:
    kind, *args = op
    size = max(len(token), 1)
    if kind == "replace":
        i, char = args[0] % size, args[1]
        return token[:i] + char + token[i + 1 :]
    if kind == "delete":
        i = args[0] % size
        return token[:i] + token[i + args[1] :]
    if kind == "insert":
        i = args[0] % (size + 1)
        return token[:i] + args[1] + token[i:]
    if kind == "truncate":
        return token[: args[0] % size]
    if kind == "bitflip":
        return _bitflip(token, *args)
    parts = token.split(".")
    if kind == "permute":
        return ".".join(parts[i] for i in args[0] if i < len(parts))
    if kind == "duplicate":
        i = args[0] % len(parts)
        return ".".join([*parts[: i + 1], parts[i], *parts[i + 1 :]])
    raise AssertionError(kind)


positions = st.integers(0, 2000)
mutations = st.lists(
    st.tuples(st.just("replace"), positions, st.sampled_from([*B64URL, ".", "=", "+", "é", ""]))
    | st.tuples(st.just("delete"), positions, st.integers(1, 50))
    | st.tuples(st.just("insert"), positions, st.text(min_size=1, max_size=4))
    | st.tuples(st.just("truncate"), positions)
    | st.tuples(st.just("bitflip"), st.integers(0, 2), positions, st.integers(1, 255))
    | st.tuples(st.just("permute"), st.permutations([0, 1, 2]))
    | st.tuples(st.just("duplicate"), st.integers(0, 2)),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=mutations)
def test_fuzz_mutations_of_a_valid_token(fuzz, ops):
    runner, verifier, valid = fuzz
    token = valid
    for op in ops:
        token = _mutate(token, op)
    outcome = _outcome(runner, verifier, token)
    if token == valid:
        assert outcome is not None and outcome["sub"] == "user_2testuser"
    else:
        assert outcome is None, f"mutated token accepted: {ops}"
