"""Only session tokens verify: every other JWT the instance key signs is refused.

Each refused token is built the way Clerk builds its kind (header and claims from Clerk's
backend SDK fixtures and docs) and signed with the instance's own key, with our issuer
and origin: its kind is the only thing wrong with it.
"""

from __future__ import annotations

import pytest

from clerk_app.clerk.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import (
    CAT_IGNORE,
    CAT_JWT_TEMPLATE,
    CAT_M2M,
    CAT_SESSION,
    DROP,
    ISSUER,
    JWKS_URL,
    ORIGIN,
    MockJWKS,
    jwks,
    m2m_claims,
    mint,
    oauth_access_token_claims,
    session_claims,
    signing_key,
    template_claims,
)

KEY = signing_key("ins_key_kinds")


@pytest.fixture
def make_verifier():
    def make(parties=(ORIGIN,)) -> TokenVerifier:
        client = MockJWKS(document=jwks(KEY)).client()
        return TokenVerifier(JWKS_URL, ISSUER, list(parties), http_client=client)

    return make


@pytest.fixture
def verifier(make_verifier) -> TokenVerifier:
    return make_verifier()


async def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


# -- the kinds Clerk refuses where a session token is expected ---------------------------


async def test_m2m_token_is_refused(verifier):
    token = mint(KEY, m2m_claims(), header={"cat": CAT_M2M})
    assert await rejected(verifier, token) == "machine token"


async def test_m2m_token_minted_before_categories_is_refused_by_its_subject(verifier):
    # No ``cat``; even given a sid and our azp, a ``mch_`` subject is a machine.
    claims = m2m_claims(sid="sess_2testsession", azp=ORIGIN)
    assert await rejected(verifier, mint(KEY, claims)) == "machine token"


async def test_jwt_template_token_is_refused(verifier):
    token = mint(KEY, template_claims(sid="sess_2testsession"), header={"cat": CAT_JWT_TEMPLATE})
    assert await rejected(verifier, token) == "jwt template token"


async def test_jwt_template_token_minted_before_categories_is_refused_for_its_missing_sid(
    verifier,
):
    assert await rejected(verifier, mint(KEY, template_claims())) == "missing sid"


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
async def test_oauth_access_token_is_refused(verifier, typ):
    token = mint(KEY, oauth_access_token_claims(), header={"typ": typ})
    assert await rejected(verifier, token) == "oauth access token"


async def test_handshake_payload_is_not_a_session(verifier):
    # Handshake tokens carry the session category but no subject.
    claims = {"handshake": ["__session=x; Path=/"], "exp": session_claims()["exp"], "iss": ISSUER}
    token = mint(KEY, claims, header={"cat": CAT_SESSION})
    assert await rejected(verifier, token) == "missing or invalid sub"


@pytest.mark.parametrize("typ", ["jwt", "JWS", "", None, ["JWT"], {"typ": "JWT"}], ids=repr)
async def test_typ_other_than_jwt_is_refused(verifier, typ):
    assert await rejected(verifier, mint(KEY, header={"typ": typ})) == "unsupported typ"


@pytest.mark.parametrize("cat", ["cl_B7d4PD444AAA", "", None, 7, [CAT_SESSION]], ids=repr)
async def test_unknown_category_is_not_a_session(verifier, cat):
    assert await rejected(verifier, mint(KEY, header={"cat": cat})) == "not a session token"


# -- session tokens, old and new --------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [{"cat": CAT_SESSION}, {"cat": CAT_IGNORE}, {"typ": DROP}, {}],
    ids=["session-category", "ignore-category", "no-typ", "no-category"],
)
async def test_session_tokens_verify(verifier, header):
    claims = session_claims()
    assert await verifier.verify(mint(KEY, claims, header=header)) == claims


# -- azp ---------------------------------------------------------------------------------


async def test_azp_is_required_once_parties_are_configured(verifier):
    assert await rejected(verifier, mint(KEY, session_claims(azp=DROP))) == "missing azp"


async def test_without_parties_azp_is_not_checked(make_verifier):
    # Clerk's rule: nothing to enforce when no party is configured.
    verifier = make_verifier(parties=())
    for claims in (session_claims(azp=DROP), session_claims(azp="https://other.example")):
        assert await verifier.verify(mint(KEY, claims)) == claims
    assert await rejected(verifier, mint(KEY, session_claims(azp=7))) == "unauthorized party"
