"""Test helpers for session tokens: keys, JWKS documents, tokens with any header, servers.

Tokens are assembled by hand (not with ``jwt.encode``) so a test can put anything in
them: raw header bytes, duplicate JSON keys, a signature made with another algorithm, an
HMAC keyed with the public key. Two ways to serve a JWKS:

* :class:`MockJWKS`: an ``httpx.MockTransport`` whose answer a test changes at will
  (status, body, delay, a gate to hold the download open, an exception);
* :class:`LocalServer`: a real HTTP server (uvicorn, 127.0.0.1, random port, own thread)
  that records every request, for end-to-end checks and as the "attacker" host.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://clerk.example.test"
ORIGIN = "http://localhost:3000"
JWKS_URL = "https://clerk.example.test/.well-known/jwks.json"

#: In a header or claims override: remove this member.
DROP: Any = object()

Signer = Callable[[bytes], bytes]


# -- keys and JWKS ----------------------------------------------------------------------


@functools.cache
def rsa_private_key(name: str = "default", bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key, generated once per (name, bits) for the whole test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair and the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self, **extra: Any) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig", **extra}

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def signing_key(kid: str, name: str | None = None, bits: int = 2048) -> SigningKey:
    """The key named ``name`` (default: the kid) published as ``kid``."""
    return SigningKey(kid, rsa_private_key(name or kid, bits))


def jwks(*keys: SigningKey | Mapping[str, Any]) -> dict[str, Any]:
    """A JWKS document with the public part of each key (dicts are used as they are)."""
    return {"keys": [k.public_jwk() if isinstance(k, SigningKey) else dict(k) for k in keys]}


# -- encoding and signing ---------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def segment(value: Any) -> str:
    """A token segment: bytes are taken as the raw JSON text, anything else is dumped."""
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return b64url(raw)


def rsa_signer(private_key: rsa.RSAPrivateKey, hash_alg: str = "sha256", pss: bool = False):
    algorithm = {"sha256": hashes.SHA256, "sha512": hashes.SHA512}[hash_alg]()
    pad = (
        padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
        if pss
        else padding.PKCS1v15()
    )
    return lambda data: private_key.sign(data, pad, algorithm)


def ec_signer(private_key: ec.EllipticCurvePrivateKey) -> Signer:
    """ES256 as JWS encodes it: raw r || s, 32 bytes each."""

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


def hmac_signer(secret: bytes) -> Signer:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def encode_token(header: Any, payload: Any, sign: Signer | None) -> str:
    """``header.payload.signature``; no signer gives an empty signature segment."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = sign(signing_input.encode("ascii")) if sign else b""
    return f"{signing_input}.{b64url(signature)}"


def _apply(base: dict[str, Any], changes: Mapping[str, Any] | None) -> dict[str, Any]:
    result = dict(base)
    for name, value in (changes or {}).items():
        if value is DROP:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def session_claims(
    *, now: float | None = None, lifetime_s: float = 60, **changes: Any
) -> dict[str, Any]:
    """Clerk v2 session-token claims; keyword arguments override (``DROP`` removes)."""
    now = int(time.time() if now is None else now)
    base = {
        "azp": ORIGIN,
        "exp": now + int(lifetime_s),
        "iat": now,
        "iss": ISSUER,
        "nbf": now - 5,
        "sid": "sess_2testsession",
        "sub": "user_2testuser",
        "v": 2,
    }
    return _apply(base, changes)


# -- the other JWTs one Clerk instance signs with the same key --------------------------
# Shapes from Clerk's backend SDK fixtures and docs; the header values are written out
# here, not imported from the app, so a typo on either side shows.

#: Header ``cat`` values (``@clerk/backend`` ``jwtCategories.ts``).
CAT_SESSION = "cl_B7d4PD111AAA"
CAT_JWT_TEMPLATE = "cl_B7d4PD222AAA"
CAT_M2M = "cl_B7d4PD333AAA"
CAT_IGNORE = "cl_I7d4PD111III"


def template_claims(
    *, now: float | None = None, lifetime_s: float = 3600, **changes: Any
) -> dict[str, Any]:
    """A JWT-template token (``getToken({template})``): Clerk's default template claims
    (``azp exp iat iss jti nbf sub``), a custom lifetime, a custom claim, and no ``sid``."""
    now = int(time.time() if now is None else now)
    base = {
        "azp": ORIGIN,
        "exp": now + int(lifetime_s),
        "iat": now,
        "iss": ISSUER,
        "jti": "a1b2c3d4e5f6a7b8c9d0",
        "nbf": now - 5,
        "sub": "user_2testuser",
        "email": "ada@example.test",
    }
    return _apply(base, changes)


def m2m_claims(*, now: float | None = None, **changes: Any) -> dict[str, Any]:
    """A machine-to-machine JWT (Clerk's ``mockM2MJwtPayload`` shape, our issuer)."""
    now = int(time.time() if now is None else now)
    base = {
        "iss": ISSUER,
        "sub": "mch_2vYVtestTESTtestTESTtestTESTtest",
        "aud": ["mch_1xxxxx", "mch_2xxxxx"],
        "exp": now + 300,
        "iat": now,
        "nbf": now - 10,
        "jti": "mt_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE",
        "scopes": "mch_1xxxxx mch_2xxxxx",
    }
    return _apply(base, changes)


def oauth_access_token_claims(*, now: float | None = None, **changes: Any) -> dict[str, Any]:
    """An OAuth access token JWT (Clerk's ``mockSignedOAuthAccessTokenJwt`` payload, our
    issuer and origin): it carries ``sid``, ``azp`` and a user ``sub`` like a session."""
    now = int(time.time() if now is None else now)
    base = {
        "azp": ORIGIN,
        "exp": now + 300,
        "iat": now,
        "iss": ISSUER,
        "nbf": now - 10,
        "sid": "sess_2testsession",
        "sub": "user_2testuser",
        "client_id": "client_2VTWUzvGC5UhdJCNx6xG1D98edc",
        "scope": "read:foo write:bar",
        "jti": "oat_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE",
    }
    return _apply(base, changes)


def mint(
    key: SigningKey,
    claims: Any = None,
    *,
    header: Mapping[str, Any] | None = None,
    sign: Signer | None = None,
) -> str:
    """An RS256 token from ``key`` (header ``{alg, typ, kid}`` changed by ``header``)."""
    full_header = _apply({"alg": "RS256", "typ": "JWT", "kid": key.kid}, header)
    payload = session_claims() if claims is None else claims
    return encode_token(full_header, payload, sign or rsa_signer(key.private_key))


# -- serving a JWKS ---------------------------------------------------------------------


@dataclass
class MockJWKS:
    """A JWKS endpoint as an httpx transport; every attribute can change between calls."""

    document: Any = field(default_factory=dict)
    status: int = 200
    body: bytes | None = None  # sent instead of the JSON document when set
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    gate: asyncio.Event | None = None  # when set, responses wait for it
    error: BaseException | None = None  # raised instead of answering
    requests: list[httpx.Request] = field(default_factory=list)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        content = self.body if self.body is not None else json.dumps(self.document).encode()
        return httpx.Response(self.status, content=content, headers=self.headers)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LocalServer:
    """A real HTTP server on 127.0.0.1 answering every GET with ``self.document`` as JSON.

    ``hits`` lists the path of every request received. Use as a context manager.
    """

    def __init__(self, document: Any = None) -> None:
        self.document = document if document is not None else {}
        self.status = 200
        self.hits: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, interface="asgi3", lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/.well-known/jwks.json"

    async def _app(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        self.hits.append(scope["path"])
        body = json.dumps(self.document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def __enter__(self) -> LocalServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("local server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
