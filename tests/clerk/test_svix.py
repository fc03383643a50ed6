"""Svix signature checks, with signatures computed from the spec (tests/support/webhooks.py).

Two levels: :func:`verify_delivery` directly, and the endpoint over ASGI with an
event type we ignore, so no database is involved (the session factory fails
the test if it is ever called).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import pytest
from starlette.applications import Starlette

from clerk_app.clerk.svix import Rejected, svix_headers, verify_delivery
from clerk_app.http import webhook_route
from tests.support.webhooks import body_of, event, new_secret, sign, signed_headers

SECRET = new_secret()
BODY = body_of(event("session.created", {"id": "sess_1", "user_id": "user_1"}))


def _headers(headers: dict[str, str]) -> tuple[str, str, str]:
    return svix_headers(list(headers.items()))


def _verify(secret: str, headers: dict[str, str], body: bytes = BODY):
    return verify_delivery(secret, _headers(headers), body)


def _refused(status: int, secret: str, headers: dict[str, str], body: bytes = BODY) -> str:
    with pytest.raises(Rejected) as caught:
        _verify(secret, headers, body)
    assert caught.value.status == status
    return caught.value.reason


def test_our_signer_matches_a_known_vector():
    # The example from Svix's "verifying manually" documentation.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_valid_signature_is_accepted():
    delivery = _verify(SECRET, signed_headers(SECRET, BODY, msg_id="msg_ok"))
    assert delivery.svix_id == "msg_ok"
    assert delivery.text == BODY.decode()


def test_tampered_body_is_refused():
    headers = signed_headers(SECRET, BODY)
    tampered = BODY.replace(b"user_1", b"user_2")
    assert _refused(401, SECRET, headers, tampered) == "invalid signature"


def test_tampered_id_or_timestamp_is_refused():
    headers = signed_headers(SECRET, BODY, msg_id="msg_a")
    _refused(401, SECRET, {**headers, "svix-id": "msg_b"})
    later = str(int(headers["svix-timestamp"]) + 1)
    _refused(401, SECRET, {**headers, "svix-timestamp": later})


def test_wrong_secret_is_refused():
    headers = signed_headers(new_secret(), BODY)
    assert _refused(401, SECRET, headers) == "invalid signature"


@pytest.mark.parametrize("offset_s", [-6 * 60, 6 * 60])
def test_timestamp_six_minutes_off_is_refused_even_when_signed(offset_s):
    headers = signed_headers(SECRET, BODY, timestamp=int(time.time()) + offset_s)
    reason = _refused(401, SECRET, headers)
    assert "tolerance" in reason


@pytest.mark.parametrize("offset_s", [-4 * 60, 4 * 60])
def test_timestamp_within_five_minutes_is_accepted(offset_s):
    _verify(SECRET, signed_headers(SECRET, BODY, timestamp=int(time.time()) + offset_s))


def test_one_valid_signature_among_several_is_enough():
    headers = signed_headers(SECRET, BODY, msg_id="msg_multi")
    ts = headers["svix-timestamp"]
    wrong = sign(new_secret(), "msg_multi", ts, BODY)
    other_version = "v2," + base64.b64encode(b"x" * 32).decode()
    headers["svix-signature"] = f"{wrong} {other_version} {headers['svix-signature']} {wrong}"
    assert _verify(SECRET, headers).svix_id == "msg_multi"


def test_several_signatures_none_valid_is_refused():
    headers = signed_headers(SECRET, BODY, msg_id="msg_x")
    ts = headers["svix-timestamp"]
    headers["svix-signature"] = " ".join(sign(new_secret(), "msg_x", ts, BODY) for _ in range(3))
    _refused(401, SECRET, headers)


@pytest.mark.parametrize("missing", ["svix-id", "svix-timestamp", "svix-signature"])
def test_missing_header_is_refused(missing):
    headers = signed_headers(SECRET, BODY)
    del headers[missing]
    with pytest.raises(Rejected) as caught:
        _headers(headers)
    assert caught.value.status == 400
    assert caught.value.reason == f"missing {missing} header"


def test_secret_with_or_without_whsec_prefix_verifies_the_same():
    headers = signed_headers(SECRET, BODY)
    _verify(SECRET, headers)
    _verify(SECRET.removeprefix("whsec_"), headers)


def test_key_is_the_decoded_base64_not_the_secret_text():
    # A sender that keys the HMAC with the literal secret string (a common bug) is refused.
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"msg_raw.{ts}.".encode() + BODY, hashlib.sha256).digest()
    headers = {
        "svix-id": "msg_raw",
        "svix-timestamp": ts,
        "svix-signature": "v1," + base64.b64encode(mac).decode(),
    }
    _refused(401, SECRET, headers)


def test_non_utf8_body_is_a_400_before_the_signature():
    body = b'{"type": "user.created", "data": "\xff\xfe"}'
    _refused(400, SECRET, signed_headers(SECRET, body), body)


# -- through the endpoint ------------------------------------------------------------------------


def _no_database():
    raise AssertionError("the database must not be touched")


def _app(secret: str | None) -> Starlette:
    return Starlette(routes=[webhook_route(lambda: secret, _no_database)])


async def _post(app: Starlette, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.post("/api/webhooks/clerk", content=body, headers=headers)


async def test_endpoint_accepts_a_valid_delivery_of_an_ignored_type():
    response = await _post(_app(SECRET), BODY, signed_headers(SECRET, BODY))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "detail": "session.created"}


async def test_endpoint_refuses_a_bad_signature_with_a_short_reason():
    response = await _post(_app(SECRET), BODY, signed_headers(new_secret(), BODY))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid signature"}


@pytest.mark.parametrize("secret", [None, ""])
async def test_endpoint_without_a_secret_answers_503_saying_so(secret):
    response = await _post(_app(secret), BODY, signed_headers(SECRET, BODY))
    assert response.status_code == 503
    assert "CLERK_WEBHOOK_SIGNING_SECRET" in response.json()["error"]


async def test_endpoint_with_a_malformed_secret_answers_503():
    response = await _post(_app("whsec_not base64!"), BODY, signed_headers(SECRET, BODY))
    assert response.status_code == 503
    assert "invalid" in response.json()["error"]


async def test_endpoint_only_accepts_post():
    transport = httpx.ASGITransport(app=_app(SECRET))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        assert (await client.get("/api/webhooks/clerk")).status_code == 405


def test_startup_check_logs_a_missing_secret(caplog):
    from clerk_app.http import log_webhook_configuration

    with caplog.at_level("WARNING", logger="clerk_app.webhooks"):
        assert log_webhook_configuration(lambda: None) is False
    assert "CLERK_WEBHOOK_SIGNING_SECRET" in caplog.text
    assert log_webhook_configuration(lambda: SECRET) is True
