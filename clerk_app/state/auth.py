"""``AuthState``: the verified session, and the one guard every data handler uses.

The session bridge (a small JS component, see :mod:`clerk_app.components.session_bridge`) sends the
current Clerk session token to :meth:`AuthState.set_session` when the page first
hydrates, on session change, before the 60 s token expires and whenever the backend
asks for a report; on sign-out it calls :meth:`AuthState.clear_session`. Nothing else
sets the identity.

* The token is verified with the process-wide :class:`TokenVerifier` (RS256, JWKS
  cached, ``exp``/``nbf``/``iss``/``azp`` checked). The user id, session id, expiry and
  claims are kept in backend-only ``_vars``: the browser sees ``is_signed_in`` and
  ``auth_checked`` and nothing else.
* A refused token also leaves its kind (:mod:`clerk_app.clerk.refusals`) in ``_refusal``
  and one warning per kind in the log: such a tab holds a Clerk session the backend
  does not accept, and pages send it to /session-refused rather than /sign-in, where
  Clerk would send it straight back (:meth:`AuthState._signed_out_redirect`).
* :func:`require_user_id` is the guard: it returns the verified user id or raises
  :class:`NotSignedIn` when there is no session, the token was invalid, or the last
  token expired (plus leeway) without being refreshed. No handler takes a user id from
  its arguments.
* Pages whose ``on_load`` needs the identity call :meth:`AuthState._wait_for_check`:
  until the bridge has reported *on this tab's current websocket*, the handler is
  parked and re-queued by ``set_session``/``clear_session`` — no sleeps, no timeout
  race. A report is valid for the socket it came on: while that socket lives, the
  bridge reports every session change on it, in order, so a client-side navigation
  costs no report; a new socket (a reload, a reconnect, another worker) may follow a
  sign-out this tab's state never heard of, so its first page load waits for a fresh
  report (and asks the bridge for one, see :meth:`AuthState._ask_for_report`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import reflex as rx

from clerk_app import routes, services
from clerk_app.clerk import refusals
from clerk_app.clerk.organizations import ActiveOrganization, active_organization
from clerk_app.clerk.refusals import MAX_TOKEN_LENGTH, InvalidToken

logger = logging.getLogger(__name__)

#: A token whose ``exp`` passed more than this many seconds ago without a refresh is
#: no longer trusted (the bridge refreshes well before; this only absorbs clock skew
#: and the time the refreshed token spends in flight).
EXPIRY_LEEWAY_S = 5.0
#: The bridge's hook (see :mod:`clerk_app.components.session_bridge`): report the session now.
REPORT_NOW_JS = "window.clerkAppReport && window.clerkAppReport()"


class NotSignedIn(Exception):
    """The guard refused: no verified, unexpired session in this tab."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthState(rx.State):
    """Who is signed in, as far as the verified session token says."""

    #: The bridge has reported at least once for this tab (token or sign-out).
    auth_checked: bool = False
    is_signed_in: bool = False
    #: The account is banned or locked: pages show the notice instead of their content
    #: (set by :func:`clerk_app.state.account.refuses_suspended`; cleared when the
    #: identity changes).
    suspended: bool = False

    _user_id: str = ""
    _session_id: str = ""
    _expires_at: float = 0.0
    _claims: dict[str, Any] = {}  # noqa: RUF012 (Reflex copies defaults per state)
    #: The verified token's active organization (its ``o`` claim), or None.
    _active_org: ActiveOrganization | None = None
    #: Handlers parked by _wait_for_check, by registry key, queued after the next report.
    _parked: list[str] = []  # noqa: RUF012
    #: The websocket (Socket.IO sid) the last report came on.
    _reported_on: str = ""
    #: Why the last token was refused (a :mod:`~clerk_app.clerk.refusals` category);
    #: ``""`` after an accepted token or a sign-out.
    _refusal: str = ""

    #: key -> handler; filled by _wait_for_check (class-level: handlers are code, not data).
    _handlers: ClassVar[dict[str, Any]] = {}
    #: Handlers queued whenever the identity changes (sign-in, sign-out, another user)
    #: and after a tab's first report: states holding user data register one to drop
    #: the previous user's data, and the UI one to pick the page's language.
    _identity_listeners: ClassVar[list[Any]] = []

    @classmethod
    def on_identity_change(cls, handler: Any) -> Any:
        """Register ``handler`` (an event handler) to run after every identity change."""
        if handler not in cls._identity_listeners:
            cls._identity_listeners.append(handler)
        return handler

    # -- what the bridge calls ---------------------------------------------------------

    @rx.event
    async def set_session(self, token: str):
        """Verify ``token`` and adopt its identity; an invalid token signs the tab out."""
        previous, first = self._user_id, not self.auth_checked
        if type(token) is not str or not token or len(token) > MAX_TOKEN_LENGTH:
            self._refuse(InvalidToken("not a plausible token"))
        else:
            verifier = services.get_verifier()
            try:
                claims = await verifier.verify(token)
            except InvalidToken as exc:
                self._refuse(exc, verifier)
            else:
                self._adopt(claims)
        self.auth_checked = True
        return self._after_report(identity_changed=first or previous != self._user_id)

    @rx.event
    def clear_session(self):
        """The browser has no session (signed out here or in another tab)."""
        previous, first = self._user_id, not self.auth_checked
        self._forget()
        self.auth_checked = True
        return self._after_report(identity_changed=first or bool(previous))

    # -- the guard ----------------------------------------------------------------------

    def _verified_user_id(self, *, now: float | None = None) -> str:
        """The verified user id, or :class:`NotSignedIn`."""
        if not self._user_id:
            raise NotSignedIn("no session")
        if (now if now is not None else time.time()) > self._expires_at + EXPIRY_LEEWAY_S:
            raise NotSignedIn("session token expired without refresh")
        return self._user_id

    def _verified_claims(self) -> Mapping[str, Any]:
        """The claims of the current token (call after :meth:`_verified_user_id`); read-only."""
        self._verified_user_id()
        # The dict itself (get_value), not the change-tracking proxy that reading the
        # var returns: every claim read through that proxy costs ~15 µs.
        return MappingProxyType(self.get_value("_claims"))

    def _verified_active_org(self) -> ActiveOrganization | None:
        """The current token's active organization (call after :meth:`_verified_user_id`)."""
        self._verified_user_id()
        return self._active_org

    @property
    def session_id(self) -> str:
        return self._session_id

    def _wait_for_check(self, handler: Any) -> bool:
        """``True`` when the identity can be decided now; otherwise park ``handler``.

        Not decidable yet: the bridge has not reported on this socket, or the last
        token expired (the bridge is about to send a fresh one). The parked handler is
        queued again right after the next ``set_session``/``clear_session``.
        """
        ready = self.auth_checked and self._reported_on == self._socket()
        if ready and (not self._user_id or self._fresh()):
            return True
        key = f"{handler.state.get_full_name()}.{handler.fn.__name__}"
        AuthState._handlers[key] = handler
        if key not in self._parked:
            self._parked = [*self._parked, key]
        return False

    @property
    def refusal(self) -> str:
        """Why this tab's last token was refused (a category), or ``""``."""
        return self._refusal

    def _signed_out_redirect(self, back_to: str | None = None) -> Any:
        """Where a page needing a session sends a tab without one.

        To /sign-in, unless the browser holds a session the backend refused: Clerk
        would send it straight back (it is signed in there), so the tab goes to the
        page that says why instead of bouncing.
        """
        if self._refusal:
            return rx.redirect(routes.SESSION_REFUSED)
        return rx.redirect(routes.sign_in_url(back_to))

    def _ask_for_report(self) -> Any:
        """What a parked handler returns: a request for the bridge to report now.

        Nothing when this tab never had a report: the bridge's first one (sent when
        the page first hydrates) is on its way.
        """
        if not self.auth_checked:
            return None
        return rx.call_script(REPORT_NOW_JS)

    def _expect_new_session(self) -> None:
        """A sign-in is under way in this tab: park pages until its token arrives."""
        self._forget()
        self.auth_checked = False

    # -- internals ----------------------------------------------------------------------

    def _socket(self) -> str:
        # The router's own field: ``self.router`` builds a new object on every access.
        return self.rx_router_session.session_id

    def _fresh(self) -> bool:
        return time.time() <= self._expires_at + EXPIRY_LEEWAY_S

    def _adopt(self, claims: dict[str, Any]) -> None:
        self._refusal = ""
        self._user_id = str(claims["sub"])
        self._session_id = str(claims.get("sid") or "")
        self._expires_at = float(claims["exp"])
        self._claims = claims
        self._active_org = active_organization(claims)
        self.is_signed_in = True

    def _refuse(self, error: InvalidToken, verifier: Any = None) -> None:
        self._forget()
        self._refusal = refusals.categorize(error)
        _log_refusal(self._refusal, error.reason, verifier)

    def _forget(self) -> None:
        self._refusal = ""
        self._user_id = ""
        self._session_id = ""
        self._expires_at = 0.0
        self._claims = {}
        self._active_org = None
        self.is_signed_in = False

    def _after_report(self, *, identity_changed: bool) -> list[Any]:
        self._reported_on = self._socket()
        if identity_changed and self.suspended:
            self.suspended = False
        events: list[Any] = list(self._identity_listeners) if identity_changed else []
        parked, self._parked = self._parked, []
        events.extend(self._handlers[key] for key in parked if key in self._handlers)
        return events


#: Refusal categories already logged by this process: one warning per kind of refusal,
#: not one per token refresh (clerk-js sends a new token every minute, in every open
#: tab). Keyed by category, a fixed set, so forged tokens cannot grow it or crowd out
#: the line a misconfiguration deserves.
_logged_refusals: set[str] = set()


def _log_refusal(category: str, reason: str, verifier: Any) -> None:
    if category in _logged_refusals:
        logger.debug("session token refused again: %s", reason)
        return
    _logged_refusals.add(category)
    # What this server expects is configuration, not a secret, and says what to compare;
    # nothing of the refused token itself is logged.
    expected = ""
    if verifier is not None and category == refusals.AUTHORIZED_PARTY:
        expected = f" (CLERK_AUTHORIZED_PARTIES here: {sorted(verifier.authorized_parties)})"
    elif verifier is not None and category == refusals.ISSUER:
        expected = f" (expected issuer: {verifier.issuer})"
    logger.warning(
        "Clerk session token refused: %s; %s%s (logged once per kind, repeats at debug level)",
        reason,
        refusals.HINTS[category],
        expected,
    )


async def require_user_id(state: rx.State) -> str:
    """The guard: the verified user id of ``state``'s tab, or :class:`NotSignedIn`."""
    auth = state if isinstance(state, AuthState) else await state.get_state(AuthState)
    return auth._verified_user_id()


async def verified_active_organization(state: rx.State) -> ActiveOrganization | None:
    """The verified token's active organization for ``state``'s tab (``None``: none), or
    :class:`NotSignedIn`. A second source of the user's role there, never the browser."""
    auth = state if isinstance(state, AuthState) else await state.get_state(AuthState)
    return auth._verified_active_org()
