"""The emulator's users, validated and serialised exactly as Clerk serves them.

Mutations validate everything before touching state, so a rejected request
leaves no trace; persistence and locking come from :class:`PersistentState`.
"""

from __future__ import annotations

import copy
from typing import Any

from . import errors, shapes
from .ids import new_id
from .memberships import MembershipsMixin
from .organizations import OrganizationsMixin
from .sessions import SessionsMixin

ORDER_FIELDS = ("created_at", "updated_at")
#: Fields PATCH /v1/users/{id} accepts (``email_address``, ``image_url``: emulator extensions).
UPDATABLE = frozenset(
    {
        "first_name",
        "last_name",
        "username",
        "password",
        "primary_email_address_id",
        "public_metadata",
        "private_metadata",
        "unsafe_metadata",
        "external_id",
        "image_url",
        "email_address",
    }
)


class UserStore(SessionsMixin, OrganizationsMixin, MembershipsMixin):
    """Users, sessions and organizations of one instance (in memory, or in ``state.json``)."""

    # -- lookups ----------------------------------------------------------------

    def _email_owner(self, email: str) -> str | None:
        for user in self._users.values():
            if any(item["email_address"] == email for item in user["email_addresses"]):
                return user["id"]
        return None

    def _check_username_free(self, username: str | None, user_id: str | None = None) -> None:
        if username is None:
            return
        for user in self._users.values():
            if user["username"] == username and user["id"] != user_id:
                raise errors.identifier_taken("username", "username")

    def get_user(self, user_id: str) -> dict[str, Any]:
        with self._reading():
            return copy.deepcopy(self._user(user_id))

    def find_user(self, identifier: str) -> dict[str, Any] | None:
        """The user with this email address or username (case-insensitive)."""
        wanted = identifier.strip().lower()
        with self._reading():
            for user in self._users.values():
                emails = (item["email_address"] for item in user["email_addresses"])
                if user["username"] == wanted or wanted in emails:
                    return copy.deepcopy(user)
        return None

    def _matching(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        ids = set(filters.get("user_id") or ())
        emails = {e.lower() for e in filters.get("email_address") or ()}
        usernames = {u.lower() for u in filters.get("username") or ()}
        query = (filters.get("query") or "").lower()
        found = []
        for user in self._users.values():
            addresses = {item["email_address"] for item in user["email_addresses"]}
            if ids and user["id"] not in ids:
                continue
            if emails and not emails & addresses:
                continue
            if usernames and user["username"] not in usernames:
                continue
            if query:
                names = [user["id"], user["username"], user["first_name"], user["last_name"]]
                haystack = " ".join([*(n or "" for n in names), *addresses]).lower()
                if query not in haystack:
                    continue
            found.append(user)
        return found

    def list_users(
        self,
        *,
        limit: int = 10,
        offset: int = 0,
        order_by: str = "-created_at",
        filters: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Users sorted by ``order_by`` (``[+|-]created_at|updated_at``), ties broken by id."""
        descending = order_by.startswith("-")
        field = order_by.lstrip("+-")
        if field not in ORDER_FIELDS:
            raise errors.invalid_param(
                "order_by",
                f"order_by must be one of {', '.join(ORDER_FIELDS)} (+/- prefixed).",
                code="form_param_value_invalid",
            )
        with self._reading():
            users = sorted(
                self._matching(filters or {}),
                key=lambda u: (u[field], u["id"]),
                reverse=descending,
            )
            return copy.deepcopy(users[offset : offset + limit])

    def count_users(self, filters: dict[str, Any] | None = None) -> int:
        with self._reading():
            return len(self._matching(filters or {}))

    # -- user mutations ---------------------------------------------------------

    def create_user(
        self,
        *,
        email_addresses: list[str] | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        public_metadata: dict[str, Any] | None = None,
        private_metadata: dict[str, Any] | None = None,
        unsafe_metadata: dict[str, Any] | None = None,
        external_id: str | None = None,
    ) -> dict[str, Any]:
        """Create a user; the first email address becomes the primary one."""
        emails = [shapes.normalise_email(e) for e in email_addresses or []]
        if len(set(emails)) != len(emails):
            raise errors.identifier_taken("email_address", "email address")
        username = shapes.normalise_username(username)
        first_name = shapes.optional_name("first_name", first_name)
        last_name = shapes.optional_name("last_name", last_name)
        metadata = {
            name: shapes.metadata(name, value)
            for name, value in (
                ("public_metadata", public_metadata),
                ("private_metadata", private_metadata),
                ("unsafe_metadata", unsafe_metadata),
            )
        }
        password_hash = shapes.hash_password(password) if password is not None else None
        with self._writing():
            if any(self._email_owner(email) for email in emails):
                raise errors.identifier_taken("email_address", "email address")
            self._check_username_free(username)
            now = self.clock.now()
            user_id = new_id("user")
            user = shapes.user(user_id, now, f"{self._avatar_base}/emulator/avatars/{user_id}.svg")
            user["email_addresses"] = [shapes.email_address(e, now) for e in emails]
            if emails:
                user["primary_email_address_id"] = user["email_addresses"][0]["id"]
            user.update(
                username=username,
                first_name=first_name,
                last_name=last_name,
                external_id=external_id,
                password_enabled=password_hash is not None,
                **metadata,
            )
            self._users[user_id] = user
            if password_hash:
                self._passwords[user_id] = password_hash
            return copy.deepcopy(user)

    def update_user(self, user_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply a PATCH; ``updated_at`` moves forward on every call."""
        unknown = set(fields) - UPDATABLE
        if unknown:
            name = sorted(unknown)[0]
            raise errors.invalid_param(
                name,
                f"{name} is not a valid parameter for this request.",
                code="form_param_unknown",
            )
        changes: dict[str, Any] = {}
        for name in ("first_name", "last_name", "external_id", "image_url"):
            if name in fields:
                changes[name] = shapes.optional_name(name, fields[name])
        for name in ("public_metadata", "private_metadata", "unsafe_metadata"):
            if name in fields:
                changes[name] = shapes.metadata(name, fields[name])
        if "username" in fields:
            changes["username"] = shapes.normalise_username(fields["username"])
        password_hash = None
        if fields.get("password") is not None:
            password_hash = shapes.hash_password(fields["password"])
        new_email = None
        if fields.get("email_address") is not None:
            new_email = shapes.normalise_email(fields["email_address"])
        with self._writing():
            user = self._user(user_id)
            if "username" in changes:
                self._check_username_free(changes["username"], user_id)
            primary = user["primary_email_address_id"]
            if "primary_email_address_id" in fields:
                primary = fields["primary_email_address_id"]
            if primary != user["primary_email_address_id"] and primary not in {
                item["id"] for item in user["email_addresses"]
            }:
                raise errors.invalid_param(
                    "primary_email_address_id",
                    "No email address with this id belongs to the user.",
                    code="form_param_value_invalid",
                )
            owner = self._email_owner(new_email) if new_email else None
            if owner not in (None, user_id):
                raise errors.identifier_taken("email_address", "email address")
            now = self.clock.now()
            if new_email:  # emulator extension: make this address the primary one
                existing = [e for e in user["email_addresses"] if e["email_address"] == new_email]
                if not existing:
                    existing = [shapes.email_address(new_email, now)]
                    user["email_addresses"].append(existing[0])
                primary = existing[0]["id"]
            user.update(changes, primary_email_address_id=primary, updated_at=now)
            if password_hash:
                self._passwords[user_id] = password_hash
                user["password_enabled"] = True
            return copy.deepcopy(user)

    def add_email_address(
        self, user_id: str, email: str, *, primary: bool = False, verified: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Attach an address (``POST /v1/email_addresses``); returns (address, user)."""
        email = shapes.normalise_email(email)
        with self._writing():
            user = self._user(user_id)
            if self._email_owner(email):
                raise errors.identifier_taken("email_address", "email address")
            now = self.clock.now()
            item = shapes.email_address(email, now, verified=verified)
            user["email_addresses"].append(item)
            if primary or user["primary_email_address_id"] is None:
                user["primary_email_address_id"] = item["id"]
            user["updated_at"] = now
            return copy.deepcopy(item), copy.deepcopy(user)

    def set_account_flag(self, user_id: str, flag: str, value: bool) -> dict[str, Any]:
        """Ban/lock (or lift it): ``banned`` also revokes the user's active sessions."""
        with self._writing():
            user = self._user(user_id)
            now = self.clock.now()
            user.update({flag: value}, updated_at=now)
            if flag == "banned" and value:
                for item in self._sessions.values():
                    if item["user_id"] == user_id and item["status"] == "active":
                        item.update(status="revoked", updated_at=now)
            return copy.deepcopy(user)

    def delete_user(self, user_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Delete a user, end their sessions and memberships; (deleted object, memberships)."""
        with self._writing():
            self._user(user_id)
            memberships = self._drop_user_memberships(user_id)
            del self._users[user_id]
            self._passwords.pop(user_id, None)
            now = self.clock.now()
            for item in self._sessions.values():
                if item["user_id"] == user_id and item["status"] == "active":
                    item.update(status="removed", updated_at=now)
            return shapes.deleted_user(user_id), memberships

    def authenticate(self, identifier: str, password: str) -> dict[str, Any]:
        """The user with this email/username and password, or Clerk's 422 sign-in error."""
        user = self.find_user(identifier)
        if user is None:
            raise errors.EmulatorError(
                422,
                "form_identifier_not_found",
                "Couldn't find your account.",
                param="identifier",
            )
        with self._reading():
            stored = self._passwords.get(user["id"])
        matched = None if stored is None else shapes.check_password(password, stored)
        if matched is None:
            raise errors.EmulatorError(
                422,
                "strategy_for_user_invalid",
                "This user has no password.",
                param="password",
            )
        if not matched:
            raise errors.EmulatorError(
                422,
                "form_password_incorrect",
                "Password is incorrect. Try again, or use another method.",
                param="password",
            )
        return user
