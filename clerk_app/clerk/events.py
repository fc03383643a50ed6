"""Parsing a verified body into a Clerk event, and checking the fields we use.

A valid signature proves the body came from Clerk, not that it has the shape we
expect (API versions change, and a bug upstream should not become a 500 here).
So the fields ``sync_user`` / ``delete_user`` read are type-checked before any
database work; everything else in the payload is passed through untouched.

JSON is parsed strictly: ``NaN``/``Infinity`` are refused, and pathological
nesting or huge integers (which make :mod:`json` raise ``RecursionError`` or
``ValueError``) are a 400, not a crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from clerk_app.clerk.organizations import clerk_id, membership_data, organization_data
from clerk_app.clerk.svix import Rejected
from clerk_app.clerk.users import public_metadata

UPSERT_TYPES = frozenset({"user.created", "user.updated"})
DELETE_TYPE = "user.deleted"
ORG_UPSERT_TYPES = frozenset({"organization.created", "organization.updated"})
ORG_DELETE_TYPE = "organization.deleted"
MEMBERSHIP_UPSERT_TYPES = frozenset(
    {"organizationMembership.created", "organizationMembership.updated"}
)
MEMBERSHIP_DELETE_TYPE = "organizationMembership.deleted"
ORG_TYPES = ORG_UPSERT_TYPES | MEMBERSHIP_UPSERT_TYPES | {ORG_DELETE_TYPE, MEMBERSHIP_DELETE_TYPE}

USER_ID_RE = re.compile(r"^user_[A-Za-z0-9_-]{1,120}$")
#: Clerk's event names: lowercase dotted words, camelCase allowed (organizationMembership).
_TYPE_RE = re.compile(r"^[a-z][A-Za-z0-9_]{0,63}(\.[a-z][A-Za-z0-9_]{0,63}){0,3}$")
#: Generous caps (Clerk's own limits are lower); they keep a signed-but-odd
#: payload from reaching the database as a value it would refuse.
_MAX_TEXT = 2048
_MAX_EMAILS = 100
_OPTIONAL_TEXT = ("first_name", "last_name", "username", "image_url", "primary_email_address_id")


@dataclass(frozen=True)
class ClerkEvent:
    """One Clerk webhook event: its ``type`` and ``data`` (the user, or ``{id, deleted}``)."""

    type: str
    data: dict[str, Any]

    @property
    def handled(self) -> bool:
        return self.type in UPSERT_TYPES or self.type == DELETE_TYPE or self.type in ORG_TYPES

    @property
    def user_id(self) -> str | None:
        """The id of the object the event is about (a user, organization or membership)."""
        value = self.data.get("id")
        return value if self.handled and isinstance(value, str) else None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """``json.loads`` that refuses NaN/Infinity and never raises anything but ``Rejected``."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise Rejected(400, "body is not valid JSON") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(data: dict[str, Any], key: str, *, required: bool = False) -> None:
    value = data.get(key)
    if value is None:
        if required:
            raise Rejected(422, f"data.{key} is required")
        return
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise Rejected(422, f"data.{key} must be a string")


def _check_user(data: dict[str, Any]) -> None:
    if data.get("object", "user") != "user":
        raise Rejected(422, "data.object must be 'user'")
    if data.get("deleted"):
        raise Rejected(422, "data.deleted is set on a user upsert event")
    for key in _OPTIONAL_TEXT:
        _check_text(data, key)
    if not _is_int(data.get("updated_at")) or data["updated_at"] < 0:
        raise Rejected(422, "data.updated_at must be a timestamp in milliseconds")
    if "created_at" in data and not _is_int(data["created_at"]):
        raise Rejected(422, "data.created_at must be a timestamp in milliseconds")
    for key in ("banned", "locked"):
        if data.get(key) is not None and not isinstance(data[key], bool):
            raise Rejected(422, f"data.{key} must be a boolean")
    seen = data.get("last_sign_in_at")
    if seen is not None and (not _is_int(seen) or seen < 0):
        raise Rejected(422, "data.last_sign_in_at must be a timestamp in milliseconds")
    try:
        public_metadata(data.get("public_metadata"))
    except ValueError as exc:
        raise Rejected(422, f"data.{exc}") from None
    emails = data.get("email_addresses", [])
    if not isinstance(emails, list) or len(emails) > _MAX_EMAILS:
        raise Rejected(422, "data.email_addresses must be a list")
    for item in emails:
        if not isinstance(item, dict):
            raise Rejected(422, "data.email_addresses must hold objects")
        _check_text(item, "id", required=True)
        _check_text(item, "email_address", required=True)


def parse_event(text: str) -> ClerkEvent:
    """The event in a verified body.

    Raises:
        Rejected: 400 for JSON that is not an event; 422 for a handled event
            (``user.*``) whose data lacks or mistypes a field we use.
    """
    doc = parse_json(text)
    if not isinstance(doc, dict):
        raise Rejected(400, "event must be a JSON object")
    kind = doc.get("type")
    if not isinstance(kind, str) or not _TYPE_RE.match(kind):
        raise Rejected(400, "event.type must be an event name")
    if doc.get("object", "event") != "event":
        raise Rejected(400, "event.object must be 'event'")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise Rejected(400, "event.data must be an object")
    event = ClerkEvent(type=kind, data=data)
    if not event.handled:
        return event
    if kind in ORG_TYPES:
        _check_org_event(kind, data)
        return event
    user_id = data.get("id")
    if not isinstance(user_id, str) or not USER_ID_RE.match(user_id):
        raise Rejected(422, "data.id must be a Clerk user id")
    if kind == DELETE_TYPE:
        if data.get("deleted", True) is not True:
            raise Rejected(422, "data.deleted must be true on user.deleted")
        if data.get("object", "user") != "user":
            raise Rejected(422, "data.object must be 'user'")
    else:
        _check_user(data)
    return event


def _check_org_texts(data: dict[str, Any], where: str) -> None:
    for key in ("name", "slug", "image_url"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > _MAX_TEXT):
            raise Rejected(422, f"{where}.{key} must be a string")
    if not _is_int(data.get("updated_at")) or data["updated_at"] < 0:
        raise Rejected(422, f"{where}.updated_at must be a timestamp in milliseconds")


def _check_org_event(kind: str, data: dict[str, Any]) -> None:
    """The ``organization.*`` / ``organizationMembership.*`` fields the sync reads."""
    try:
        if kind == ORG_DELETE_TYPE:
            clerk_id(data.get("id"), "org_")
            if data.get("deleted", True) is not True:
                raise Rejected(422, "data.deleted must be true on organization.deleted")
        elif kind == MEMBERSHIP_DELETE_TYPE:
            clerk_id(data.get("id"), "orgmem_")
            org, user = data.get("organization"), data.get("public_user_data")
            if isinstance(org, dict) and org.get("id") is not None:
                clerk_id(org["id"], "org_")
            if isinstance(user, dict) and user.get("user_id") is not None:
                clerk_id(user["user_id"], "user_")
        elif kind in ORG_UPSERT_TYPES:
            if data.get("object", "organization") != "organization" or data.get("deleted"):
                raise Rejected(422, "data must be a live organization")
            _check_org_texts(data, "data")
            organization_data(data)
        else:
            if data.get("object", "organization_membership") != "organization_membership":
                raise Rejected(422, "data.object must be 'organization_membership'")
            if not isinstance(data.get("organization"), dict):
                raise Rejected(422, "data.organization must be an object")
            _check_org_texts(data["organization"], "data.organization")
            if not _is_int(data.get("updated_at")) or data["updated_at"] < 0:
                raise Rejected(422, "data.updated_at must be a timestamp in milliseconds")
            membership_data(data)
    except ValueError as exc:
        raise Rejected(422, f"malformed {kind}: {exc}"[:200]) from None
