"""Extension hooks: the product's own work after a sync changed something.

Register a function with a decorator::

    from clerk_app import hooks

    @hooks.on_user_deleted
    def forget_notes(clerk_id: str) -> None: ...

The hooks and what they receive:

* ``on_user_synced(user, outcome)``: a sync created or changed the row
  (``outcome`` is ``SyncOutcome.CREATED`` or ``UPDATED``); ``user`` is a copy of the
  ``User`` row, detached from any session;
* ``on_user_deleted(clerk_id)``: the user was tombstoned (or already was);
* ``on_organization_synced(organization, outcome)`` and
  ``on_organization_deleted(clerk_id)``: the same for organizations;
* ``on_membership_changed(membership_or_none, change)``: a membership was created,
  changed (its role) or deleted (then ``None``; an organization's deletion and a
  complete listing report each membership they removed). ``change`` is a
  :class:`MembershipChange`.

**When they run: after the commit**, in the caller's thread (the webhook's worker
thread; a worker thread for ``/welcome``; reconcile's after each page), once per
change, in the order of the changes. So a hook sees committed data and may open its
own session; it cannot undo the sync, and the sync does not wait on its side effects.
A hook that raises is logged (``clerk_app.hooks``) and the others still run; the
delivery or page is answered as if it had not failed, so a hook with work that must
not be lost records it (a table of its own) and retries it itself. A dry-run
reconcile fires nothing. The callers: :mod:`clerk_app.webhooks`,
:mod:`clerk_app.account_orgs` (``/welcome``), :mod:`clerk_app.reconcile`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from clerk_app.models import User
from clerk_app.org_models import Organization, OrganizationMembership

logger = logging.getLogger("clerk_app.hooks")
F = TypeVar("F", bound=Callable[..., Any])

_registry: dict[str, list[Callable[..., Any]]] = {
    "user_synced": [],
    "user_deleted": [],
    "organization_synced": [],
    "organization_deleted": [],
    "membership_changed": [],
}


class Change(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """What happened to one membership; ids are our rows' (``None`` if unknown)."""

    kind: Change
    clerk_id: str
    organization_id: str | None
    user_id: str | None


def _register(name: str) -> Callable[[F], F]:
    def decorator(fn: F) -> F:
        _registry[name].append(fn)
        return fn

    return decorator


on_user_synced = _register("user_synced")
on_user_deleted = _register("user_deleted")
on_organization_synced = _register("organization_synced")
on_organization_deleted = _register("organization_deleted")
on_membership_changed = _register("membership_changed")


def registered(name: str) -> bool:
    """Whether any hook is registered under ``name`` (``user_synced`` …)."""
    return bool(_registry[name])


def unregister(fn: Callable[..., Any]) -> None:
    """Remove ``fn`` from every hook (tests, reloads)."""
    for functions in _registry.values():
        while fn in functions:
            functions.remove(fn)


def _copy(row: Any) -> Any:
    """A detached copy of a row's column values: safe to read after the session closed."""
    table = type(row).__table__
    return type(row)(**{column.key: getattr(row, column.key) for column in table.c})


@dataclass
class Pending:
    """The hook calls of one transaction, collected while it runs and fired after commit."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def user_synced(self, user: User, outcome: Any) -> None:
        if outcome in ("created", "updated"):
            self.calls.append(("user_synced", (_copy(user), outcome)))

    def user_deleted(self, clerk_id: str) -> None:
        self.calls.append(("user_deleted", (clerk_id,)))

    def organization_synced(self, organization: Organization, outcome: Any) -> None:
        if outcome in ("created", "updated"):
            self.calls.append(("organization_synced", (_copy(organization), outcome)))

    def organization_deleted(self, clerk_id: str) -> None:
        self.calls.append(("organization_deleted", (clerk_id,)))

    def membership_synced(self, membership: OrganizationMembership | None, outcome: Any) -> None:
        if membership is not None and outcome in ("created", "updated"):
            kind = Change(str(outcome))
            change = MembershipChange(
                kind, membership.clerk_id, membership.organization_id, membership.user_id
            )
            self.calls.append(("membership_changed", (_copy(membership), change)))

    def membership_deleted(
        self, clerk_id: str, organization_id: str | None = None, user_id: str | None = None
    ) -> None:
        change = MembershipChange(Change.DELETED, clerk_id, organization_id, user_id)
        self.calls.append(("membership_changed", (None, change)))

    def fire(self) -> int:
        """Run every collected call (after the commit); the number of hooks that failed."""
        calls, self.calls = self.calls, []
        failed = 0
        for name, args in calls:
            for fn in list(_registry[name]):
                try:
                    fn(*args)
                except Exception:
                    failed += 1
                    logger.exception("hook %s (%s) failed", getattr(fn, "__name__", fn), name)
        return failed
