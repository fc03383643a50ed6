"""Svix signing and Clerk event builders for webhook tests, independent of ``svix``.

The signature is computed here from the specification (HMAC-SHA256 of
``"{id}.{timestamp}.{body}"`` keyed with the base64-decoded secret after
``whsec_``, base64 output, ``v1,`` prefix), never with the library the endpoint
uses, so a bug in how we call the library cannot hide in both places.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session
from starlette.applications import Starlette

from clerk_app import db, schema
from clerk_app.http import webhook_route
from clerk_app.models import ProcessedWebhook, User
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.routes import API_WEBHOOK

_clock = itertools.count(1)


def new_secret() -> str:
    """A signing secret in the format Clerk's dashboard shows (``whsec_<base64 of 24 bytes>``)."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes | str) -> str:
    """One ``v1,<base64>`` signature, computed from the spec."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    raw = body.encode() if isinstance(body, str) else body
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + raw, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(
    secret: str,
    body: bytes | str,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    msg_id = msg_id or new_msg_id()
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(ts),
        "svix-signature": sign(secret, msg_id, ts, body),
        "content-type": "application/json",
    }


def clerk_user_json(
    clerk_id: str,
    email: str,
    *,
    updated_at: int | None = None,
    first_name: str | None = "Ada",
    last_name: str | None = "Lovelace",
    username: str | None = None,
    image_url: str | None = "https://img.example/ada.png",
    **extra: Any,
) -> dict[str, Any]:
    """A Clerk user as the Backend API / webhooks serialise it (the fields sync reads)."""
    stamp = updated_at if updated_at is not None else 1_700_000_000_000 + next(_clock)
    address_id = f"idn_{clerk_id.removeprefix('user_')}"
    return {
        "id": clerk_id,
        "object": "user",
        "username": username,
        "first_name": first_name,
        "last_name": last_name,
        "image_url": image_url,
        "primary_email_address_id": address_id,
        "email_addresses": [
            {"id": "idn_other", "object": "email_address", "email_address": "old@elsewhere.test"},
            {"id": address_id, "object": "email_address", "email_address": email},
        ],
        "public_metadata": {},
        "created_at": 1_700_000_000_000,
        "updated_at": stamp,
        **extra,
    }


def event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "object": "event", "data": data, "timestamp": int(time.time() * 1000)}


def deleted_event(clerk_id: str) -> dict[str, Any]:
    return event("user.deleted", {"id": clerk_id, "object": "user", "deleted": True})


def body_of(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class WebhookSender:
    """Posts signed deliveries to an app, in-process (httpx ASGITransport)."""

    def __init__(self, client: httpx.AsyncClient, secret: str, path: str = API_WEBHOOK) -> None:
        self.client, self.secret, self.path = client, secret, path

    async def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(self.path, content=body, headers=headers)

    async def deliver(self, doc: Any, *, msg_id: str | None = None) -> httpx.Response:
        """Sign ``doc`` now and post it (same ``msg_id`` = a redelivery of one message)."""
        body = body_of(doc)
        return await self.post(body, signed_headers(self.secret, body, msg_id=msg_id))


def migrated_engine(url: str) -> sa.Engine:
    """A fresh engine on ``url`` with the migrations applied."""
    schema.upgrade(url)
    return db.make_engine(url)


def session_factory(engine: sa.Engine) -> Callable[[], Session]:
    return lambda: Session(engine, expire_on_commit=False)


def webhook_app(secret: str | None, engine: sa.Engine, **options: Any) -> Starlette:
    """A Starlette app serving only the webhook route, on ``engine``."""
    return Starlette(routes=[webhook_route(lambda: secret, session_factory(engine), **options)])


def sender_for(app: Starlette, secret: str) -> tuple[httpx.AsyncClient, WebhookSender]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
    return client, WebhookSender(client, secret)


# -- looking at the database ------------------------------------------------------------------

#: The columns a delivery may change; bookkeeping timestamps are left out.
STATE_COLUMNS = (
    "clerk_id",
    "email",
    "first_name",
    "last_name",
    "image_url",
    "username",
    "bio",
    "company",
    "clerk_updated_at",
)


def user_rows(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every user row (deleted flag included), sorted by clerk_id."""
    with Session(engine) as session:
        users = session.scalars(sa.select(User).order_by(User.clerk_id)).all()
        return [
            {**{c: getattr(u, c) for c in STATE_COLUMNS}, "deleted": u.deleted_at is not None}
            for u in users
        ]


def table_snapshot(engine: sa.Engine) -> tuple[list[tuple], ...]:
    """Every column of the user and webhook tables (and the organization tables when they
    hold anything): proves "nothing written" down to timestamps."""
    with engine.connect() as conn:
        users = conn.execute(sa.select(User.__table__).order_by(User.__table__.c.id)).all()
        hooks = conn.execute(
            sa.select(ProcessedWebhook.__table__).order_by(ProcessedWebhook.__table__.c.svix_id)
        ).all()
        orgs = [
            [tuple(r) for r in conn.execute(sa.select(t).order_by(t.c.id))]
            for t in (Organization.__table__, OrganizationMembership.__table__)
        ]
    snapshot = ([tuple(r) for r in users], [tuple(r) for r in hooks])
    return snapshot + tuple(orgs) if any(orgs) else snapshot


def org_rows(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    """Every organization row by Clerk id: name, slug, deleted flag, clerk_updated_at."""
    t = Organization.__table__
    with engine.connect() as conn:
        return {
            r.clerk_id: {
                "name": r.name,
                "slug": r.slug,
                "deleted": r.deleted_at is not None,
                "clerk_updated_at": r.clerk_updated_at,
            }
            for r in conn.execute(sa.select(t))
        }


def membership_rows(engine: sa.Engine) -> dict[str, tuple[str, str, str]]:
    """Every membership by Clerk id: (organization's Clerk id, user's Clerk id, role)."""
    m, o, u = OrganizationMembership.__table__, Organization.__table__, User.__table__
    query = (
        sa.select(m.c.clerk_id, o.c.clerk_id.label("org"), u.c.clerk_id.label("user"), m.c.role)
        .join(o, o.c.id == m.c.organization_id)
        .join(u, u.c.id == m.c.user_id)
    )
    with engine.connect() as conn:
        return {r.clerk_id: (r.org, r.user, r.role) for r in conn.execute(query)}


def processed_ids(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(ProcessedWebhook.__table__.c.svix_id)))
