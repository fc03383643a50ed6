"""Organizations beyond the CRUD: signed webhooks, deletion cascades, the active
organization and the session token's ``o`` claim, persistence across restarts.

The webhook bodies are checked with svix's own verifier and read with the app's own
parsers (``clerk_app.clerk.organizations``), which is what the app's webhook handler
will do with them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from svix.webhooks import Webhook

from clerk_app.clerk.organizations import active_organization, membership_data, organization_data
from clerk_emulator import Emulator
from clerk_emulator.errors import EmulatorError
from tests.clerk_emulator.test_http import Receiver
from tests.support.servers import EmulatorServer

ORIGIN = "http://localhost:3000"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv = Receiver()
    with recv.server:
        yield recv


@pytest.fixture
def clerk(receiver) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        prefix="/_clerk", authorized_party=ORIGIN, webhook_url=receiver.url
    ) as server:
        yield server


async def _events(clerk: EmulatorServer, receiver: Receiver) -> list[dict[str, Any]]:
    await clerk.emulator.webhooks.drain()
    events = []
    for headers, body in receiver.received:
        Webhook(clerk.emulator.webhook_secret).verify(body, headers)  # raises if unsigned
        events.append(json.loads(body))
    receiver.received.clear()
    return events


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_every_organization_change_sends_its_signed_webhook(clerk, receiver):
    emu = clerk.emulator
    ada = emu.create_user("ada@example.com", first_name="Ada")
    bob = emu.create_user("bob@example.com")
    await _events(clerk, receiver)
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as http:
        org = (
            await http.post(
                "/v1/organizations", json={"name": "Acme", "slug": "acme", "created_by": ada["id"]}
            )
        ).json()
        base = f"/v1/organizations/{org['id']}/memberships"
        await http.patch(f"/v1/organizations/{org['id']}", json={"name": "Acme Corp"})
        await http.post(base, json={"user_id": bob["id"], "role": "org:member"})
        await http.patch(f"{base}/{bob['id']}", json={"role": "org:admin"})
        await http.delete(f"{base}/{bob['id']}")
        await http.delete(f"/v1/organizations/{org['id']}")
        # Refused requests send nothing.
        await http.post("/v1/organizations", json={"name": "Acme", "slug": "Bad Slug"})
    events = await _events(clerk, receiver)

    assert [e["type"] for e in events] == [
        "organization.created",
        "organizationMembership.created",
        "organization.updated",
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationMembership.deleted",
        "organization.deleted",
    ]
    assert all(e["object"] == "event" and e["instance_id"] == emu.instance_id for e in events)
    created, creator, updated, added, promoted, removed, deleted = (e["data"] for e in events)
    assert created == org and organization_data(created).clerk_id == org["id"]
    assert membership_data(creator).role == "org:admin"
    assert creator["public_user_data"]["user_id"] == ada["id"]
    assert updated["name"] == "Acme Corp" and updated["updated_at"] > created["updated_at"]
    assert membership_data(added).member.clerk_id == bob["id"]
    assert added["organization"]["name"] == "Acme Corp"
    assert membership_data(promoted).role == "org:admin" and promoted["id"] == added["id"]
    assert removed["object"] == "organization_membership" and removed["id"] == added["id"]
    assert membership_data(removed).organization.clerk_id == org["id"]
    assert deleted == {"id": org["id"], "object": "organization", "slug": "acme", "deleted": True}


async def test_deleting_a_user_ends_their_memberships_with_webhooks(clerk, receiver):
    emu = clerk.emulator
    ada = emu.create_user("ada@example.com")
    bob = emu.create_user("bob@example.com")
    one = emu.create_organization("One", created_by=ada["id"])
    two = emu.create_organization("Two", created_by=bob["id"])
    emu.create_membership(two["id"], ada["id"], "org:member")
    await _events(clerk, receiver)

    emu.delete_user(ada["id"])
    events = await _events(clerk, receiver)
    assert [e["type"] for e in events] == [
        "organizationMembership.deleted",
        "organizationMembership.deleted",
        "user.deleted",
    ]
    gone = {e["data"]["organization"]["id"] for e in events[:2]}
    assert gone == {one["id"], two["id"]}
    assert all(e["data"]["public_user_data"]["user_id"] == ada["id"] for e in events[:2])
    assert emu.list_memberships(one["id"]) == ([], 0)
    assert [m["public_user_data"]["user_id"] for m in emu.list_memberships(two["id"])[0]] == [
        bob["id"]
    ]
    assert emu.get_organization(one["id"])["name"] == "One"  # the organization stays


async def test_the_active_organization_reaches_the_token_as_clerks_o_claim(clerk):
    emu = clerk.emulator
    ada = emu.create_user("ada@example.com")
    bob = emu.create_user("bob@example.com")
    acme = emu.create_organization("Acme", slug="acme", created_by=ada["id"])
    emu.create_membership(acme["id"], bob["id"], "org:member")
    sid = emu.create_session(bob["id"])
    assert "o" not in _claims(emu.session_token(sid))  # the personal account by default

    touch = f"{clerk.base_url}/emulator/sessions/{sid}/touch"
    async with httpx.AsyncClient(headers={"Origin": ORIGIN}) as browser:
        answer = await browser.post(touch, json={"active_organization_id": acme["id"]})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        session = answer.json()
        assert (
            session["object"] == "session" and session["last_active_organization_id"] == acme["id"]
        )
        claims = _claims(session["last_active_token"]["jwt"])
        assert claims["o"] == {"id": acme["id"], "rol": "member", "slg": "acme"}
        assert claims["sub"] == bob["id"] and claims["azp"] == ORIGIN
        fresh = await browser.post(f"{clerk.base_url}/emulator/sessions/{sid}/tokens")
        assert _claims(fresh.json()["jwt"])["o"] == claims["o"]
        active = active_organization(_claims(fresh.json()["jwt"]))
        assert (active.clerk_id, active.role, active.slug) == (acme["id"], "org:member", "acme")

        # The claim follows the membership and the organization as they change.
        emu.update_membership(acme["id"], bob["id"], role="org:admin")
        emu.update_organization(acme["id"], slug="acme-corp")
        assert _claims(emu.session_token(sid))["o"] == {
            "id": acme["id"],
            "rol": "admin",
            "slg": "acme-corp",
        }
        cleared = await browser.post(touch, json={"active_organization_id": None})
        assert cleared.json()["last_active_organization_id"] is None
        assert "o" not in _claims(cleared.json()["last_active_token"]["jwt"])


async def test_an_organization_the_user_is_not_in_is_refused(clerk):
    emu = clerk.emulator
    ada = emu.create_user("ada@example.com")
    eve = emu.create_user("eve@example.com")
    acme = emu.create_organization("Acme", created_by=ada["id"])
    mine = emu.create_organization("Eve's", created_by=eve["id"])
    sid = emu.create_session(eve["id"])
    emu.set_active_organization(sid, mine["id"])
    touch = f"{clerk.base_url}/emulator/sessions/{sid}/touch"
    async with httpx.AsyncClient(headers={"Origin": ORIGIN}) as browser:
        for org_id in (acme["id"], "org_doesnotexist", "acme"):
            refused = await browser.post(touch, json={"active_organization_id": org_id})
            assert refused.status_code == 404
            assert refused.json()["errors"][0]["code"] == "organization_not_found_or_unauthorized"
        malformed = await browser.post(touch, json={"active_organization_id": ["x"]})
        assert malformed.status_code == 422
        foreign = await browser.post(
            touch, json={"active_organization_id": None}, headers={"Origin": "https://evil.test"}
        )
        assert foreign.status_code == 403
    assert emu.store.get_session(sid)["last_active_organization_id"] == mine["id"]
    assert _claims(emu.session_token(sid))["o"]["id"] == mine["id"]

    emu.end_session(sid)
    with pytest.raises(EmulatorError) as ended:
        emu.set_active_organization(sid, mine["id"])
    assert ended.value.status == 401


async def test_the_claim_goes_once_the_membership_or_organization_does(clerk):
    emu = clerk.emulator
    ada = emu.create_user("ada@example.com")
    bob = emu.create_user("bob@example.com")
    acme = emu.create_organization("Acme", created_by=ada["id"])
    emu.create_membership(acme["id"], bob["id"])
    bob_sid, ada_sid = emu.create_session(bob["id"]), emu.create_session(ada["id"])
    emu.set_active_organization(bob_sid, acme["id"])
    emu.set_active_organization(ada_sid, acme["id"])

    emu.delete_membership(acme["id"], bob["id"])
    assert "o" not in _claims(emu.session_token(bob_sid))
    assert emu.store.get_session(bob_sid)["last_active_organization_id"] is None
    emu.create_membership(acme["id"], bob["id"])  # rejoining does not reactivate it
    assert "o" not in _claims(emu.session_token(bob_sid))

    assert _claims(emu.session_token(ada_sid))["o"]["rol"] == "admin"
    emu.delete_organization(acme["id"])
    assert "o" not in _claims(emu.session_token(ada_sid))
    # mint_token follows the session too (what tests use to sign in).
    assert "o" not in _claims(emu.mint_token(ada["id"], sid=ada_sid))


def test_organizations_memberships_and_the_active_one_survive_a_restart(tmp_path: Path):
    with Emulator(issuer="http://clerk.test", data_dir=tmp_path, key_size=2048) as first:
        ada = first.create_user("ada@example.com")
        acme = first.create_organization("Acme", slug="acme", created_by=ada["id"])
        sid = first.create_session(ada["id"])
        first.set_active_organization(sid, acme["id"])
    assert oct((tmp_path / "state.json").stat().st_mode & 0o777) == "0o600"
    with Emulator(issuer="http://clerk.test", data_dir=tmp_path, key_size=2048) as second:
        assert second.get_organization("acme") == acme
        [membership] = second.user_memberships(ada["id"])[0]
        assert membership["role"] == "org:admin"
        assert _claims(second.session_token(sid))["o"]["id"] == acme["id"]
        # A second process sees the first one's writes (the shared state file).
        second.create_organization("Beta", created_by=ada["id"])
        with Emulator(issuer="http://clerk.test", data_dir=tmp_path, key_size=2048) as third:
            assert third.list_organizations()[1] == 2
