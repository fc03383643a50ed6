"""Suspended accounts (banned or locked): what a page handler does when it meets one.

A data handler wrapped in :func:`refuses_suspended` that meets
:class:`~clerk_app.members.AccountSuspended` (raised by the use cases, which read the
``banned``/``locked`` flags with the row they read anyway) resets its own state, so
nothing it showed stays in the browser, and sets :attr:`AuthState.suspended`; the pages
then show the "account suspended" notice instead of their content. The flag goes at
the next identity change or the next handler that gets through.

The flag is the session's, on :class:`AuthState`, which every such handler reads for the
verified user id anyway: no state of its own to create per tab, or to load per event
when state lives in Redis.
"""

from __future__ import annotations

import functools
from typing import Any

import reflex as rx

from clerk_app.members import AccountSuspended
from clerk_app.state.auth import AuthState


def refuses_suspended(fn: Any) -> Any:
    """Wrap an async handler (its signature unchanged) so a suspended account gets the
    suspended state and nothing else."""

    @functools.wraps(fn)
    async def handler(self: rx.State, *args: Any, **kwargs: Any) -> Any:
        auth = await self.get_state(AuthState)
        try:
            result = await fn(self, *args, **kwargs)
        except AccountSuspended:
            self.reset()
            auth.suspended = True
            return None
        if auth.suspended:
            auth.suspended = False
        return result

    return handler
