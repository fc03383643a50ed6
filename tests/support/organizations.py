"""Organization rows for tests, inserted straight with SQLModel (the sync is tested
apart): an organization, users, and who is a member with which role."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session

from clerk_app.models import User, utcnow
from clerk_app.org_models import ADMIN_ROLE, MEMBER_ROLE, Organization, OrganizationMembership
from tests.support.database import session_scope
from tests.support.factories import clerk_id

__all__ = ["ADMIN_ROLE", "MEMBER_ROLE", "add_member", "add_organization", "add_user"]


def add_user(url: str, name: str, **fields: Any) -> User:
    """A synced user row named ``name`` (``<name>-<hex>@example.com``)."""
    user = User(
        clerk_id=clerk_id(),
        email=f"{name.lower()}-{secrets.token_hex(4)}@example.com",
        first_name=name,
        last_name="Test",
        image_url=f"https://img.example/{name.lower()}.png",
        synced_at=utcnow(),
        **fields,
    )
    with session_scope(url) as session:
        session.add(user)
    return user


def add_organization(url: str, slug: str, **fields: Any) -> Organization:
    org = Organization(
        clerk_id=f"org_{secrets.token_hex(10)}",
        name=fields.pop("name", slug.replace("-", " ").title()),
        slug=slug,
        image_url=f"https://img.example/{slug}.png",
        **fields,
    )
    with session_scope(url) as session:
        session.add(org)
    return org


def add_member(url: str, org: Organization, user: User, role: str = MEMBER_ROLE) -> None:
    with session_scope(url) as session:
        _add(session, org, user, role)


def _add(session: Session, org: Organization, user: User, role: str) -> None:
    session.add(
        OrganizationMembership(
            clerk_id=f"orgmem_{secrets.token_hex(10)}",
            organization_id=org.id,
            user_id=user.id,
            role=role,
        )
    )
