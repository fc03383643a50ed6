"""Token factories for :attr:`FrontendApiStub.token_factory`: tokens the app must refuse.

clerk-js only decodes the session token; it is the app's backend that must
verify it. These factories make the stub hand clerk-js tokens that look right
to the browser but are not: signed by a key the instance never published
(same ``kid``, same claims), or issued for another origin (``azp``).
"""

from __future__ import annotations

import functools

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .stub import FrontendApiStub, TokenFactory


@functools.cache
def _foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def foreign_key_token(stub: FrontendApiStub) -> TokenFactory:
    """The genuine token's header and claims, signed with an unrelated RSA key."""

    def mint(user_id: str, sid: str, azp: str) -> str:
        genuine = stub.mint_token(user_id, sid, azp)
        header = jwt.get_unverified_header(genuine)
        claims = jwt.decode(genuine, options={"verify_signature": False})
        return jwt.encode(claims, _foreign_key(), algorithm="RS256", headers=header)

    return mint


def wrong_azp_token(stub: FrontendApiStub, azp: str) -> TokenFactory:
    """A genuine token, signed by the instance, but for another origin."""

    def mint(user_id: str, sid: str, _origin: str) -> str:
        return stub.mint_token(user_id, sid, azp)

    return mint
