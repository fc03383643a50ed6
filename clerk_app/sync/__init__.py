"""Clerk user JSON → one ``user`` row: the upsert, the deletion policy, the outcome.

Modules: :mod:`.upsert` (the sync and its slow path), :mod:`.statements` (built once
per dialect), :mod:`.usernames`, :mod:`.deletion`; Clerk's JSON is read by
:mod:`clerk_app.clerk.users`. Organizations follow the same rules:
:mod:`.organizations` (upsert, tombstone), :mod:`.memberships` (upsert, delete, a
user's complete set), :mod:`.active_org` (the token's ``o`` claim), statements in
:mod:`.org_statements`.

One rule decides everything: **Clerk is the source of truth for its fields, and
the newest Clerk data wins.** Concretely:

* :func:`sync_user` is one ``INSERT … ON CONFLICT (clerk_id) DO UPDATE …
  RETURNING`` statement in the common case (same SQL on SQLite and PostgreSQL,
  one round trip, atomic under any concurrency). The ``DO UPDATE`` sets only
  Clerk-managed columns, never bio/links/preferences, and has a ``WHERE``:
  data older than the stored ``clerk_updated_at`` changes nothing, and a
  tombstoned row is never touched.
* Email: the address whose id is ``primary_email_address_id`` (not the first
  one), stripped and lowercased; none → :class:`UserWithoutEmail`, nothing written.
* Username: Clerk's when set; else the one the row already has; else derived
  from the email's local part (``john.doe+x@a.com`` → ``john_doe``), made
  unique (``john``, ``john_2`` … ``john_9``, then ``john_<random>``).
* Unique email/username held by another row: only then (a unique violation)
  does :func:`sync_user` take the slow path, in a SAVEPOINT, retried a bounded
  number of times. The other row is a *stale* claim and releases the value:
  its email becomes NULL (it gets its current address at its next sync) and a
  username is renamed ``<name>_<random>``. Because Clerk never gives one
  address to two accounts at once, the claim with the newer Clerk
  ``updated_at`` is the true one: if the other row's data is newer, *our*
  address is the stale one and is stored as NULL instead. (Derived usernames
  are ours, not Clerk's, so a Clerk username always wins over a stored one.)
  No ``IntegrityError`` escapes.
* :func:`delete_user` tombstones (see its docstring): the row stays, anonymised,
  with ``deleted_at`` set, so a late or replayed ``user.updated`` can never
  bring the user back, and ``user.deleted`` arriving before ``user.created`` wins.

The caller owns the transaction and commits. The fast path does not use a
SAVEPOINT when it can recover without one: on SQLite a failed statement leaves
the transaction intact, and on PostgreSQL, when our statement was the first of
the transaction, rolling it back loses nothing but our own attempt.
"""

from __future__ import annotations

from clerk_app.clerk.users import ClerkUserData, UserWithoutEmail, clerk_user_data
from clerk_app.sync.active_org import ActiveRole, apply_active_organization
from clerk_app.sync.deletion import delete_user
from clerk_app.sync.memberships import (
    MemberNotSynced,
    MembershipDeleted,
    MembershipMismatch,
    MembershipResult,
    MembershipsReplaced,
    delete_membership,
    sync_membership,
    sync_user_memberships,
)
from clerk_app.sync.organizations import (
    DeleteOutcome,
    OrganizationDeleted,
    OrganizationResult,
    delete_organization,
    sync_organization,
)
from clerk_app.sync.upsert import (
    SyncConflict,
    SyncOutcome,
    SyncResult,
    is_current,
    sync_user,
    sync_user_outcome,
    upsert_call,
)
from clerk_app.sync.usernames import derive_username

__all__ = [
    "ActiveRole",
    "ClerkUserData",
    "DeleteOutcome",
    "MemberNotSynced",
    "MembershipDeleted",
    "MembershipMismatch",
    "MembershipResult",
    "MembershipsReplaced",
    "OrganizationDeleted",
    "OrganizationResult",
    "SyncConflict",
    "SyncOutcome",
    "SyncResult",
    "UserWithoutEmail",
    "apply_active_organization",
    "clerk_user_data",
    "delete_membership",
    "delete_organization",
    "delete_user",
    "derive_username",
    "is_current",
    "sync_membership",
    "sync_organization",
    "sync_user",
    "sync_user_memberships",
    "sync_user_outcome",
    "upsert_call",
]
