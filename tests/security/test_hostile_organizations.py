"""Forged websocket events against the organization pages and the account guard.

Against the running app (local mode), with organization rows inserted straight into
its database: a member sends the admins' save event (after flipping the page's public
``is_admin`` var with ``setvar``, as a script can); a non-member asks for the page and
for the save; a banned user whose token is still valid calls every data handler. The
referee is the database (nothing written) and every message the server sent (nothing
of the organization, nothing of the profile).
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from clerk_app import db, routes
from clerk_app.pages.organizations.state import OrganizationState
from clerk_app.state.auth import AuthState
from tests.security.conftest import MEMBERS, Arena, Member
from tests.support.reflex_client import ReflexClient

ORG = OrganizationState.get_full_name()
ACCOUNT = AuthState.get_full_name()  # the session holds the suspended flag
ROUTE = routes.ORGANIZATION


def _sql(arena: Arena, statement: str, **params: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(db.normalise_url(arena.db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [dict(r._mapping) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


class OrgWorld:
    def __init__(self, arena: Arena, admin: Member, member: Member, outsider: Member) -> None:
        self.arena, self.admin, self.member, self.outsider = arena, admin, member, outsider
        self.slug = f"acme-{secrets.token_hex(4)}"
        self.name = f"Acme {secrets.token_hex(4)}"
        self.description = f"org-private-description-{secrets.token_hex(6)}"
        self.clerk_id = f"org_{secrets.token_hex(10)}"
        org_id = secrets.token_hex(10)
        _sql(
            arena,
            "INSERT INTO organization (id, clerk_id, name, slug, description) "
            "VALUES (:id, :clerk_id, :name, :slug, :description)",
            id=org_id,
            clerk_id=self.clerk_id,
            name=self.name,
            slug=self.slug,
            description=self.description,
        )
        for who, role in ((admin, "org:admin"), (member, "org:member")):
            _sql(
                arena,
                "INSERT INTO organization_membership (id, clerk_id, organization_id, user_id, "
                "role) VALUES (:id, :clerk_id, :org, :user, :role)",
                id=secrets.token_hex(10),
                clerk_id=f"orgmem_{secrets.token_hex(10)}",
                org=org_id,
                user=arena.row(who.id)["id"],
                role=role,
            )

    def description_now(self) -> str:
        [row] = _sql(
            self.arena, "SELECT description FROM organization WHERE slug = :s", s=self.slug
        )
        return row["description"]

    async def open(self, client: ReflexClient, **kwargs: Any) -> list[dict[str, Any]]:
        return await client.call(f"{ORG}.on_load", **self.where(), **kwargs)

    async def save(self, client: ReflexClient, form: Any) -> list[dict[str, Any]]:
        return await client.call(f"{ORG}.save_organization", {"form_data": form}, **self.where())

    def where(self) -> dict[str, Any]:
        return {"pathname": ROUTE, "query": {"slug": self.slug}}


@pytest.fixture(scope="module")
def world(arena: Arena) -> OrgWorld:
    import asyncio

    async def people() -> tuple[Member, Member, Member]:
        return (
            await arena.member("orgadmin"),
            await arena.member("orgmember"),
            await arena.member("outsider"),
        )

    return OrgWorld(arena, *asyncio.run(people()))


async def test_a_member_cannot_save_as_an_admin(arena: Arena, world: OrgWorld) -> None:
    client = await arena.signed_in(world.member.token, pathname=ROUTE)
    try:
        await world.open(client)
        assert client.get(ORG, "loaded") is True and client.get(ORG, "is_admin") is False
        assert world.admin.email not in client.dump()  # a member never gets e-mails
        await client.call(f"{ORG}.setvar", {"var_name": "is_admin", "value": True}, **world.where())
        for form in ({"description": "pwned"}, {"description": "pwned", "website": "x.example"}):
            await world.save(client, form)
        assert world.description_now() == world.description
        assert client.get(ORG, "status_ok") is False
        assert "pwned" not in str(client.get(ORG, "org"))
    finally:
        await client.close()


async def test_a_non_member_gets_nothing_of_the_organization(arena: Arena, world: OrgWorld) -> None:
    client = await arena.signed_in(world.outsider.token, pathname=ROUTE)
    try:
        answer = await world.open(client)
        assert answer, "on_load did not answer"
        assert client.get(ORG, "refused") and client.get(ORG, "loaded") is False
        await world.save(client, {"description": "pwned"})
        await client.call(f"{ORG}.field_edited", {"name": "x", "value": "y"}, **world.where())
        dump = client.dump()
        for secret in (
            world.name,
            world.description,
            world.clerk_id,
            world.admin.email,
            world.member.email,
            world.admin.id,
            world.member.id,
        ):
            assert secret not in dump, f"the organization leaked to a non-member: {secret}"
        arena.assert_clean(client, world.admin, world.member)
        assert world.description_now() == world.description
    finally:
        await client.close()


async def test_a_banned_user_with_a_valid_token_is_refused_by_every_data_handler(
    arena: Arena,
) -> None:
    admin = await arena.member("tobebanned")
    world = OrgWorld(arena, admin, await arena.member("bystander"), await arena.member("x"))
    client = await arena.signed_in(admin.token, pathname=ROUTE)
    try:
        await world.open(client)
        assert client.get(ORG, "is_admin") is True
        # Banned in Clerk (the emulator sends user.updated); our row says so at once too, as
        # it does once that webhook lands, while the token minted before stays valid.
        arena.admin.post(f"/v1/users/{admin.id}/ban").raise_for_status()
        _sql(arena, 'UPDATE "user" SET banned = true WHERE clerk_id = :c', c=admin.id)
        before = len(client.received)
        await world.save(client, {"description": "written while banned"})
        await world.open(client)
        await client.call(f"{MEMBERS}.on_load", pathname="/members")
        await client.call(
            f"{MEMBERS}.save_profile",
            {"form_data": {"bio": "written while banned"}},
            pathname="/members",
        )
        assert client.get(ACCOUNT, "suspended") is True
        assert client.get(ORG, "org") == {} and client.get(ORG, "members") == []
        assert client.get(MEMBERS, "loaded") is False
        after = ReflexClient.__new__(ReflexClient)
        after.received, after.other_messages = client.received[before:], []
        dump = after.dump()
        for secret in (admin.bio, admin.email, world.description, world.member.email):
            assert secret not in dump, f"sent to a banned user: {secret}"
        assert world.description_now() == world.description
        assert arena.row(admin.id)["bio"] == admin.bio
    finally:
        await client.close()
