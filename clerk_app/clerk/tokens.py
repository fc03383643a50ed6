"""Verification of Clerk session tokens (RS256 JWTs) against the instance's JWKS.

What is accepted follows Clerk's JavaScript backend SDK (``@clerk/backend``: the JWT
assertions, ``verifyToken`` and the token-type checks of ``authenticateRequest``), with
two deliberate differences where ours is stricter: only RS256 (Clerk also takes RS384
and RS512, which Clerk never signs session tokens with), and ``sub`` and ``sid`` must be
non-empty strings (Clerk takes an empty ``sub``, and leaves ``sid`` to the caller). So a
token is refused unless:

* it is a session token (:mod:`clerk_app.clerk.token_kinds`): header ``typ`` absent or
  ``JWT``; header ``cat`` absent or a session category (not a JWT-template or
  machine token); ``sub`` not a machine (``mch_``) subject; ``sid`` present (JWT
  templates minted before categories carry none);
* ``azp`` is one of ``authorized_parties`` (then required: a token that omits it would
  otherwise bypass the check); with no parties configured, any ``azp`` is accepted;
* ``iss`` equals the issuer exactly, ``exp`` is in the future and ``nbf``/``iat`` are not,
  within ``leeway_s``.

Design:

* One exception, :class:`InvalidToken`, with a short ``reason``, for every way a token can
  be bad, and for every way the key set can be unavailable. Callers never see another
  exception type from :meth:`TokenVerifier.verify`.
* The compact JWS is parsed here, strictly, rather than by ``jwt.decode``: the alphabet is
  checked, base64url must be canonical (no padding, no junk characters, no stray trailing
  bits, so one signature has exactly one spelling), JSON may not repeat a key or use
  NaN/Infinity, and every claim is type-checked (``jwt.decode`` takes ``"exp": "9e9"``).
  Keys are still PyJWT's: :mod:`clerk_app.clerk.jwks` turns each JWKS entry into a
  :class:`jwt.PyJWK`, whose RS256 algorithm object checks the signature.
* The hot path does no I/O and little Python: the header segment is parsed once per key,
  the key object once per JWKS download, the payload only after its signature checks out.
* An unknown ``kid`` asks the JWKS cache for one (single-flight) download: a key Clerk
  has just published verifies at once, while forged ``kid`` values cost at most one
  download per interval (the rule is in :mod:`clerk_app.clerk.jwks`). Key material
  comes from ``jwks_url`` alone: ``jku``, ``x5u``, ``x5c`` and ``jwk`` are never read.
"""

from __future__ import annotations

import binascii
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from clerk_app.clerk.jwks import JWKSCache
from clerk_app.clerk.refusals import MAX_TOKEN_LENGTH, InvalidToken
from clerk_app.clerk.token_kinds import M2M_SUBJECT_PREFIX, header_refusal

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_TOKEN_LENGTH", "InvalidToken", "TokenVerifier"]

_MAX_KID_LENGTH = 256
_HEADER_CACHE_SIZE = 64

#: A compact JWS's bytes: the base64url alphabet and the two dots (deleted to check).
_JWS_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_TO_STANDARD_B64 = bytes.maketrans(b"-_", b"+/")
# Characters allowed last in a canonical unpadded segment, by length % 4: the bits past
# the final byte must be zero, otherwise two spellings would decode to the same bytes.
_CANONICAL_LAST = {0: None, 2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}
_PADDING = {0: b"", 2: b"==", 3: b"="}
#: RS256's padding and hash, built once (both are stateless descriptions).
_PKCS1V15, _SHA256 = padding.PKCS1v15(), hashes.SHA256()
_MISSING = object()


def _b64decode(segment: bytes) -> bytes:
    """Decode one canonical base64url segment (the alphabet is checked by the caller)."""
    remainder = len(segment) % 4
    last = _CANONICAL_LAST.get(remainder, _MISSING)
    if last is _MISSING or (last is not None and segment[-1] not in last):
        raise InvalidToken("malformed")
    return binascii.a2b_base64(segment.translate(_TO_STANDARD_B64) + _PADDING[remainder])


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Names interned: every signed-in tab keeps its claims, and the same few names
    # (``sub``, ``exp``, ``email``…) would otherwise be one more copy per tab.
    obj = {sys.intern(key): value for key, value in pairs}
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


#: The strict decoder's scanner, called directly (no whitespace around the value: JWT
#: encoders write none; two Python frames fewer per token).
_SCAN_JSON = _STRICT_JSON.scan_once


def _json_object(segment: bytes, what: str) -> dict[str, Any]:
    try:
        text = _b64decode(segment).decode("utf-8")
        value, end = _SCAN_JSON(text, 0)
    except (ValueError, RecursionError, StopIteration):  # binascii, UTF-8, JSON errors
        raise InvalidToken("malformed") from None
    if end != len(text):
        raise InvalidToken("malformed")
    if type(value) is not dict:
        raise InvalidToken(f"{what} is not an object")
    return value


def _is_number(value: object) -> bool:
    kind = type(value)  # bool is an int subclass and is not a timestamp
    return kind is int or (kind is float and math.isfinite(value))  # type: ignore[arg-type]


def _check_not_after(value: Any, latest: float, claim: str, too_late: str) -> None:
    """An optional time claim (``nbf``, ``iat``): absent, or a number not after ``latest``."""
    if value is _MISSING:
        return
    if type(value) is not int and not _is_number(value):
        raise InvalidToken(f"invalid {claim}")
    if value > latest:
        raise InvalidToken(too_late)


class TokenVerifier:
    """Verifies Clerk session tokens; one instance per process, shared by all requests.

    Args:
        jwks_url: where the instance's JWKS is published (the only source of keys).
        issuer: the exact expected ``iss`` (the Frontend API URL).
        authorized_parties: the origins accepted in ``azp``. When any is given, a token
            must carry one of them; when none is, ``azp`` is not checked (as in Clerk's
            SDK, which then warns: configure them).
        leeway_s: clock skew tolerated on ``exp``, ``nbf`` and ``iat``.
        http_client: used for JWKS requests when given (and then not closed here);
            otherwise each (rare) download uses a short-lived client of its own.
        jwks_headers: extra request headers, e.g. ``Authorization`` for the Backend API's
            ``/v1/jwks``.
        fetch_timeout_s: total time allowed for one JWKS download.
        refetch_interval_s: minimum time between two JWKS downloads.
        clock: wall clock for the time claims; monotonic: clock for the refetch interval.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        authorized_parties: Iterable[str],
        leeway_s: float = 5,
        *,
        http_client: httpx.AsyncClient | None = None,
        jwks_headers: Mapping[str, str] | None = None,
        fetch_timeout_s: float = 5.0,
        refetch_interval_s: float = 10.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not jwks_url.startswith(("https://", "http://")):
            raise ValueError("jwks_url must be an http(s) URL")
        if not isinstance(issuer, str) or not issuer:
            raise ValueError("issuer must be a non-empty string")
        if isinstance(authorized_parties, str):
            raise TypeError("authorized_parties must be a list of origins, not a string")
        if not (math.isfinite(leeway_s) and leeway_s >= 0):
            raise ValueError("leeway_s must be a finite number >= 0")
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.authorized_parties = frozenset(authorized_parties)
        self.leeway_s = float(leeway_s)
        self._clock = clock
        self._jwks = JWKSCache(
            jwks_url,
            http_client=http_client,
            headers=jwks_headers,
            fetch_timeout_s=fetch_timeout_s,
            refetch_interval_s=refetch_interval_s,
            monotonic=monotonic,
        )
        self._header_kids: dict[bytes, str] = {}  # header segment -> kid, for valid headers

    @property
    def jwks_fetches(self) -> int:
        """JWKS download attempts so far (successful or not)."""
        return self._jwks.fetches

    @property
    def known_kids(self) -> frozenset[str]:
        """The key ids currently cached."""
        return frozenset(self._jwks.keys)

    async def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid session token.

        Raises:
            InvalidToken: for any token that is not a currently valid Clerk session
                token (RS256, signed by a key of the JWKS, with acceptable header and
                claims), or when the JWKS is needed but cannot be downloaded.
        """
        if type(token) is not str:
            raise InvalidToken("not a string")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("too long")
        if not token.isascii():
            raise InvalidToken("malformed")
        raw = token.encode("ascii")
        # Only the base64url alphabet and exactly two dots, with no empty segment.
        if raw.translate(None, _JWS_BYTES) or raw.count(b".") != 2:
            raise InvalidToken("malformed")
        signing_input, _, signature = raw.rpartition(b".")
        header_segment, _, payload_segment = signing_input.partition(b".")
        if not (header_segment and payload_segment and signature):
            raise InvalidToken("malformed")

        kid = self._header_kids.get(header_segment)
        if kid is None:
            kid = self._parse_header(header_segment)
        jwk = self._jwks.keys.get(kid)
        if jwk is None:
            jwk = await self._jwks.refetch_for(kid)
            if jwk is None:
                raise InvalidToken(self._jwks.last_error or "unknown kid")

        try:  # every cached key is an RSA public key (clerk_app.clerk.jwks)
            jwk.key.verify(_b64decode(signature), signing_input, _PKCS1V15, _SHA256)
        except InvalidSignature:
            raise InvalidToken("bad signature") from None
        claims = _json_object(payload_segment, "payload")
        self._check_claims(claims)
        return claims

    async def warm_up(self) -> bool:
        """Download the JWKS now unless keys are cached; return whether any key is usable."""
        return await self._jwks.ensure_loaded()

    # -- header and claims ------------------------------------------------------------

    def _parse_header(self, segment: bytes) -> str:
        header = _json_object(segment, "header")
        if header.get("alg") != "RS256":
            raise InvalidToken("unsupported alg")
        if "crit" in header:  # no extension is understood here, so none may be critical
            raise InvalidToken("unsupported crit header")
        refusal = header_refusal(header)
        if refusal is not None:
            raise InvalidToken(refusal)
        kid = header.get("kid")
        if type(kid) is not str or not kid or len(kid) > _MAX_KID_LENGTH:
            raise InvalidToken("missing or invalid kid")
        if len(self._header_kids) >= _HEADER_CACHE_SIZE:
            self._header_kids.clear()
        self._header_kids[segment] = kid
        return kid

    def _check_claims(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        leeway = self.leeway_s
        # Comparisons keep the float on one side: int vs float compares exactly in
        # Python, while ``huge_int + leeway`` would raise OverflowError.
        get = claims.get
        exp = get("exp", _MISSING)
        if type(exp) is not int and not _is_number(exp):  # int first: the usual case
            raise InvalidToken("missing exp" if exp is _MISSING else "invalid exp")
        if exp <= now - leeway:
            raise InvalidToken("expired")
        latest = now + leeway
        _check_not_after(get("nbf", _MISSING), latest, "nbf", "not yet valid")
        _check_not_after(get("iat", _MISSING), latest, "iat", "issued in the future")
        iss = get("iss")
        if type(iss) is not str or iss != self.issuer:
            raise InvalidToken("wrong issuer")
        sub = get("sub")
        if type(sub) is not str or not sub:
            raise InvalidToken("missing or invalid sub")
        if sub.startswith(M2M_SUBJECT_PREFIX):
            raise InvalidToken("machine token")
        azp = get("azp", _MISSING)
        parties = self.authorized_parties
        if azp is _MISSING:
            if parties:
                raise InvalidToken("missing azp")
        elif type(azp) is not str or (parties and azp not in parties):
            raise InvalidToken("unauthorized party")
        sid = get("sid", _MISSING)
        if sid is _MISSING:
            raise InvalidToken("missing sid")
        if type(sid) is not str or not sid:
            raise InvalidToken("invalid sid")
