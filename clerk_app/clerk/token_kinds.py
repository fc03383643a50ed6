"""What tells a Clerk session token from the other JWTs one instance key signs.

One Clerk instance signs several kinds of JWT with the same key, so a good signature
does not make a session token. The markers below are the ones Clerk's JavaScript
backend SDK (``@clerk/backend``: ``jwtCategories.ts``, ``machine.ts``, ``verify.ts``,
``request.ts``) uses to refuse the others where a session token is expected:

* the protected header ``cat`` (token category): absent on tokens minted before the
  categories existed, :data:`CAT_SESSION_TOKEN` on session (and handshake) tokens,
  :data:`CAT_IGNORE` on every kind for instances that opted out; anything else
  (:data:`CAT_JWT_TEMPLATE`, :data:`CAT_M2M_TOKEN`, an unknown value) is not a session;
* the header ``typ``: ``JWT`` when present; ``at+jwt`` / ``application/at+jwt``
  (RFC 9068) mark an OAuth access token, which may carry ``sid`` and ``azp`` too;
* a ``sub`` starting with :data:`M2M_SUBJECT_PREFIX`: a machine (M2M) token.

:func:`header_refusal` applies the header rules; the claim rules live in
:meth:`clerk_app.clerk.tokens.TokenVerifier._check_claims`.
"""

from __future__ import annotations

from typing import Any

CAT_SESSION_TOKEN = "cl_B7d4PD111AAA"
CAT_JWT_TEMPLATE = "cl_B7d4PD222AAA"
CAT_M2M_TOKEN = "cl_B7d4PD333AAA"
#: Stamped on every kind by instances with categories turned off: says nothing.
CAT_IGNORE = "cl_I7d4PD111III"

OAUTH_ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
M2M_SUBJECT_PREFIX = "mch_"

_SESSION_CATEGORIES = frozenset({CAT_SESSION_TOKEN, CAT_IGNORE})
_CATEGORY_REASONS = {CAT_JWT_TEMPLATE: "jwt template token", CAT_M2M_TOKEN: "machine token"}
_ABSENT = object()


def header_refusal(header: dict[str, Any]) -> str | None:
    """Why a token with this (parsed) header is not a session token, or None."""
    typ = header.get("typ", _ABSENT)
    if typ is not _ABSENT and typ != "JWT":
        if type(typ) is str and typ in OAUTH_ACCESS_TOKEN_TYPES:
            return "oauth access token"
        return "unsupported typ"
    cat = header.get("cat", _ABSENT)
    if cat is _ABSENT:
        return None
    if type(cat) is not str:
        return "not a session token"
    if cat in _SESSION_CATEGORIES:
        return None
    return _CATEGORY_REASONS.get(cat, "not a session token")
