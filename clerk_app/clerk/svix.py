"""Authenticating a delivery: size cap, header checks, and the Svix signature.

Everything here runs before a single byte of the body is parsed, so an
unauthenticated sender can only ever make us read up to ``MAX_BODY_BYTES`` and
compute one HMAC. The ``svix`` library does the cryptographic check; around it
we close the gaps it leaves for hostile input:

* it decodes the body as UTF-8 and splits the signature header naively, so a
  non-UTF-8 body or a stray space/comma would raise something other than
  ``WebhookVerificationError``; we reject those ourselves with a clear reason;
* it does not bound the body, the number of signatures or the id length;
* its timestamp check accepts floats and whitespace; Svix sends integer seconds,
  so we require exactly that (and check the ±5 minute window ourselves too, to
  give a precise reason; the library checks it again).

Header lookups are case-insensitive (HTTP semantics); a header sent twice is
ambiguous and refused rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on the first delivery: the svix package costs start-up time
    from svix.webhooks import Webhook

#: Largest body we read (Clerk's user payloads are a few KiB).
MAX_BODY_BYTES = 1024 * 1024
#: Svix's replay window, in seconds, either side of our clock.
TOLERANCE_S = 5 * 60
#: Upper bound on the signatures we try (Svix sends one per active secret),
#: and on the header entries we even look at.
MAX_SIGNATURES = 16
_MAX_ENTRIES = 64

_ID_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces
_TIMESTAMP_RE = re.compile(r"^[0-9]{1,15}$")
_SIGNATURE_RE = re.compile(r"^v1,[A-Za-z0-9+/]+={0,2}$")
_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")


class Rejected(Exception):
    """The delivery is refused with ``status`` and a short, safe-to-return ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SignedDelivery:
    """A delivery whose signature checked out: the body is authentic UTF-8 text."""

    svix_id: str
    timestamp: int
    text: str


def declared_length(headers: Mapping[str, str], limit: int = MAX_BODY_BYTES) -> None:
    """Refuse early when ``Content-Length`` announces too much (or is garbage)."""
    value = headers.get("content-length")
    if value is None:
        return  # chunked: the streaming cap in read_capped still applies
    if not value.strip().isdigit():
        raise Rejected(400, "malformed content-length")
    if int(value) > limit:
        raise Rejected(413, f"body larger than {limit} bytes")


async def read_capped(chunks: AsyncIterator[bytes], limit: int = MAX_BODY_BYTES) -> bytes:
    """Read a request body, giving up as soon as it exceeds ``limit`` bytes.

    ``Content-Length`` can lie (or be absent with chunked encoding), so the cap
    is enforced on what actually arrives.
    """
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"body larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def svix_headers(header_items: list[tuple[str, str]]) -> tuple[str, str, str]:
    """``(svix-id, svix-timestamp, svix-signature)`` from raw header pairs.

    Raises:
        Rejected: a header is missing, repeated or malformed.
    """
    found: dict[str, list[str]] = {name: [] for name in _HEADERS}
    for name, value in header_items:
        key = name.lower()
        if key in found:
            found[key].append(value)
    values = []
    for name in _HEADERS:
        if not found[name]:
            raise Rejected(400, f"missing {name} header")
        if len(found[name]) > 1:
            raise Rejected(400, f"repeated {name} header")
        values.append(found[name][0].strip())
    svix_id, timestamp, signature = values
    if not _ID_RE.match(svix_id):
        raise Rejected(400, "malformed svix-id header")
    if not _TIMESTAMP_RE.match(timestamp):
        raise Rejected(400, "malformed svix-timestamp header")
    return svix_id, timestamp, signature


def _usable_signatures(header: str) -> list[str]:
    """The well-formed ``v1,<canonical base64>`` entries of a signature header."""
    usable = []
    for entry in header.split(maxsplit=_MAX_ENTRIES)[:_MAX_ENTRIES]:
        if not _SIGNATURE_RE.match(entry):
            continue  # other versions or junk: Svix's rule is to skip what we don't know
        try:
            mac = base64.b64decode(entry[3:], validate=True)
        except binascii.Error:
            continue
        # Canonical encodings only: base64 decoding ignores a final character's
        # unused bits, so several strings decode to one MAC. Svix always sends the
        # canonical one; accepting others would make the header malleable.
        if base64.b64encode(mac).decode() != entry[3:]:
            continue
        usable.append(entry)
    return usable[:MAX_SIGNATURES]


@functools.lru_cache(maxsize=8)
def _verifier(secret: str) -> Webhook:
    from svix.webhooks import Webhook

    return Webhook(secret)


def check_secret(secret: str) -> None:
    """Raise ``ValueError`` unless ``secret`` is a usable Svix secret (``whsec_<base64>``).

    The rule svix's ``Webhook(secret)`` applies, without importing svix at start-up:
    the ``whsec_`` prefix dropped, base64 (padding optional), not empty.
    """
    try:
        key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the webhook signing secret is not valid base64") from exc
    if not key:
        raise ValueError("the webhook signing secret is not valid base64")


def verify_delivery(
    secret: str,
    headers: tuple[str, str, str],
    body: bytes,
) -> SignedDelivery:
    """Authenticate one delivery.

    Args:
        secret: the endpoint's signing secret, ``whsec_<base64>`` (prefix optional).
        headers: what :func:`svix_headers` returned.
        body: the raw body, exactly as received.

    Raises:
        Rejected: 400 for a body that is not UTF-8, 401 for a signature or
            timestamp that does not check out.
    """
    svix_id, timestamp, signature = headers
    if abs(time.time() - int(timestamp)) > TOLERANCE_S:
        raise Rejected(401, "svix-timestamp outside the 5-minute tolerance")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    signatures = _usable_signatures(signature)
    if not signatures:
        raise Rejected(401, "no v1 signature in svix-signature")
    from svix.webhooks import WebhookVerificationError

    try:
        _verifier(secret).verify(
            body,
            {
                "svix-id": svix_id,
                "svix-timestamp": timestamp,
                "svix-signature": " ".join(signatures),
            },
        )
    except WebhookVerificationError:
        raise Rejected(401, "invalid signature") from None
    return SignedDelivery(svix_id=svix_id, timestamp=int(timestamp), text=text)
