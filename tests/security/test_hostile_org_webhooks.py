"""Hostile organization deliveries: forged, unsigned, mismatched, oversized, malformed.

The referee is the database: every refusal leaves every table exactly as it was
(``table_snapshot``, organization tables included), and nothing is ever a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa

from clerk_app import db
from tests.support.factories import clerk_membership, clerk_organization, updated
from tests.support.webhooks import (
    body_of,
    clerk_user_json,
    event,
    membership_rows,
    migrated_engine,
    new_secret,
    org_rows,
    sign,
    signed_headers,
    table_snapshot,
    webhook_app,
)

SECRET = new_secret()
VICTIM_ORG = clerk_organization(name="Victim Inc", slug="victim")
VICTIM = clerk_user_json("user_victim", "victim@example.com")
MEMBERSHIP = clerk_membership(VICTIM, VICTIM_ORG, role="org:admin")


@pytest.fixture
def engine(sqlite_database_url) -> Iterator[sa.Engine]:
    engine = migrated_engine(sqlite_database_url)
    yield engine
    engine.dispose()
    db.dispose_engines()


@pytest.fixture
async def post(engine) -> AsyncIterator:
    transport = httpx.ASGITransport(app=webhook_app(SECRET, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:

        async def post(doc, headers=None, *, body=None):
            body = body if body is not None else body_of(doc)
            headers = headers if headers is not None else signed_headers(SECRET, body)
            return await client.post("/api/webhooks/clerk", content=body, headers=headers)

        for doc in (
            event("user.created", VICTIM),
            event("organizationMembership.created", MEMBERSHIP),
        ):
            assert (await post(doc)).status_code == 200
        yield post


async def _refused(post, engine, doc, status, headers=None, body=None) -> httpx.Response:
    before = table_snapshot(engine)
    response = await post(doc, headers, body=body)
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, response.text
    assert response.json()["error"]
    assert table_snapshot(engine) == before
    assert org_rows(engine)[VICTIM_ORG["id"]]["name"] == "Victim Inc"
    assert membership_rows(engine)[MEMBERSHIP["id"]][2] == "org:admin"
    return response


def _deleted(org_id: str) -> dict:
    return event("organization.deleted", {"id": org_id, "object": "organization", "deleted": True})


async def test_a_forged_deletion_of_another_org_changes_nothing(post, engine):
    body = body_of(_deleted(VICTIM_ORG["id"]))
    forged = signed_headers(new_secret(), body)
    await _refused(post, engine, None, 401, headers=forged, body=body)


async def test_an_unsigned_event_changes_nothing(post, engine):
    body = body_of(event("organizationMembership.deleted", MEMBERSHIP))
    headers = {k: v for k, v in signed_headers(SECRET, body).items() if k != "svix-signature"}
    await _refused(post, engine, None, 400, headers=headers, body=body)


async def test_a_signature_spliced_from_another_org_event_is_refused(post, engine):
    mine = clerk_organization(name="Attacker")
    headers = signed_headers(SECRET, body_of(_deleted(mine["id"])))
    theirs = body_of(_deleted(VICTIM_ORG["id"]))
    await _refused(post, engine, None, 401, headers=headers, body=theirs)


async def test_a_membership_id_moved_to_another_org_is_refused(post, engine):
    moved = updated(MEMBERSHIP, organization=clerk_organization(name="Elsewhere"), delta_ms=10**6)
    await _refused(post, engine, event("organizationMembership.updated", moved), 422)


async def test_a_membership_id_given_to_another_user_is_refused(post, engine):
    stolen = updated(MEMBERSHIP, delta_ms=10**6)
    stolen["public_user_data"] = {**MEMBERSHIP["public_user_data"], "user_id": "user_ada"}
    ada = clerk_user_json("user_ada", "ada@example.com")
    assert (await post(event("user.created", ada))).status_code == 200
    await _refused(post, engine, event("organizationMembership.updated", stolen), 422)


async def test_a_membership_deletion_naming_another_org_is_refused(post, engine):
    other = {**MEMBERSHIP, "organization": clerk_organization()}
    await _refused(post, engine, event("organizationMembership.deleted", other), 422)


def _org(**changes):
    return event("organization.updated", {**updated(VICTIM_ORG, delta_ms=10**6), **changes})


def _member(**changes):
    return event(
        "organizationMembership.updated", {**updated(MEMBERSHIP, delta_ms=10**6), **changes}
    )


SHAPES = [
    ("org id missing", _org(id=None)),
    ("org id of a user", _org(id="user_victim")),
    ("org id traversal", _org(id="org_../../x")),
    ("org id huge", _org(id="org_" + "a" * 10_000)),
    ("org name huge", _org(name="x" * 5000)),
    ("org name dict", _org(name={"$ne": ""})),
    ("org image list", _org(image_url=["x"])),
    ("org updated_at string", _org(updated_at="1")),
    ("org updated_at bool", _org(updated_at=True)),
    ("org object user", _org(object="user")),
    ("org deleted flag on update", _org(deleted=True)),
    (
        "delete with deleted false",
        event("organization.deleted", {"id": VICTIM_ORG["id"], "deleted": False}),
    ),
    ("delete of a user id", _deleted("user_victim")),
    ("delete without id", event("organization.deleted", {"deleted": True})),
    ("member id missing", _member(id=None)),
    ("member id of an org", _member(id=VICTIM_ORG["id"])),
    ("member role admin of everything", _member(role="admin; drop table")),
    ("member role int", _member(role=1)),
    ("member role huge", _member(role="org:" + "a" * 500)),
    ("member without organization", _member(organization=None)),
    ("member organization string", _member(organization=VICTIM_ORG["id"])),
    ("member organization name huge", _member(organization={**VICTIM_ORG, "name": "x" * 5000})),
    ("member without public_user_data", _member(public_user_data=None)),
    ("member user id traversal", _member(public_user_data={"user_id": "user_../victim"})),
    ("member updated_at missing", _member(updated_at=None)),
    ("member object user", _member(object="user")),
    ("member deletion without id", event("organizationMembership.deleted", {"object": "x"})),
    (
        "member deletion with a bad embedded org id",
        event("organizationMembership.deleted", {**MEMBERSHIP, "organization": {"id": "x/../y"}}),
    ),
    (
        "member deletion with a bad embedded user id",
        event(
            "organizationMembership.deleted",
            {**MEMBERSHIP, "public_user_data": {"user_id": "org_notauser"}},
        ),
    ),
]


@pytest.mark.parametrize("name, doc", SHAPES, ids=[s[0] for s in SHAPES])
async def test_malformed_org_events_are_refused_even_when_signed(post, engine, name, doc):
    await _refused(post, engine, doc, (400, 422))


async def test_an_oversized_body_is_refused(post, engine):
    doc = _org(public_metadata={"pad": "x" * (1 << 20)})
    await _refused(post, engine, doc, 413)


async def test_a_replayed_old_signature_is_refused(post, engine):
    body = body_of(_deleted(VICTIM_ORG["id"]))
    headers = signed_headers(SECRET, body, timestamp=1_600_000_000)
    headers["svix-signature"] = sign(SECRET, headers["svix-id"], 1_600_000_000, body)
    await _refused(post, engine, None, 401, headers=headers, body=body)
