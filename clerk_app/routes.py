"""Route constants and URL builders: the one place that knows the app's paths.

Pages, redirects, Clerk's ``signInUrl``/``signUpUrl`` and the tests all import these
names instead of spelling paths, so a route can move without a hunt for strings.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

INDEX = "/"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
WELCOME = "/welcome"
MEMBERS = "/members"
#: One organization's page (members only); build links with :func:`organization_url`.
ORGANIZATION = "/organizations/[slug]"
ORGANIZATIONS_PREFIX = "/organizations/"
#: Where a tab goes when the backend refuses the session token clerk-js holds.
SESSION_REFUSED = "/session-refused"

#: The app's own static files (``assets/``, which Reflex serves at ``/``).
LOGO = "/logo.svg"
FAVICON = "/favicon.ico"
APPLE_TOUCH_ICON = "/apple-touch-icon.png"
OG_IMAGE = "/og-image.png"

#: Backend (Starlette) routes, served by the Reflex backend next to the websocket.
API_HEALTH = "/api/health"
API_WEBHOOK = "/api/webhooks/clerk"

#: Pages a signed-out visitor may open; everything else needs a verified session.
PUBLIC = frozenset({INDEX, SIGN_IN, SIGN_UP, WELCOME, SESSION_REFUSED})
PROTECTED = frozenset({MEMBERS})

#: Query parameter carrying where to go after signing in (Clerk's own name).
REDIRECT_PARAM = "redirect_url"


def sign_in_url(back_to: str | None = None) -> str:
    """``/sign-in``, remembering a protected page to come back to after signing in."""
    target = safe_next(back_to)
    if target in (None, WELCOME):
        return SIGN_IN
    return f"{SIGN_IN}?{REDIRECT_PARAM}={quote(target, safe='/')}"


def organization_url(slug: str) -> str:
    """The page of the organization ``slug``."""
    return ORGANIZATIONS_PREFIX + quote(slug, safe="")


def safe_next(value: object) -> str | None:
    """A same-site path taken from a query parameter, or ``None``.

    Only known app paths are accepted: an absolute URL, a scheme-relative ``//host``
    or anything with a backslash could turn the redirect into an open redirect.
    """
    if not isinstance(value, str) or len(value) > 200 or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path in PUBLIC | PROTECTED or _is_organization_page(parts.path):
        return parts.path
    return None


def _is_organization_page(path: str) -> bool:
    slug = path.removeprefix(ORGANIZATIONS_PREFIX)
    return (
        slug != path
        and 0 < len(slug) <= 100
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in slug)
    )
