"""``AccountState``: whether the signed-in account is suspended (banned or locked).

A data handler wrapped in :func:`refuses_suspended` that meets
:class:`~clerk_app.members.AccountSuspended` (raised by the use cases, which read the
``banned``/``locked`` flags with the row they read anyway) resets its own state, so
nothing it showed stays in the browser, and sets ``AccountState.suspended``; the pages
then show the "account suspended" notice instead of their content. The flag goes at
the next identity change or the next handler that gets through.
"""

from __future__ import annotations

import functools
from typing import Any

import reflex as rx

from clerk_app.members import AccountSuspended
from clerk_app.state.auth import AuthState


class AccountState(rx.State):
    suspended: bool = False

    @rx.event
    def forget(self):
        if self.suspended:
            self.suspended = False


AuthState.on_identity_change(AccountState.forget)


def refuses_suspended(fn: Any) -> Any:
    """Wrap an async handler (its signature unchanged) so a suspended account gets the
    suspended state and nothing else."""

    @functools.wraps(fn)
    async def handler(self: rx.State, *args: Any, **kwargs: Any) -> Any:
        account = await self.get_state(AccountState)
        try:
            result = await fn(self, *args, **kwargs)
        except AccountSuspended:
            self.reset()
            account.suspended = True
            return None
        if account.suspended:
            account.suspended = False
        return result

    return handler
