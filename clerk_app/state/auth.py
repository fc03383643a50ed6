"""``AuthState``: the verified session, and the one guard every data handler uses.

The session bridge (a small JS component, see :mod:`clerk_app.clerk.bridge`) sends the
current Clerk session token to :meth:`AuthState.set_session` on page load, on session
change, after a websocket reconnect and before the 60 s token expires; on sign-out it
calls :meth:`AuthState.clear_session`. Nothing else sets the identity.

* The token is verified with the process-wide :class:`TokenVerifier` (RS256, JWKS
  cached, ``exp``/``nbf``/``iss``/``azp`` checked). The user id, session id, expiry and
  claims are kept in backend-only ``_vars``: the browser sees ``is_signed_in`` and
  ``auth_checked`` and nothing else.
* :func:`require_user_id` is the guard: it returns the verified user id or raises
  :class:`NotSignedIn` when there is no session, the token was invalid, or the last
  token expired (plus leeway) without being refreshed. No handler takes a user id from
  its arguments.
* Pages whose ``on_load`` needs the identity call :meth:`AuthState._wait_for_check`:
  until the bridge has reported for this tab, the handler is parked and re-queued by
  ``set_session``/``clear_session`` — no sleeps, no timeout race.
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

import reflex as rx

from clerk_app import services
from clerk_app.clerk.tokens import MAX_TOKEN_LENGTH, InvalidToken

logger = logging.getLogger(__name__)

#: A token whose ``exp`` passed more than this many seconds ago without a refresh is
#: no longer trusted (the bridge refreshes well before; this only absorbs clock skew
#: and the time the refreshed token spends in flight).
EXPIRY_LEEWAY_S = 5.0


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

    _user_id: str = ""
    _session_id: str = ""
    _expires_at: float = 0.0
    _claims: dict[str, Any] = {}  # noqa: RUF012 (Reflex copies defaults per state)
    #: Handlers parked by _wait_for_check, by registry key, queued after the next report.
    _parked: list[str] = []  # noqa: RUF012
    #: A page was (re)loaded since the bridge last reported: the identity kept in this
    #: tab's state may be stale (signed out elsewhere, page reloaded after sign-out).
    _awaiting_report: bool = False

    #: key -> handler; filled by _wait_for_check (class-level: handlers are code, not data).
    _handlers: ClassVar[dict[str, Any]] = {}
    #: Handlers queued whenever the identity changes (sign-in, sign-out, another user):
    #: states holding user data register one to drop the previous user's data.
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
        previous = self._user_id
        if type(token) is not str or not token or len(token) > MAX_TOKEN_LENGTH:
            logger.info("set_session refused: not a plausible token")
            self._forget()
        else:
            try:
                claims = await services.get_verifier().verify(token)
            except InvalidToken as exc:
                logger.info("set_session refused: %s", exc.reason)
                self._forget()
            else:
                self._adopt(claims)
        self.auth_checked = True
        return self._after_report(identity_changed=previous != self._user_id)

    @rx.event
    def on_navigation(self):
        """First on_load of every page: pages wait for the bridge's fresh report.

        The bridge reports on every hydration (load, navigation, reconnect), right
        after the page's on_load handlers; until then an identity kept from before
        (a reload after signing out, say) is not used to load a page.
        """
        self._awaiting_report = True

    @rx.event
    def clear_session(self):
        """The browser has no session (signed out here or in another tab)."""
        previous = self._user_id
        self._forget()
        self.auth_checked = True
        return self._after_report(identity_changed=bool(previous))

    # -- the guard ----------------------------------------------------------------------

    def _verified_user_id(self, *, now: float | None = None) -> str:
        """The verified user id, or :class:`NotSignedIn`."""
        if not self._user_id:
            raise NotSignedIn("no session")
        if (now if now is not None else time.time()) > self._expires_at + EXPIRY_LEEWAY_S:
            raise NotSignedIn("session token expired without refresh")
        return self._user_id

    def _verified_claims(self) -> dict[str, Any]:
        """The claims of the current token (call after :meth:`_verified_user_id`)."""
        self._verified_user_id()
        return dict(self._claims)

    @property
    def session_id(self) -> str:
        return self._session_id

    def _wait_for_check(self, handler: Any) -> bool:
        """``True`` when the identity can be decided now; otherwise park ``handler``.

        Not decidable yet: the bridge has not reported for this tab, or the last token
        expired (the bridge is about to send a fresh one). The parked handler is queued
        again right after the next ``set_session``/``clear_session``.
        """
        ready = self.auth_checked and not self._awaiting_report
        if ready and (not self._user_id or self._fresh()):
            return True
        key = f"{handler.state.get_full_name()}.{handler.fn.__name__}"
        AuthState._handlers[key] = handler
        if key not in self._parked:
            self._parked = [*self._parked, key]
        return False

    def _expect_new_session(self) -> None:
        """A sign-in is under way in this tab: park pages until its token arrives."""
        self._forget()
        self.auth_checked = False
        self._awaiting_report = True

    # -- internals ----------------------------------------------------------------------

    def _fresh(self) -> bool:
        return time.time() <= self._expires_at + EXPIRY_LEEWAY_S

    def _adopt(self, claims: dict[str, Any]) -> None:
        self._user_id = str(claims["sub"])
        self._session_id = str(claims.get("sid") or "")
        self._expires_at = float(claims["exp"])
        self._claims = claims
        self.is_signed_in = True

    def _forget(self) -> None:
        self._user_id = ""
        self._session_id = ""
        self._expires_at = 0.0
        self._claims = {}
        self.is_signed_in = False

    def _after_report(self, *, identity_changed: bool) -> list[Any]:
        self._awaiting_report = False
        events: list[Any] = list(self._identity_listeners) if identity_changed else []
        parked, self._parked = self._parked, []
        events.extend(self._handlers[key] for key in parked if key in self._handlers)
        return events


async def require_user_id(state: rx.State) -> str:
    """The guard: the verified user id of ``state``'s tab, or :class:`NotSignedIn`."""
    auth = state if isinstance(state, AuthState) else await state.get_state(AuthState)
    return auth._verified_user_id()
