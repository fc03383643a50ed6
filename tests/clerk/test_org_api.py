"""ClerkAPI's organization calls: paging ``{data, total_count}``, 429, ids, payloads."""

from __future__ import annotations

import httpx
import pytest

from clerk_app.clerk.api import ClerkAPI, ClerkAPIError, OrganizationNotFound
from tests.support.clerk_orgs import FakeClerk


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def clerk() -> FakeClerk:
    return FakeClerk()


@pytest.fixture
async def api(clerk):
    async with ClerkAPI(
        "https://api.clerk.test", "sk_test", transport=clerk.transport(), sleep=_no_sleep
    ) as api:
        yield api


async def test_a_users_memberships_in_one_call_and_paged_beyond(api, clerk):
    user = clerk.add_user()
    orgs = [clerk.add_org() for _ in range(5)]
    made = [clerk.add_member(user, org) for org in orgs]
    clerk.add_member(clerk.add_user(), orgs[0])  # someone else's
    assert await api.get_user_organization_memberships(user["id"]) == made
    assert clerk.calls_to(r"/v1/users/.*/organization_memberships") == 1
    request = clerk.requests[-1]
    assert request.url.params["limit"] == "500" and request.url.params["offset"] == "0"
    assert request.headers["authorization"] == "Bearer sk_test"
    paged = await api.get_user_organization_memberships(user["id"], page_size=2)
    assert paged == made
    assert clerk.calls_to(r"/v1/users/.*/organization_memberships") == 1 + 3


async def test_iterating_organizations_and_their_memberships(api, clerk):
    orgs = [clerk.add_org() for _ in range(7)]
    users = [clerk.add_user() for _ in range(3)]
    members = [clerk.add_member(u, orgs[0]) for u in users]
    assert [o async for o in api.iter_organizations(page_size=3)] == orgs
    offsets = [r.url.params["offset"] for r in clerk.requests]
    assert offsets == ["0", "3", "6"]
    assert all(r.url.params["order_by"] == "created_at" for r in clerk.requests)
    listed = [m async for m in api.iter_organization_memberships(orgs[0]["id"], page_size=2)]
    assert listed == members
    page, total = await api.list_organizations(limit=2, offset=6)
    assert (page, total) == ([orgs[6]], 7)


async def test_a_429_is_waited_out(api, clerk):
    clerk.add_org()
    clerk.throttle_next = 2
    assert len([o async for o in api.iter_organizations()]) == 1
    assert len(clerk.requests) == 3


async def test_one_organization_and_a_missing_one(api, clerk):
    org = clerk.add_org()
    assert await api.get_organization(org["id"]) == org
    with pytest.raises(OrganizationNotFound):
        await api.get_organization("org_missing")


@pytest.mark.parametrize("bad", ["org_../x", "user_abc", "", "org_a b", 42])
async def test_malformed_ids_never_reach_a_url(api, clerk, bad):
    with pytest.raises(ValueError):
        await api.list_organization_memberships(bad)
    with pytest.raises(ValueError):
        await api.get_organization(bad)
    assert clerk.requests == []


async def test_bad_paging_arguments_are_refused(api):
    with pytest.raises(ValueError):
        await api.list_organizations(limit=501)
    with pytest.raises(ValueError):
        await api.list_organizations(offset=-1)


@pytest.mark.parametrize(
    "body", [[], {"data": {"x": 1}}, {"data": ["x"]}, {"total_count": 1}, "text"]
)
async def test_unexpected_list_payloads_are_an_error(body):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    async with ClerkAPI("https://api.clerk.test", "sk", transport=transport) as api:
        with pytest.raises(ClerkAPIError):
            await api.list_organizations()
