"""The backend's own routes, per mode: health, webhooks, and the emulator (local only)."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse

from clerk_app import db, schema, services
from clerk_app.http import build_api
from clerk_app.settings import get_settings, publishable_key_for

#: What the stand-in for Reflex's app answers.
REFLEX = 299


async def reflex_stand_in(scope, receive, send):
    """Where every other path goes: Reflex's app in the real server."""
    await PlainTextResponse("reflex", status_code=REFLEX)(scope, receive, send)


@pytest.fixture
def configure(monkeypatch, tmp_path):
    """``configure(**env)``: fresh settings and services for one test."""

    def apply(**env: str):
        for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_WEBHOOK_SIGNING_SECRET"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CLERK_EMULATOR_DIR", str(tmp_path / "emulator"))
        monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{tmp_path / 'app.db'}")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        services.reset_services()
        db.dispose_engines()
        transport = httpx.ASGITransport(app=build_api()(reflex_stand_in))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    yield apply
    get_settings.cache_clear()
    services.reset_services()
    db.dispose_engines()


async def test_health_is_ok_when_the_database_answers_at_head(configure):
    client = configure()
    schema.upgrade()
    response = await client.get("/api/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("mode", ["dev", "prod"])
async def test_health_is_503_while_migrations_are_pending(configure, mode):
    keys = {}
    if mode == "prod":
        keys = {
            "CLERK_PUBLISHABLE_KEY": publishable_key_for("clerk.example.test", live=True),
            "CLERK_SECRET_KEY": "sk_live_abc",
        }
    client = configure(REFLEX_ENV_MODE=mode, **keys)
    response = await client.get("/api/health")  # a database with no migration applied
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "schema": "not at head"}
    schema.upgrade()
    assert (await client.get("/api/health")).status_code == 200


async def test_health_is_503_when_the_database_is_down(configure):
    client = configure(REFLEX_DB_URL="postgresql://nobody@127.0.0.1:1/nothing")
    response = await client.get("/api/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


async def test_local_mode_mounts_the_emulator_with_the_apps_webhook_secret(configure):
    client = configure()
    jwks = await client.get("/_clerk/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"]
    emulator = services.get_local_emulator()
    assert emulator is not None
    assert emulator.issuer == get_settings().emulator_url
    assert services.webhook_signing_secret() == emulator.webhook_secret
    assert emulator.webhook_url == get_settings().backend_url + "/api/webhooks/clerk"
    # the webhook route exists (an unsigned delivery is refused, not 404)
    response = await client.post("/api/webhooks/clerk", content=b"{}")
    assert response.status_code in (400, 401)


@pytest.mark.parametrize(
    "path", ["/", "/members", "/_event/", "/api/health/x", "/api/webhooks", "/_clerkish"]
)
async def test_every_other_path_goes_straight_to_reflex(configure, path):
    client = configure()
    assert (await client.get(path)).status_code == REFLEX


async def test_clerk_mode_has_no_emulator(configure):
    client = configure(
        CLERK_PUBLISHABLE_KEY=publishable_key_for("clerk.example.test"),
        CLERK_SECRET_KEY="sk_test_abc",
        CLERK_WEBHOOK_SIGNING_SECRET="whsec_" + "A" * 32,
    )
    # not routed: those paths are Reflex's (which has no such page)
    assert (await client.get("/_clerk/.well-known/jwks.json")).status_code == REFLEX
    assert (await client.post("/_clerk/emulator/sessions", json={})).status_code == REFLEX
    assert services.get_local_emulator() is None
    assert services.webhook_signing_secret() == "whsec_" + "A" * 32
    assert services.get_verifier().issuer == "https://clerk.example.test"
