"""The key set a :class:`~clerk_app.clerk.tokens.TokenVerifier` trusts, and how it is refreshed.

The JWKS is downloaded with httpx (async, so the event loop keeps serving) only when the
cache is empty or a token names a ``kid`` the cache does not hold: that is how Clerk key
rotation is picked up, as Clerk's own SDK does (it refetches on every unknown ``kid``).
Downloads are single-flight: callers arriving while one is in progress wait for it and
use its result. The rate limit tells the download that paid off from the one that did
not, since a signature cannot be checked before the key is there:

* a download that finds the ``kid`` it was made for (or fills an empty cache) is
  *productive* and delays nothing: a key published right after a refresh, even
  seconds after, is fetched and accepted at once;
* a download that fails, or does not find its ``kid`` (a forged one, a key Clerk has
  not published, or dropped), is a *miss* and blocks every download for
  ``refetch_interval_s``: a stream of forged ``kid`` values costs one download per
  interval, and a genuine new key arriving inside that window waits for its end;
* whatever their outcome, at most :data:`MAX_DOWNLOADS_PER_INTERVAL` downloads start
  within any ``refetch_interval_s`` (a JWKS endpoint flapping between two key sets
  cannot turn valid tokens into a download per request).

Each entry becomes a :class:`jwt.PyJWK`, built once per download. Only RSA public keys of
at least 2048 bits meant for RS256 signatures are kept. A failed download (network
error, timeout, non-200 status, redirect, oversized or invalid document, no usable key)
changes nothing: the keys already cached stay in use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # both imported where used: a download is rare, start-up is not
    import httpx
    from jwt import PyJWK

logger = logging.getLogger(__name__)

#: A JWKS response larger than this is refused.
MAX_JWKS_BYTES = 256 * 1024
#: Downloads allowed to start within one refetch interval, whatever their outcome.
MAX_DOWNLOADS_PER_INTERVAL = 3
_MIN_RSA_BITS = 2048


def parse_jwks(body: bytes) -> dict[str, PyJWK]:
    """The usable RS256 public keys of a JWKS document, by ``kid``.

    Raises:
        ValueError: not a JWKS document, or not one usable key in it.
    """
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from jwt import PyJWK

    document = json.loads(body)
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWKS document")
    keys: dict[str, PyJWK] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if (
            not isinstance(kid, str)
            or not kid
            or kid in keys
            or entry.get("kty") != "RSA"
            or entry.get("alg", "RS256") != "RS256"
            or entry.get("use", "sig") != "sig"
        ):
            continue
        try:
            jwk = PyJWK(entry, algorithm="RS256")
        except Exception:  # an unusable entry must not hide the usable ones
            logger.warning("JWKS entry %r skipped: not a valid RSA key", kid)
            continue
        if isinstance(jwk.key, RSAPublicKey) and jwk.key.key_size >= _MIN_RSA_BITS:
            keys[kid] = jwk
    if not keys:
        raise ValueError("no usable RS256 key")
    return keys


class JWKSCache:
    """RS256 keys by ``kid``, from one JWKS URL.

    ``keys`` is read directly on the hot path (a plain dict, replaced whole by each
    successful download); :meth:`refetch_for` is the slow path.
    """

    def __init__(
        self,
        url: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        headers: Mapping[str, str] | None = None,
        fetch_timeout_s: float = 5.0,
        refetch_interval_s: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.keys: dict[str, PyJWK] = {}
        #: Download attempts so far, successful or not.
        self.fetches = 0
        #: Why the last attempt failed; None after a success.
        self.last_error: str | None = None
        self._client = http_client
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._fetch_timeout_s = fetch_timeout_s
        self._refetch_interval_s = refetch_interval_s
        self._monotonic = monotonic
        self._recent: deque[float] = deque()  # start times of the last interval's downloads
        self._blocked_until = -math.inf  # set by a miss
        self._generation = 0  # completed attempts, so waiters can tell one happened
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    async def refetch_for(self, kid: str) -> PyJWK | None:
        """The key for ``kid`` after one download, if the rate limit allows one now."""
        seen = self._generation
        async with self._get_lock():
            # Whoever waited while another task downloaded uses that result.
            if self._generation == seen and self._may_fetch():
                await self._refetch(kid)
            return self.keys.get(kid)

    async def ensure_loaded(self) -> bool:
        """Download unless keys are cached (rate limit permitting); whether any key is."""
        if not self.keys:
            async with self._get_lock():
                if not self.keys and self._may_fetch():
                    await self._refetch(None)
        return bool(self.keys)

    def _get_lock(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to the loop it is first contended on; a cache that
        # outlives its loop (tests, reloads) gets a fresh one instead of a RuntimeError.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    def _may_fetch(self) -> bool:
        now = self._monotonic()
        if now < self._blocked_until:
            return False
        recent = self._recent
        while recent and now - recent[0] >= self._refetch_interval_s:
            recent.popleft()
        return len(recent) < MAX_DOWNLOADS_PER_INTERVAL

    async def _refetch(self, kid: str | None) -> None:
        """Download once for ``kid`` (None: to fill the cache) and apply the rate limit."""
        started = self._monotonic()
        self._recent.append(started)
        self.fetches += 1
        productive = False
        try:
            async with asyncio.timeout(self._fetch_timeout_s):
                body = await self._download()
            keys = parse_jwks(body)
        except Exception as exc:  # any failure is "no new keys"; the old ones stay usable
            logger.warning("JWKS download from %s failed: %r", self.url, exc)
            self.last_error = "jwks unavailable"
        else:
            self.keys = keys
            self.last_error = None
            productive = kid is None or kid in keys
        finally:
            if not productive:
                self._blocked_until = started + self._refetch_interval_s
            self._generation += 1

    async def _download(self) -> bytes:
        if self._client is not None:
            return await self._get(self._client)
        # Downloads are rare (start-up, key rotation), so a client per download costs
        # little and leaves nothing to close.
        import httpx

        async with httpx.AsyncClient(timeout=self._fetch_timeout_s) as client:
            return await self._get(client)

    async def _get(self, client: httpx.AsyncClient) -> bytes:
        request = client.build_request("GET", self.url, headers=self._headers)
        # Key material comes from this URL only, not from wherever it redirects.
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError("JWKS response too large")
            return bytes(body)
        finally:
            await response.aclose()
