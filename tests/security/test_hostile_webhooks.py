"""Hostile deliveries against ``POST /api/webhooks/clerk``: zero 500s, zero unintended writes.

Every case runs against the real endpoint (Starlette over httpx's ASGI
transport) on a database holding one victim user, and checks two things: the
status is the expected refusal (never a 5xx), and both tables are byte-for-byte
unchanged, unless the case is a legitimate, validly signed delivery, in which
case only the user it names may change. Signatures are made from the spec
(tests/support/webhooks.py), not with the library under test.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from clerk_app import db
from clerk_app.sync import sync_user
from tests.support.webhooks import (
    body_of,
    clerk_user_json,
    deleted_event,
    event,
    migrated_engine,
    new_msg_id,
    new_secret,
    sender_for,
    sign,
    signed_headers,
    table_snapshot,
    user_rows,
    webhook_app,
)

SECRET = new_secret()
VICTIM = "user_victim"
ATTACKER = "user_attacker"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Iterator[sa.Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    engine = migrated_engine(url)
    with Session(engine) as session:
        sync_user(session, clerk_user_json(VICTIM, "victim@example.com", updated_at=5_000))
        session.commit()
    yield engine
    engine.dispose()
    db.dispose_engines()


@pytest.fixture
async def post(engine) -> AsyncIterator:
    client, sender = sender_for(webhook_app(SECRET, engine), SECRET)
    async with client:

        async def post(body, headers):
            return await sender.post(body, _raw(headers))

        yield post


def _raw(headers):
    """Header values as UTF-8 bytes: what an attacker's raw socket would send (httpx
    refuses non-ASCII ``str`` values client-side)."""
    items = headers.items() if isinstance(headers, dict) else headers
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in items]


def _ts(offset: int = 0) -> str:
    return str(int(time.time()) + offset)


def _victim_update(**changes) -> dict:
    return event(
        "user.updated", clerk_user_json(VICTIM, "victim@example.com", updated_at=9_000, **changes)
    )


async def _refused(post, engine, body, headers, status: int | tuple[int, ...]) -> httpx.Response:
    before = table_snapshot(engine)
    response = await post(body, headers)
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, response.text
    assert response.json()["error"]
    assert table_snapshot(engine) == before
    return response


GOOD_BODY = body_of(_victim_update(first_name="Hacked"))

# -- signature attacks -------------------------------------------------------------------------


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _malleable(signature: str) -> str:
    """The same MAC written differently: flip an unused low bit of the final character."""
    data = signature[3:].rstrip("=")
    twin = data[:-1] + _B64[_B64.index(data[-1]) ^ 1] + "="
    assert base64.b64decode(twin) == base64.b64decode(signature[3:])
    return "v1," + twin


def _sig_cases(msg: str, ts: str) -> dict[str, str]:
    real = sign(SECRET, msg, ts, GOOD_BODY)
    mac = base64.b64decode(real[3:])
    other_body = body_of(_victim_update(first_name="Other"))
    secret_as_text = "whsec_" + base64.b64encode(SECRET.encode()).decode()
    return {
        "empty": "",
        "blank": "   ",
        "no comma": "v1" + real[3:],
        "empty v1": "v1,",
        "not base64": "v1,@@@@not-base64@@@@",
        "unpadded garbage": "v1,abc",
        "other version only": "v2," + real[3:],
        "uppercase version": "V1," + real[3:],
        "v1a version": "v1a," + real[3:],
        "two commas": real + ",extra",
        "truncated mac": "v1," + base64.b64encode(mac[:16]).decode(),
        "extended mac": "v1," + base64.b64encode(mac + b"\0").decode(),
        "flipped bit": "v1," + base64.b64encode(bytes([mac[0] ^ 1]) + mac[1:]).decode(),
        "non-canonical base64 of the right mac": _malleable(real),
        "unpadded right mac": real.rstrip("="),
        "other body's signature": sign(SECRET, msg, ts, other_body),
        "wrong secret": sign(new_secret(), msg, ts, GOOD_BODY),
        "zero mac": "v1," + base64.b64encode(b"\0" * 32).decode(),
        "secret text as key": sign(secret_as_text, msg, ts, GOOD_BODY),
        "many wrong": " ".join(sign(new_secret(), msg, ts, GOOD_BODY) for _ in range(200)),
        "valid one after 64 junk": " ".join(["v1,AAAA"] * 64 + [real]),
        "non-ascii": "v1,é" + real[3:],
    }


@pytest.mark.parametrize("name", list(_sig_cases("m", "1")))
async def test_forged_signatures_are_refused(post, engine, name):
    msg, ts = new_msg_id(), _ts()
    headers = {"svix-id": msg, "svix-timestamp": ts, "svix-signature": _sig_cases(msg, ts)[name]}
    await _refused(post, engine, GOOD_BODY, headers, (400, 401))


async def test_the_valid_signature_of_the_forgery_cases_is_accepted(post, engine):
    """Control for the cases above: their unmodified signature does get through."""
    msg, ts = new_msg_id(), _ts()
    body = body_of(event("user.created", clerk_user_json("user_control", "control@x.test")))
    headers = {"svix-id": msg, "svix-timestamp": ts, "svix-signature": sign(SECRET, msg, ts, body)}
    assert (await post(body, headers)).json()["status"] == "processed"


async def test_signature_with_swapped_id_or_timestamp_is_refused(post, engine):
    headers = signed_headers(SECRET, GOOD_BODY, msg_id="msg_a")
    await _refused(post, engine, GOOD_BODY, {**headers, "svix-id": "msg_b"}, 401)
    later = str(int(headers["svix-timestamp"]) - 1)
    await _refused(post, engine, GOOD_BODY, {**headers, "svix-timestamp": later}, 401)


# -- timestamp attacks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    # 10 s past svix's 5 min tolerance: a margin for a slow machine between signing and
    # checking (1 s was not enough under load).
    [lambda now: now - 310, lambda now: now + 310, lambda now: now + 10**9, lambda now: 0],
    ids=["5 min 10 s old", "5 min 10 s ahead", "far future", "epoch"],
)
async def test_validly_signed_but_stale_or_future_timestamps_are_refused(post, engine, when):
    headers = signed_headers(SECRET, GOOD_BODY, timestamp=when(int(time.time())))
    await _refused(post, engine, GOOD_BODY, headers, 401)


@pytest.mark.parametrize(
    "timestamp",
    ["", "-1", "1e9", "1700000000.5", "NaN", "inf", "0x65", "9" * 40, "１７００", "12 34"],
)
async def test_malformed_timestamps_are_refused(post, engine, timestamp):
    headers = signed_headers(SECRET, GOOD_BODY)
    headers["svix-timestamp"] = timestamp
    headers["svix-signature"] = sign(SECRET, headers["svix-id"], timestamp, GOOD_BODY)
    await _refused(post, engine, GOOD_BODY, headers, 400)


# -- replays -----------------------------------------------------------------------------------


async def test_replayed_delivery_changes_nothing_after_the_first(post, engine):
    doc = event("user.created", clerk_user_json(ATTACKER + "r", "replay@example.com"))
    body = body_of(doc)
    headers = signed_headers(SECRET, body, msg_id="msg_replay")
    assert (await post(body, headers)).json()["status"] == "processed"
    after = table_snapshot(engine)
    for _ in range(5):
        response = await post(body, headers)
        assert response.json() == {"status": "duplicate"}
    assert table_snapshot(engine) == after


async def test_captured_delivery_replayed_later_is_refused(post, engine):
    old = int(time.time()) - 3600
    await _refused(post, engine, GOOD_BODY, signed_headers(SECRET, GOOD_BODY, timestamp=old), 401)


async def test_captured_signature_with_fresh_timestamp_or_new_id_is_refused(post, engine):
    captured = signed_headers(SECRET, GOOD_BODY, timestamp=int(time.time()) - 10)
    await _refused(post, engine, GOOD_BODY, {**captured, "svix-timestamp": _ts()}, 401)
    await _refused(post, engine, GOOD_BODY, {**captured, "svix-id": new_msg_id()}, 401)


# -- header variants ---------------------------------------------------------------------------


async def test_header_names_are_case_insensitive(post, engine):
    body = body_of(event("user.created", clerk_user_json("user_casey", "casey@example.com")))
    headers = signed_headers(SECRET, body)
    shouted = {
        "SVIX-ID": headers["svix-id"],
        "Svix-Timestamp": headers["svix-timestamp"],
        "sViX-sIgNaTuRe": headers["svix-signature"],
    }
    assert (await post(body, shouted)).json()["status"] == "processed"


@pytest.mark.parametrize(
    "layout", ["  {a}  ", "{junk}  {a}", "{a}\t{junk}", "{junk} {junk}   {a}   {junk}"]
)
async def test_signature_header_spacing_is_tolerated(post, engine, layout):
    body = body_of(event("user.created", clerk_user_json(f"user_sp{len(layout)}", "s@x.test")))
    headers = signed_headers(SECRET, body)
    junk = sign(new_secret(), headers["svix-id"], headers["svix-timestamp"], body)
    headers["svix-signature"] = layout.format(a=headers["svix-signature"], junk=junk)
    assert (await post(body, headers)).json()["status"] == "processed"


@pytest.mark.parametrize("name", ["svix-id", "svix-timestamp", "svix-signature"])
async def test_repeated_headers_are_refused(post, engine, name):
    headers = signed_headers(SECRET, GOOD_BODY)
    raw = [(k, v) for k, v in headers.items()] + [(name, headers[name])]
    await _refused(post, engine, GOOD_BODY, raw, 400)


@pytest.mark.parametrize("name", ["svix-id", "svix-timestamp", "svix-signature"])
async def test_missing_or_empty_headers_are_refused(post, engine, name):
    headers = signed_headers(SECRET, GOOD_BODY)
    await _refused(post, engine, GOOD_BODY, {k: v for k, v in headers.items() if k != name}, 400)
    await _refused(post, engine, GOOD_BODY, {**headers, name: ""}, (400, 401))


async def test_standard_webhooks_header_names_are_not_a_substitute(post, engine):
    headers = signed_headers(SECRET, GOOD_BODY)
    renamed = {k.replace("svix-", "webhook-"): v for k, v in headers.items()}
    await _refused(post, engine, GOOD_BODY, renamed, 400)


@pytest.mark.parametrize(
    "msg_id", ["m" * 201, "msg with space", "msg_é", "msg\x00", "msg_\x7f"], ids=str
)
async def test_malformed_ids_are_refused(post, engine, msg_id):
    headers = signed_headers(SECRET, GOOD_BODY)
    headers["svix-id"] = msg_id
    headers["svix-signature"] = sign(SECRET, msg_id, headers["svix-timestamp"], GOOD_BODY)
    await _refused(post, engine, GOOD_BODY, headers, 400)


# -- bodies: encoding, size, JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "user.updated", "data": {"first_name": "\xff"}}',
        "caf\u00e9".encode("latin-1"),
        b"\xfe\xff\x00{",
        '{"type": "user.updated"}'.encode("utf-16"),
        b"\xed\xa0\x80",  # a lone surrogate, encoded
    ],
    ids=["invalid byte", "latin-1", "utf-16 bom", "utf-16", "surrogate"],
)
async def test_non_utf8_bodies_are_refused_even_when_signed(post, engine, body):
    await _refused(post, engine, body, signed_headers(SECRET, body), 400)


async def test_declared_oversize_body_is_refused_before_reading(post, engine):
    body = b"{}"
    headers = {**signed_headers(SECRET, body), "content-length": str(MIB + 1)}
    await _refused(post, engine, body, headers, (400, 413))


async def test_oversize_body_is_refused_even_when_signed(post, engine):
    body = body_of(_victim_update(first_name="x" * (MIB + 10)))
    await _refused(post, engine, body, signed_headers(SECRET, body), 413)


async def test_oversize_chunked_body_is_refused_while_streaming(post, engine):
    sent = {"bytes": 0}

    async def chunks():
        for _ in range(4 * 1024):  # 4 MiB in 1 KiB chunks, no Content-Length
            sent["bytes"] += 1024
            yield b" " * 1024

    headers = signed_headers(SECRET, b"")
    await _refused(post, engine, chunks(), headers, 413)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "null",
        "[]",
        '"user.created"',
        "1" * 5000,
        '{"type": NaN}',
        '{"type": "user.created", "data": {"updated_at": Infinity}}',
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "\ufeff{}",
    ],
    ids=lambda t: repr(t[:20]),
)
async def test_malformed_json_is_refused_even_when_signed(post, engine, text):
    body = text.encode()
    await _refused(post, engine, body, signed_headers(SECRET, body), 400)


# -- content types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "image/png",
    ],
)
async def test_content_type_neither_helps_nor_hurts(post, engine, content_type):
    """Content-Type is not signed: the signature alone decides, whatever it says."""
    clerk_id = f"user_ct{abs(hash(content_type)) % 10**8}"
    body = body_of(event("user.created", clerk_user_json(clerk_id, f"{clerk_id}@x.test")))
    headers = {k: v for k, v in signed_headers(SECRET, body).items() if k != "content-type"}
    if content_type:
        headers["content-type"] = content_type
    forged = {**headers, "svix-signature": sign(new_secret(), "x", 1, body)}
    await _refused(post, engine, body, forged, 401)
    response = await post(body, headers)
    assert response.json()["status"] == "processed"


# -- event types and payload shapes ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "session.created",
        "organizationInvitation.created",
        "email.created",
        "user.banned",
        "sms.created",
    ],
)
async def test_unknown_event_types_are_acknowledged_without_writes(post, engine, kind):
    doc = event(kind, {"id": VICTIM, "object": "user", "deleted": True, "user_id": VICTIM})
    body = body_of(doc)
    before = table_snapshot(engine)
    response = await post(body, signed_headers(SECRET, body))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert table_snapshot(engine) == before


def _shape_cases() -> list[tuple[str, object]]:
    user = clerk_user_json(VICTIM, "victim@example.com", updated_at=9_000)

    def with_(**changes):
        return event("user.updated", {**user, **changes})

    def without(key):
        return event("user.updated", {k: v for k, v in user.items() if k != key})

    return [
        ("type missing", {"data": user}),
        ("type int", {"type": 1, "data": user}),
        ("type list", {"type": ["user.updated"], "data": user}),
        ("type null", {"type": None, "data": user}),
        ("type traversal", {"type": "../../user.deleted", "data": user}),
        ("type huge", {"type": "user." + "x" * 10_000, "data": user}),
        ("type uppercase", {"type": "USER.DELETED", "data": {"id": VICTIM}}),
        ("object not event", {**with_(), "object": "user"}),
        ("data missing", {"type": "user.updated"}),
        ("data null", {"type": "user.updated", "data": None}),
        ("data list", {"type": "user.updated", "data": [user]}),
        ("data string", {"type": "user.updated", "data": VICTIM}),
        ("id missing", without("id")),
        ("id int", with_(id=42)),
        ("id bare prefix", with_(id="user_")),
        ("id traversal", with_(id="user_../victim")),
        ("id other kind", with_(id="sess_victim")),
        ("id huge", with_(id="user_" + "a" * 10_000)),
        ("id with nul", with_(id="user_vic\x00tim")),
        ("updated_at missing", without("updated_at")),
        ("updated_at string", with_(updated_at="9000")),
        ("updated_at float", with_(updated_at=9000.5)),
        ("updated_at bool", with_(updated_at=True)),
        ("updated_at negative", with_(updated_at=-1)),
        ("created_at string", with_(created_at="yesterday")),
        ("emails dict", with_(email_addresses={"id": "x"})),
        ("emails strings", with_(email_addresses=["victim@example.com"])),
        ("email item without id", with_(email_addresses=[{"email_address": "a@b.c"}])),
        ("email address int", with_(email_addresses=[{"id": "x", "email_address": 7}])),
        (
            "too many emails",
            with_(email_addresses=[{"id": f"i{n}", "email_address": "a@b.c"} for n in range(101)]),
        ),
        ("primary id int", with_(primary_email_address_id=1)),
        ("first_name int", with_(first_name=1)),
        ("first_name dict", with_(first_name={"$ne": None})),
        ("first_name huge", with_(first_name="x" * 5000)),
        ("username list", with_(username=["admin"])),
        ("image_url bool", with_(image_url=False)),
        ("object not user", with_(object="session")),
        ("deleted on update", with_(deleted=True)),
        ("delete with deleted false", event("user.deleted", {"id": VICTIM, "deleted": False})),
        ("delete with object session", event("user.deleted", {"id": VICTIM, "object": "session"})),
        ("delete without id", event("user.deleted", {"deleted": True})),
    ]


@pytest.mark.parametrize("name, doc", _shape_cases(), ids=[c[0] for c in _shape_cases()])
async def test_wrong_shapes_are_refused_even_when_signed(post, engine, name, doc):
    body = body_of(doc)
    await _refused(post, engine, body, signed_headers(SECRET, body), (400, 422))


# -- cross-user tricks ---------------------------------------------------------------------------


async def test_changing_the_user_id_inside_a_signed_payload_breaks_the_signature(post, engine):
    mine = body_of(event("user.deleted", {"id": ATTACKER, "object": "user", "deleted": True}))
    headers = signed_headers(SECRET, mine)
    theirs = mine.replace(ATTACKER.encode(), VICTIM.encode())
    await _refused(post, engine, theirs, headers, 401)


async def test_splicing_a_signature_from_another_users_event_is_refused(post, engine):
    victim_body = body_of(deleted_event(VICTIM))
    attacker_body = body_of(deleted_event(ATTACKER))
    attacker_headers = signed_headers(SECRET, attacker_body)
    await _refused(post, engine, victim_body, attacker_headers, 401)


async def test_victim_id_in_a_signed_event_of_another_type_writes_nothing(post, engine):
    for kind, data in [
        ("session.ended", {"id": "sess_1", "object": "session", "user_id": VICTIM}),
        ("organizationMembership.deleted", {"id": VICTIM, "public_user_data": {"user_id": VICTIM}}),
        ("email.created", {"id": VICTIM, "to_email_address": "victim@example.com"}),
    ]:
        body = body_of(event(kind, data))
        before = table_snapshot(engine)
        response = await post(body, signed_headers(SECRET, body))
        # 422: organizationMembership.* is handled, and a user id is not a membership id.
        assert response.status_code in (200, 400, 422)
        assert table_snapshot(engine) == before


async def test_a_reused_svix_id_cannot_smuggle_a_second_event(post, engine):
    """The id is the idempotency key: a new body under an already used id changes nothing."""
    first = body_of(event("user.created", clerk_user_json("user_first", "first@example.com")))
    assert (
        await post(first, signed_headers(SECRET, first, msg_id="msg_reused"))
    ).status_code == 200
    before = table_snapshot(engine)
    second = body_of(deleted_event(VICTIM))
    response = await post(second, signed_headers(SECRET, second, msg_id="msg_reused"))
    assert response.json() == {"status": "duplicate"}
    assert table_snapshot(engine) == before


# -- fuzz --------------------------------------------------------------------------------------

_FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_header_values = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"v1,[A-Za-z0-9+/=]{0,60}( v1,[A-Za-z0-9+/=]{0,60}){0,3}", fullmatch=True),
    st.integers(-(10**12), 10**12).map(str),
).map(
    lambda s: s.encode("latin-1", "replace").decode("latin-1").replace("\r", "").replace("\n", "")
)


def _run(coro):
    import asyncio

    return asyncio.run(coro)


def _post_sync(engine, body, headers):
    async def go():
        client, sender = sender_for(webhook_app(SECRET, engine), SECRET)
        async with client:
            return await sender.post(body, _raw(headers))

    return _run(go())


def test_fuzz_unsigned_garbage_never_500s_or_writes(engine):
    @_FUZZ
    @given(
        body=st.binary(max_size=2048),
        headers=st.dictionaries(
            st.sampled_from(
                ["svix-id", "svix-timestamp", "svix-signature", "content-type", "content-length"]
            ),
            _header_values,
        ),
    )
    def check(body, headers):
        before = table_snapshot(engine)
        response = _post_sync(engine, body, headers)
        assert 400 <= response.status_code < 500, response.text
        assert table_snapshot(engine) == before

    check()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_user_fields = st.sampled_from(
    [
        "id",
        "object",
        "updated_at",
        "created_at",
        "email_addresses",
        "primary_email_address_id",
        "first_name",
        "last_name",
        "username",
        "image_url",
        "deleted",
    ]
)


def test_fuzz_signed_mutations_never_500_and_only_touch_the_named_user(engine):
    """Validly signed events with random field values: refused or applied, never a crash.

    When one is applied, the only row allowed to change is the one for the
    event's own ``data.id``: never the victim's, unless the event names it.
    """

    @_FUZZ
    @given(
        kind=st.sampled_from(["user.created", "user.updated", "user.deleted", "other.thing"]),
        changes=st.dictionaries(_user_fields, _json, max_size=4),
        target=st.sampled_from([ATTACKER, VICTIM, "user_fuzz"]),
    )
    def check(kind, changes, target):
        data = {**clerk_user_json(target, f"{target}@fuzz.test", updated_at=1), **changes}
        body = body_of(event(kind, data))
        before = {r["clerk_id"]: r for r in user_rows(engine)}
        response = _post_sync(engine, body, signed_headers(SECRET, body))
        assert response.status_code < 500, response.text
        after = {r["clerk_id"]: r for r in user_rows(engine)}
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if response.status_code != 200:
            assert not changed
        else:
            named = data.get("id")
            assert changed <= ({named} if isinstance(named, str) else set())

    check()


def test_fuzz_bit_flips_of_a_valid_delivery_are_refused(engine):
    body = body_of(_victim_update(first_name="Flipped"))

    @_FUZZ
    @given(
        part=st.sampled_from(["body", "svix-id", "svix-signature"]),
        position=st.integers(0, 10_000),
        bit=st.integers(0, 6),
    )
    def check(part, position, bit):
        headers = signed_headers(SECRET, body)
        target = bytearray(body if part == "body" else headers[part].encode())
        i = position % len(target)
        target[i] ^= 1 << bit
        if part == "body":
            mutated_body, mutated = bytes(target), headers
        else:
            mutated_body = body
            mutated = {**headers, part: target.decode("latin-1")}
        before = table_snapshot(engine)
        response = _post_sync(engine, mutated_body, mutated)
        assert 400 <= response.status_code < 500
        assert table_snapshot(engine) == before

    check()
