"""Why a session token was refused, as a category an operator can act on.

:class:`InvalidToken` (raised by :class:`~clerk_app.clerk.tokens.TokenVerifier`, defined
here so that the states can name it without loading the verifier and its crypto)
carries a short ``reason`` ("wrong issuer", "unknown kid", …). When clerk-js holds a
token the backend refuses, the user is signed in at Clerk and not here; what helps is
the setting to check, which depends only on the kind of refusal. :func:`categorize`
maps a refusal to one of :data:`CATEGORIES`, from an explicit ``category`` attribute
when the exception has a known one, else from its reason: known reasons first, then
keywords, then ``other``, so a reason added to the verifier later still lands
somewhere sensible.
"""

from __future__ import annotations

#: Longer inputs are rejected before any parsing (Clerk session tokens are under 2 KiB).
MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token must not be trusted; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


AUTHORIZED_PARTY = "authorized_party"
ISSUER = "issuer"
SIGNING_KEY = "signing_key"
JWKS_UNAVAILABLE = "jwks_unavailable"
CLOCK = "clock"
OTHER = "other"
CATEGORIES = (AUTHORIZED_PARTY, ISSUER, SIGNING_KEY, JWKS_UNAVAILABLE, CLOCK, OTHER)

_BY_REASON = {
    "unauthorized party": AUTHORIZED_PARTY,
    "missing azp": AUTHORIZED_PARTY,
    "wrong issuer": ISSUER,
    "unknown kid": SIGNING_KEY,
    "bad signature": SIGNING_KEY,
    "jwks unavailable": JWKS_UNAVAILABLE,
    "expired": CLOCK,
    "not yet valid": CLOCK,
    "issued in the future": CLOCK,
}
#: Substrings of reasons not listed above, checked in order.
_BY_KEYWORD = (
    ("azp", AUTHORIZED_PARTY),
    ("party", AUTHORIZED_PARTY),
    ("issuer", ISSUER),
    ("jwks", JWKS_UNAVAILABLE),
    ("signature", SIGNING_KEY),
    ("unknown kid", SIGNING_KEY),
    ("expired", CLOCK),
)

#: For the server log: what to check, in English (the UI has its own translated text).
HINTS = {
    AUTHORIZED_PARTY: "the token's azp (the site's origin) must be listed in "
    "CLERK_AUTHORIZED_PARTIES",
    ISSUER: "the token's iss must be the Frontend API URL of the instance the "
    "CLERK_PUBLISHABLE_KEY names (or CLERK_ISSUER when set)",
    SIGNING_KEY: "the token is not signed by a key of CLERK_JWKS_URL's key set: check that "
    "CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY and CLERK_JWKS_URL belong to the same instance",
    JWKS_UNAVAILABLE: "the JWKS could not be downloaded: check CLERK_JWKS_URL and the "
    "server's network access",
    CLOCK: "the token's exp/nbf/iat do not fit the server's clock: check the clock (NTP)",
    OTHER: "not a valid session token of this instance: check that the Clerk keys belong "
    "to the same instance",
}


def categorize(error: BaseException) -> str:
    """The category of a refused token (one of :data:`CATEGORIES`)."""
    category = getattr(error, "category", None)
    if isinstance(category, str) and category in CATEGORIES:
        return category
    reason = getattr(error, "reason", None)
    if not isinstance(reason, str):
        return OTHER
    reason = reason.strip().lower()
    if reason in _BY_REASON:
        return _BY_REASON[reason]
    for keyword, found in _BY_KEYWORD:
        if keyword in reason:
            return found
    return OTHER
