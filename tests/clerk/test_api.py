"""ClerkAPI against scripted transports: retries, backoff, 429 handling, errors, validation.

Time is fake: ``sleep`` records the delay and advances a fake clock, so the
retry policy is asserted exactly and the tests never wait.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from clerk_app.clerk.api import ClerkAPI, ClerkAPIError, UserNotFound

USER_ID = "user_2abcDEF123"
SECRET = "sk_test_secret"


def clerk_error(status: int, code: str, message: str, long_message: str, **headers: str):
    body = {"errors": [{"code": code, "message": message, "long_message": long_message}]}
    return httpx.Response(status, json=body, headers=headers)


def user_json(user_id: str = USER_ID, **fields: Any) -> dict[str, Any]:
    return {"id": user_id, "object": "user", "email_addresses": [], **fields}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A transport answering from a list of responses/exceptions (or a function)."""

    def __init__(self, *answers: httpx.Response | Exception | Callable) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer) and not isinstance(answer, httpx.Response):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_api(fake_time: FakeTime):
    made: list[ClerkAPI] = []

    def build(script: Script, **kwargs: Any) -> ClerkAPI:
        api = ClerkAPI(
            "https://api.clerk.test",
            SECRET,
            transport=httpx.MockTransport(script),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rng=random.Random(7),
            **kwargs,
        )
        made.append(api)
        return api

    yield build


# -- success paths -------------------------------------------------------------


async def test_get_user_sends_one_authenticated_request_with_a_timeout(make_api):
    script = Script(httpx.Response(200, json=user_json(first_name="Ada")))
    async with make_api(script, timeout_s=3.5) as api:
        user = await api.get_user(USER_ID)
    assert user["first_name"] == "Ada"
    assert api.calls == 1
    (request,) = script.requests
    assert request.method == "GET"
    assert str(request.url) == f"https://api.clerk.test/v1/users/{USER_ID}"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.extensions["timeout"] == {"connect": 3.5, "read": 3.5, "write": 3.5, "pool": 3.5}


async def test_base_url_with_trailing_v1_is_not_doubled(fake_time):
    script = Script(httpx.Response(200, json=user_json()))
    api = ClerkAPI("https://api.clerk.test/v1/", SECRET, transport=httpx.MockTransport(script))
    await api.get_user(USER_ID)
    await api.aclose()
    assert script.requests[0].url.path == f"/v1/users/{USER_ID}"


async def test_list_users_asks_for_a_stable_order_and_accepts_wrapped_lists(make_api):
    script = Script(
        httpx.Response(200, json=[user_json("user_a"), user_json("user_b")]),
        httpx.Response(200, json={"data": [user_json("user_c")], "total_count": 3}),
    )
    api = make_api(script)
    first = await api.list_users(limit=2, offset=0)
    second = await api.list_users(limit=2, offset=2)
    assert [u["id"] for u in first + second] == ["user_a", "user_b", "user_c"]
    params = dict(script.requests[0].url.params)
    assert params == {"limit": "2", "offset": "0", "order_by": "created_at"}


async def test_iter_users_pages_until_a_short_page_and_never_repeats_an_id(make_api):
    users = [user_json(f"user_{i:04d}") for i in range(1001)]

    def page(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        chunk = users[offset : offset + limit]
        if offset == 500:  # a user created meanwhile shifts nothing; a repeat is dropped
            chunk = [users[499], *chunk[:-1]]
        return httpx.Response(200, json=chunk)

    api = make_api(Script(page))
    seen = [u["id"] async for u in api.iter_users(page_size=500)]
    assert api.calls == 3
    assert len(seen) == len(set(seen)) == 1000
    assert seen[0] == "user_0000"


async def test_count_users(make_api):
    api = make_api(Script(httpx.Response(200, json={"object": "total_count", "total_count": 42})))
    assert await api.count_users() == 42


async def test_unexpected_payloads_are_errors_not_crashes(make_api):
    api = make_api(
        Script(
            httpx.Response(200, json={"total_count": "many"}),
            httpx.Response(200, json={"id": "user_other"}),
            httpx.Response(200, content=b"<html>"),
            httpx.Response(200, json={"not": "a list"}),
        )
    )
    for call in (api.count_users(), api.get_user(USER_ID), api.count_users(), api.list_users()):
        with pytest.raises(ClerkAPIError) as info:
            await call
        assert info.value.status == 200


# -- errors --------------------------------------------------------------------


async def test_404_is_user_not_found_with_clerks_message_and_no_retry(make_api):
    script = Script(clerk_error(404, "resource_not_found", "not found", "User not found"))
    api = make_api(script)
    with pytest.raises(UserNotFound) as info:
        await api.get_user(USER_ID)
    assert info.value.status == 404
    assert info.value.code == "resource_not_found"
    assert info.value.long_message == "User not found"
    assert isinstance(info.value, ClerkAPIError)
    assert api.calls == 1


@pytest.mark.parametrize("status", [400, 401, 403, 422])
async def test_client_errors_carry_status_and_message_and_are_not_retried(make_api, status):
    script = Script(clerk_error(status, "some_code", "Bad thing", "A longer bad thing"))
    api = make_api(script)
    with pytest.raises(ClerkAPIError) as info:
        await api.count_users()
    assert not isinstance(info.value, UserNotFound)
    assert (info.value.status, info.value.code, info.value.message) == (
        status,
        "some_code",
        "Bad thing",
    )
    assert "A longer bad thing" in str(info.value)
    assert api.calls == 1


async def test_non_json_error_body_still_gives_a_message(make_api):
    api = make_api(Script(httpx.Response(401, text="Unauthorized (gateway)")))
    with pytest.raises(ClerkAPIError) as info:
        await api.count_users()
    assert info.value.status == 401
    assert info.value.message == "Unauthorized (gateway)"


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "user_",
        "usr_abc",
        "user_abc/../../v1/users",
        "user_abc/delete",
        "user_abc?limit=500",
        "user_abc#x",
        "user_abc%2F",
        "user_abc def",
        "USER_abc",
        "user_abc\n",
        None,
        123,
    ],
)
async def test_malformed_user_ids_are_refused_before_any_request(make_api, bad_id):
    script = Script(httpx.Response(200, json=user_json()))
    api = make_api(script)
    with pytest.raises(ValueError):
        await api.get_user(bad_id)
    assert api.calls == 0
    assert script.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"order_by": "email; drop"}, "order_by"),
    ],
)
async def test_list_users_refuses_out_of_range_arguments(make_api, kwargs, message):
    api = make_api(Script(httpx.Response(200, json=[])))
    with pytest.raises(ValueError, match=message):
        await api.list_users(**kwargs)
    assert api.calls == 0


# -- retries on failures -------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_retried_with_growing_jittered_backoff(make_api, fake_time, status):
    script = Script(
        clerk_error(status, "internal_clerk_error", "Oops", "Oops"),
        clerk_error(status, "internal_clerk_error", "Oops", "Oops"),
        clerk_error(status, "internal_clerk_error", "Oops", "Oops"),
        httpx.Response(200, json=user_json()),
    )
    api = make_api(script, max_retries=3, backoff_base_s=0.2, backoff_max_s=0.5)
    assert (await api.get_user(USER_ID))["id"] == USER_ID
    assert api.calls == 4
    steps = [0.2, 0.4, 0.5]  # base * 2**n, capped
    assert len(fake_time.sleeps) == 3
    for delay, step in zip(fake_time.sleeps, steps, strict=True):
        assert step / 2 <= delay <= step


async def test_5xx_gives_up_after_max_retries(make_api, fake_time):
    script = Script(clerk_error(503, "unavailable", "Down", "Down for maintenance"))
    api = make_api(script, max_retries=2)
    with pytest.raises(ClerkAPIError) as info:
        await api.get_user(USER_ID)
    assert info.value.status == 503
    assert info.value.long_message == "Down for maintenance"
    assert api.calls == 3
    assert len(fake_time.sleeps) == 2


async def test_501_is_not_retried(make_api):
    api = make_api(Script(httpx.Response(501, text="nope")))
    with pytest.raises(ClerkAPIError):
        await api.count_users()
    assert api.calls == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadError("reset"), httpx.RemoteProtocolError("eof")],
)
async def test_connection_errors_are_retried(make_api, failure):
    script = Script(failure, httpx.Response(200, json=user_json()))
    api = make_api(script)
    assert (await api.get_user(USER_ID))["id"] == USER_ID
    assert api.calls == 2


async def test_persistent_connection_errors_become_clerk_api_error_without_status(make_api):
    api = make_api(Script(httpx.ConnectError("refused")), max_retries=2)
    with pytest.raises(ClerkAPIError) as info:
        await api.count_users()
    assert info.value.status is None
    assert "ConnectError" in str(info.value)
    assert api.calls == 3


async def test_timeouts_are_retried_then_reported(make_api, fake_time):
    api = make_api(Script(httpx.ReadTimeout("slow")), max_retries=3, timeout_s=2)
    with pytest.raises(ClerkAPIError) as info:
        await api.get_user(USER_ID)
    assert info.value.status is None
    assert "no answer within 2 s" in str(info.value)
    assert api.calls == 4
    assert len(fake_time.sleeps) == 3


async def test_retries_stop_when_the_time_budget_is_spent(make_api, fake_time):
    api = make_api(
        Script(httpx.ConnectError("refused")),
        max_retries=100,
        backoff_base_s=1,
        backoff_max_s=1,
        retry_budget_s=3,
    )
    with pytest.raises(ClerkAPIError):
        await api.count_users()
    assert sum(fake_time.sleeps) <= 3
    assert api.calls < 10


# -- 429 -----------------------------------------------------------------------


def too_many(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return clerk_error(429, "too_many_requests", "Too many requests", "Slow down", **headers)


async def test_429_waits_retry_after_then_succeeds(make_api, fake_time):
    script = Script(too_many("7"), httpx.Response(200, json=user_json()))
    api = make_api(script, backoff_base_s=0.25)
    assert (await api.get_user(USER_ID))["id"] == USER_ID
    (delay,) = fake_time.sleeps
    assert 7 <= delay <= 7 + 1.0  # Retry-After plus at most 4 * base of jitter
    assert api.calls == 2


async def test_429_accepts_an_http_date(make_api, fake_time):
    when = datetime.now(UTC) + timedelta(seconds=20)
    script = Script(too_many(format_datetime(when, usegmt=True)), httpx.Response(200, json=[]))
    api = make_api(script)
    await api.list_users()
    assert 17 <= fake_time.sleeps[0] <= 22


async def test_429_wait_is_capped(make_api, fake_time):
    script = Script(too_many("3600"), httpx.Response(200, json=[]))
    api = make_api(script, max_retry_after_s=30, backoff_base_s=0.25)
    await api.list_users()
    assert 30 <= fake_time.sleeps[0] <= 31


async def test_429_without_retry_after_backs_off(make_api, fake_time):
    script = Script(too_many(None), too_many("garbage"), httpx.Response(200, json=[]))
    api = make_api(script, backoff_base_s=0.25)
    await api.list_users()
    assert all(0 < delay <= 1.25 for delay in fake_time.sleeps)
    assert len(fake_time.sleeps) == 2


async def test_429_does_not_use_up_the_failure_retries(make_api, fake_time):
    script = Script(*[too_many("1")] * 6, httpx.Response(200, json=user_json()))
    api = make_api(script, max_retries=0)
    assert (await api.get_user(USER_ID))["id"] == USER_ID
    assert api.calls == 7


async def test_429_past_the_budget_raises_the_rate_limit_error(make_api, fake_time):
    api = make_api(Script(too_many("10")), retry_budget_s=25)
    with pytest.raises(ClerkAPIError) as info:
        await api.count_users()
    assert info.value.status == 429
    assert info.value.code == "too_many_requests"
    assert sum(fake_time.sleeps) <= 25
    assert api.calls == 3  # waited twice (~10 s each); a third wait would pass 25 s


# -- lifecycle -----------------------------------------------------------------


async def test_owned_client_is_closed_injected_client_is_not():
    owned = ClerkAPI("https://api.clerk.test", SECRET)
    await owned.aclose()
    assert owned._http.is_closed

    shared = httpx.AsyncClient(transport=httpx.MockTransport(Script(httpx.Response(200, json=[]))))
    async with ClerkAPI("https://api.clerk.test", SECRET, http_client=shared) as api:
        await api.list_users()
    assert not shared.is_closed
    await shared.aclose()


def test_error_string_never_contains_the_secret():
    error = ClerkAPIError("x", status=401, code="authentication_invalid")
    assert SECRET not in str(error)
    assert json.dumps(error.errors) == "[]"


async def test_backoff_is_jittered_so_clients_do_not_retry_in_lockstep(fake_time):
    firsts = set()
    for seed in range(5):
        script = Script(httpx.Response(503), httpx.Response(200, json=[]))
        api = ClerkAPI(
            "https://api.clerk.test",
            SECRET,
            transport=httpx.MockTransport(script),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rng=random.Random(seed),
        )
        await api.list_users()
        firsts.add(fake_time.sleeps[-1])
    assert len(firsts) == 5
