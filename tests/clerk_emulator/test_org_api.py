"""The emulator's organization endpoints over a real socket: Clerk's shapes, paging, errors.

Each test starts its own emulator (uvicorn on 127.0.0.1, mounted at /_clerk as the
Reflex backend mounts it) and talks to it with httpx and the secret key, the way
Clerk's backend SDKs do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from clerk_app.clerk.organizations import membership_data, organization_data
from tests.support.servers import EmulatorServer

ADMIN_PERMISSIONS = {
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
}


@pytest.fixture
def clerk() -> Iterator[EmulatorServer]:
    with EmulatorServer(prefix="/_clerk") as server:
        yield server


@pytest.fixture
async def http(clerk) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=clerk.auth_headers) as client:
        yield client


@pytest.fixture
def ada(clerk) -> dict[str, Any]:
    return clerk.emulator.create_user("ada@example.com", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def bob(clerk) -> dict[str, Any]:
    return clerk.emulator.create_user("bob@example.com", username="bobby")


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    [error] = response.json()["errors"]
    assert set(error) == {"code", "message", "long_message", "meta"}
    return response.status_code, error["code"], error["meta"].get("param_name")


async def _create(http, **body) -> dict[str, Any]:
    response = await http.post("/v1/organizations", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_create_answers_clerks_organization_and_makes_the_creator_admin(http, ada):
    org = await _create(http, name="Acme Inc", slug="acme", created_by=ada["id"])
    assert org["object"] == "organization" and org["id"].startswith("org_")
    assert (org["name"], org["slug"], org["created_by"]) == ("Acme Inc", "acme", ada["id"])
    assert org["has_image"] is False and org["image_url"].endswith(f"/{org['id']}.svg")
    assert org["public_metadata"] == {} and org["private_metadata"] == {}
    assert org["max_allowed_memberships"] == 0 and org["admin_delete_enabled"] is True
    assert 10**12 < org["created_at"] == org["updated_at"] < 10**13  # milliseconds
    assert organization_data(org).slug == "acme"  # the app's parser takes it as is

    listing = (await http.get(f"/v1/organizations/{org['id']}/memberships")).json()
    assert listing["total_count"] == 1
    [member] = listing["data"]
    assert member["object"] == "organization_membership" and member["id"].startswith("orgmem_")
    assert (member["role"], member["role_name"]) == ("org:admin", "Admin")
    assert set(member["permissions"]) == ADMIN_PERMISSIONS
    assert member["organization"] == org
    assert member["public_user_data"] == {
        "user_id": ada["id"],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "image_url": ada["image_url"],
        "has_image": False,
        "identifier": "ada@example.com",
    }
    assert membership_data(member).role == "org:admin"


async def test_slug_is_made_from_the_name_and_stays_unique(http):
    first = await _create(http, name="Café Crème & Co")
    second = await _create(http, name="Café Crème & Co")
    assert first["slug"] == "cafe-creme-co" and first["created_by"] is None
    assert second["slug"].startswith("cafe-creme-co-") and second["slug"] != first["slug"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, (422, "form_param_missing", "name")),
        ({"name": "  "}, (422, "form_param_format_invalid", "name")),
        ({"name": "x" * 257}, (422, "form_param_format_invalid", "name")),
        ({"name": "A", "slug": "Not a slug!"}, (422, "form_param_format_invalid", "slug")),
        ({"name": "A", "slug": "-edge"}, (422, "form_param_format_invalid", "slug")),
        (
            {"name": "A", "public_metadata": []},
            (422, "form_param_format_invalid", "public_metadata"),
        ),
        ({"name": "A", "owner": "me"}, (422, "form_param_unknown", "owner")),
        ({"name": "A", "created_by": 7}, (422, "form_param_format_invalid", "created_by")),
        ({"name": "A", "created_by": "user_nobody"}, (404, "resource_not_found", None)),
    ],
)
async def test_create_refusals_are_clerk_errors_and_create_nothing(http, body, expected):
    response = await http.post("/v1/organizations", json=body)
    assert error_of(response) == expected
    assert (await http.get("/v1/organizations")).json() == {"data": [], "total_count": 0}


async def test_a_taken_slug_is_refused(http):
    await _create(http, name="Acme", slug="acme")
    response = await http.post("/v1/organizations", json={"name": "Other", "slug": "acme"})
    assert error_of(response) == (422, "form_identifier_exists", "slug")
    other = await _create(http, name="Other", slug="other")
    response = await http.patch(f"/v1/organizations/{other['id']}", json={"slug": "acme"})
    assert error_of(response) == (422, "form_identifier_exists", "slug")
    assert (await http.get(f"/v1/organizations/{other['id']}")).json()["slug"] == "other"


async def test_list_pages_searches_and_counts(http, ada):
    made = [await _create(http, name=f"Team {i:02}", slug=f"team-{i:02}") for i in range(12)]
    first = (await http.get("/v1/organizations")).json()
    assert first["total_count"] == 12 and len(first["data"]) == 10  # Clerk's default limit
    assert [o["id"] for o in first["data"]] == [o["id"] for o in reversed(made)][:10]
    assert "members_count" not in first["data"][0]
    rest = (await http.get("/v1/organizations", params={"limit": 5, "offset": 10})).json()
    assert [o["slug"] for o in rest["data"]] == ["team-01", "team-00"]
    found = (await http.get("/v1/organizations", params={"query": "TEAM 07"})).json()
    assert [o["slug"] for o in found["data"]] == ["team-07"] and found["total_count"] == 1
    by_name = await http.get("/v1/organizations", params={"order_by": "name", "limit": 2})
    assert [o["name"] for o in by_name.json()["data"]] == ["Team 00", "Team 01"]
    await http.post(
        f"/v1/organizations/{made[0]['id']}/memberships",
        json={"user_id": ada["id"], "role": "org:member"},
    )
    counted = await http.get(
        "/v1/organizations", params={"include_members_count": "true", "query": "team-00"}
    )
    assert counted.json()["data"][0]["members_count"] == 1
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"order_by": "slug"}):
        response = await http.get("/v1/organizations", params=params)
        assert error_of(response)[:2] == (422, "form_param_value_invalid")


async def test_get_patch_delete_by_id_or_slug(http, ada):
    org = await _create(http, name="Acme", slug="acme", created_by=ada["id"])
    assert (await http.get("/v1/organizations/acme")).json() == org
    counted = await http.get("/v1/organizations/acme", params={"include_members_count": "true"})
    assert counted.json()["members_count"] == 1

    patched = await http.patch(
        "/v1/organizations/acme",
        json={"name": "Acme Corp", "slug": "acme-corp", "public_metadata": {"plan": "pro"}},
    )
    assert patched.status_code == 200
    updated = patched.json()
    assert (updated["name"], updated["slug"], updated["public_metadata"]) == (
        "Acme Corp",
        "acme-corp",
        {"plan": "pro"},
    )
    assert updated["updated_at"] > org["updated_at"] and updated["created_at"] == org["created_at"]
    assert error_of(await http.get("/v1/organizations/acme")) == (404, "resource_not_found", None)
    refused = await http.patch("/v1/organizations/acme-corp", json={"members": 3})
    assert error_of(refused) == (422, "form_param_unknown", "members")

    deleted = await http.delete("/v1/organizations/acme-corp")
    assert deleted.json() == {
        "id": org["id"],
        "object": "organization",
        "slug": "acme-corp",
        "deleted": True,
    }
    assert error_of(await http.get(f"/v1/organizations/{org['id']}"))[0] == 404
    mine = (await http.get(f"/v1/users/{ada['id']}/organization_memberships")).json()
    assert mine == {"data": [], "total_count": 0}  # its memberships went with it
    assert error_of(await http.delete(f"/v1/organizations/{org['id']}"))[0] == 404


async def test_memberships_add_change_remove(http, ada, bob):
    org = await _create(http, name="Acme", slug="acme", created_by=ada["id"])
    base = f"/v1/organizations/{org['id']}/memberships"
    added = await http.post(base, json={"user_id": bob["id"], "role": "org:member"})
    assert added.status_code == 200
    member = added.json()
    assert (member["role"], member["role_name"], member["permissions"]) == (
        "org:member",
        "Member",
        ["org:sys_memberships:read"],
    )
    assert member["public_user_data"]["identifier"] == "bob@example.com"

    again = await http.post(base, json={"user_id": bob["id"], "role": "org:admin"})
    assert error_of(again) == (400, "already_a_member_in_organization", None)
    for body, expected in [
        ({"user_id": "user_nobody", "role": "org:member"}, (404, "resource_not_found", None)),
        ({"user_id": bob["id"], "role": "org:owner"}, (422, "form_param_value_invalid", "role")),
        ({"user_id": bob["id"]}, (422, "form_param_missing", "role")),
        ({"role": "org:member"}, (422, "form_param_missing", "user_id")),
    ]:
        assert error_of(await http.post(base, json=body)) == expected
    unknown_org = await http.post(
        "/v1/organizations/org_nope/memberships", json={"user_id": bob["id"], "role": "org:member"}
    )
    assert error_of(unknown_org)[0] == 404

    promoted = await http.patch(f"{base}/{bob['id']}", json={"role": "org:admin"})
    assert promoted.json()["role"] == "org:admin"
    assert promoted.json()["updated_at"] > member["updated_at"]
    assert promoted.json()["id"] == member["id"]
    only_bob = await http.get(base, params={"role": "org:admin", "user_id": bob["id"]})
    assert [m["public_user_data"]["user_id"] for m in only_bob.json()["data"]] == [bob["id"]]

    removed = await http.delete(f"{base}/{bob['id']}")
    assert removed.json()["id"] == member["id"] and removed.json()["role"] == "org:admin"
    assert (await http.get(base)).json()["total_count"] == 1
    assert error_of(await http.delete(f"{base}/{bob['id']}")) == (404, "resource_not_found", None)
    assert error_of(await http.patch(f"{base}/{bob['id']}", json={"role": "org:admin"}))[0] == 404


async def test_the_last_admin_can_be_neither_removed_nor_demoted(http, ada, bob):
    org = await _create(http, name="Acme", created_by=ada["id"])
    base = f"/v1/organizations/{org['id']}/memberships"
    expected = (403, "organization_minimum_permissions_needed", None)
    assert (
        error_of(await http.patch(f"{base}/{ada['id']}", json={"role": "org:member"})) == expected
    )
    assert error_of(await http.delete(f"{base}/{ada['id']}")) == expected
    await http.post(base, json={"user_id": bob["id"], "role": "org:admin"})
    demoted = await http.patch(f"{base}/{ada['id']}", json={"role": "org:member"})
    assert demoted.json()["role"] == "org:member"


async def test_membership_quota(http, ada, bob):
    org = await _create(http, name="Tiny", created_by=ada["id"], max_allowed_memberships=1)
    response = await http.post(
        f"/v1/organizations/{org['id']}/memberships",
        json={"user_id": bob["id"], "role": "org:member"},
    )
    assert error_of(response) == (403, "organization_membership_quota_exceeded", None)


async def test_user_memberships_list_pages(http, clerk, ada):
    orgs = [await _create(http, name=f"Org {i}", created_by=ada["id"]) for i in range(3)]
    url = f"/v1/users/{ada['id']}/organization_memberships"
    page = (await http.get(url, params={"limit": 2})).json()
    assert page["total_count"] == 3
    assert [m["organization"]["id"] for m in page["data"]] == [orgs[2]["id"], orgs[1]["id"]]
    rest = (await http.get(url, params={"limit": 2, "offset": 2})).json()
    assert [m["organization"]["id"] for m in rest["data"]] == [orgs[0]["id"]]
    # An organization renamed later is embedded as it is now.
    await http.patch(f"/v1/organizations/{orgs[0]['id']}", json={"name": "Renamed"})
    rest = (await http.get(url, params={"offset": 2})).json()
    assert rest["data"][0]["organization"]["name"] == "Renamed"
    assert error_of(await http.get("/v1/users/user_nobody/organization_memberships"))[0] == 404


@pytest.mark.parametrize("header", [None, "Bearer sk_test_wrong", "Basic abc"])
async def test_organization_routes_require_the_secret_key(clerk, ada, header):
    org = clerk.emulator.create_organization("Acme", created_by=ada["id"])
    headers = {"Authorization": header} if header else {}
    calls = [
        ("GET", "/v1/organizations", None),
        ("POST", "/v1/organizations", {"name": "Evil"}),
        ("GET", f"/v1/organizations/{org['id']}", None),
        ("PATCH", f"/v1/organizations/{org['id']}", {"name": "Evil"}),
        ("DELETE", f"/v1/organizations/{org['id']}", None),
        ("GET", f"/v1/organizations/{org['id']}/memberships", None),
        ("DELETE", f"/v1/organizations/{org['id']}/memberships/{ada['id']}", None),
        ("GET", f"/v1/users/{ada['id']}/organization_memberships", None),
    ]
    async with httpx.AsyncClient(base_url=clerk.base_url, headers=headers) as http:
        for method, path, body in calls:
            response = await http.request(method, path, json=body)
            assert error_of(response)[:2] == (401, "authentication_invalid"), (method, path)
    assert clerk.emulator.get_organization(org["id"])["name"] == "Acme"
    assert clerk.emulator.list_organizations()[1] == 1


async def test_rate_limits_and_faults_apply_to_organization_routes(clerk, http):
    clerk.emulator.faults.enable_rate_limit(2, 10.0)
    assert (await http.get("/v1/organizations")).status_code == 200
    assert (await http.post("/v1/organizations", json={"name": "A"})).status_code == 200
    limited = await http.post("/v1/organizations", json={"name": "B"})
    assert error_of(limited)[:2] == (429, "too_many_requests")
    assert int(limited.headers["retry-after"]) >= 1
    clerk.emulator.faults.reset()
    clerk.emulator.faults.configure(fail_next=1)
    failed = await http.get("/v1/organizations")
    assert error_of(failed)[:2] == (500, "internal_clerk_error")
    assert [o["name"] for o in (await http.get("/v1/organizations")).json()["data"]] == ["A"]


async def test_organization_avatar_shows_its_initials(http, clerk):
    org = await _create(http, name="Blue Ocean")
    async with httpx.AsyncClient() as plain:
        avatar = await plain.get(org["image_url"])
    assert avatar.status_code == 200 and ">BO</text>" in avatar.text
