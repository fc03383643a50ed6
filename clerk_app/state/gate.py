"""The public gate for pages that need to know who is signed in: one decorator line.

A page's ``on_load`` cannot decide anything before the session bridge has reported on
this tab's current websocket (see :mod:`clerk_app.state.auth`). :func:`gated` does the
waiting and the refusing, so a new page needs none of :class:`AuthState`'s internals::

    class InvoicesState(rx.State):
        @rx.event
        @gated(back_to=routes.INVOICES)
        async def on_load(self, user: SignedIn):
            self.rows = await invoices.list_for(user.user_id)

* Until the report arrives the handler is parked (and re-run right after it), the
  bridge is asked to report now, and ``pending(state)`` runs if given.
* Signed out, or the last token expired unrefreshed: the tab goes to /sign-in (and
  back to ``back_to`` afterwards), or to /session-refused when the browser holds a
  session the backend refuses; ``signed_out(state)`` runs first if given.
* Signed in: the handler runs with the verified :class:`SignedIn` (never anything the
  browser sent). Plain async handlers and async generators both work.

:func:`after_session_check` is the lower step, for a page that wants the
:class:`AuthState` itself once the session is known, signed in or not.
Handlers that change data check again for themselves: :func:`require_user`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import reflex as rx

from clerk_app.state.auth import AuthState, NotSignedIn

Hook = Callable[[Any], None]


@dataclass(frozen=True)
class SignedIn:
    """The verified identity a gated handler receives."""

    user_id: str
    session_id: str
    #: The session token's verified claims (custom claims included, when configured).
    claims: Mapping[str, Any]


def _signed_in(auth: AuthState) -> SignedIn:
    user_id = auth._verified_user_id()
    return SignedIn(user_id, auth.session_id, auth._verified_claims())


async def require_user(state: rx.State) -> SignedIn:
    """The verified identity of ``state``'s tab, or :class:`NotSignedIn` (data handlers)."""
    return _signed_in(await state.get_state(AuthState))


def _named_like(wrapper: Any, fn: Any) -> Any:
    # Not functools.wraps: Reflex reads the handler's signature, which must stay (self).
    wrapper.__name__, wrapper.__qualname__ = fn.__name__, fn.__qualname__
    wrapper.__doc__, wrapper.__module__ = fn.__doc__, fn.__module__
    return wrapper


def after_session_check(*, pending: Hook | None = None) -> Callable[[Any], Any]:
    """Run the handler as ``fn(state, auth)`` once this tab's session is known."""

    def decorate(fn: Any) -> Any:
        name = fn.__name__

        async def wait(state: rx.State) -> tuple[AuthState, bool, Any]:
            auth = await state.get_state(AuthState)
            if auth._wait_for_check(getattr(type(state), name)):
                return auth, True, None
            if pending is not None:
                pending(state)
            return auth, False, auth._ask_for_report()

        if inspect.isasyncgenfunction(fn):

            async def handler(self):
                auth, ready, ask = await wait(self)
                if not ready:
                    if ask is not None:
                        yield ask
                    return
                async for event in fn(self, auth):
                    yield event

        else:

            async def handler(self):
                auth, ready, ask = await wait(self)
                return await fn(self, auth) if ready else ask

        return _named_like(handler, fn)

    return decorate


def gated(
    back_to: str | None = None, *, pending: Hook | None = None, signed_out: Hook | None = None
) -> Callable[[Any], Any]:
    """Run a page's ``on_load`` as ``fn(state, user: SignedIn)`` (see the module doc)."""

    def decorate(fn: Any) -> Any:
        def refuse(state: rx.State, auth: AuthState) -> Any:
            if signed_out is not None:
                signed_out(state)
            return auth._signed_out_redirect(back_to)

        if inspect.isasyncgenfunction(fn):

            async def checked(self, auth):
                try:
                    user = _signed_in(auth)
                except NotSignedIn:
                    yield refuse(self, auth)
                    return
                async for event in fn(self, user):
                    yield event

        else:

            async def checked(self, auth):
                try:
                    user = _signed_in(auth)
                except NotSignedIn:
                    return refuse(self, auth)
                return await fn(self, user)

        return after_session_check(pending=pending)(_named_like(checked, fn))

    return decorate
