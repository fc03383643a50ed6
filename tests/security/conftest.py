"""Fixtures for the attacks on the running app: the app itself, users, tokens, the database.

The app is the one the browser tests use (``reflex run`` in local mode, see
:mod:`tests.support.app_server`): when they already started it in this session it is
reused, otherwise it is started here once. :class:`Arena` is the attacker's and the
referee's view of it: it creates users and tokens through the emulator's admin API
(the test holds the emulator's secret; the attacker in the tests never uses it) and
reads the database straight from its SQLite file to check what was written.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from clerk_app import db
from clerk_app.pages.members.state import MembersState
from clerk_app.pages.welcome import WelcomeState
from clerk_app.state.auth import AuthState
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import UIState
from clerk_emulator import load_local_secrets
from tests.support import app_server as servers
from tests.support.app_server import AppServer
from tests.support.reflex_client import ROOT_STATE, ReflexClient

AUTH = AuthState.get_full_name()
MEMBERS = MembersState.get_full_name()
WELCOME = WelcomeState.get_full_name()
UI = UIState.get_full_name()
LOCAL_AUTH = LocalAuthState.get_full_name()
ROOT = ROOT_STATE
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.")


@pytest.fixture(scope="session")
def _started_here(tmp_path_factory) -> Iterator[dict[str, Any]]:
    holder: dict[str, Any] = {"dir": tmp_path_factory.mktemp("security-app"), "servers": []}
    yield holder
    if servers.current_app() in holder["servers"]:
        servers.stop_app()


def is_plain_local_app(server: AppServer | None) -> bool:
    """Local mode on SQLite: the configuration the browser tests start by default."""
    return (
        server is not None
        and not server.env.get("CLERK_PUBLISHABLE_KEY")
        and server.env.get("REFLEX_DB_URL", "").startswith("sqlite")
    )


@pytest.fixture(scope="module")
def app(_started_here) -> AppServer:
    """The local-mode app: the one the browser tests run when it is up, else one of ours."""
    server = servers.current_app()
    if not is_plain_local_app(server):
        server = servers.start_app(_started_here["dir"])
        _started_here["servers"].append(server)
    return server


@dataclass
class Member:
    """A signed-up user: Clerk JSON, a session token, the marker data they saved."""

    user: dict[str, Any]
    token: str
    email: str
    bio: str

    @property
    def id(self) -> str:
        return self.user["id"]


class Arena:
    """The running app seen from outside: users, tokens, clients, database rows."""

    def __init__(self, app: AppServer) -> None:
        self.app = app
        self.secret_key, self.webhook_secret = load_local_secrets(
            Path(app.env["CLERK_EMULATOR_DIR"])
        )
        self.admin = httpx.Client(
            base_url=f"{app.backend_url}/_clerk",
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=15,
        )
        self.issuer = f"{app.backend_url}/_clerk"
        #: Where the referee reads the database (the app's own URL unless told otherwise).
        self.db_url = app.db_url

    # -- users and tokens --------------------------------------------------------------------

    def new_user(self, name: str) -> dict[str, Any]:
        email = f"{name}-{secrets.token_hex(5)}@example.com"
        response = self.admin.post("/v1/users", json={"email_address": [email], "first_name": name})
        response.raise_for_status()
        return response.json()

    def token(self, user_id: str, **options: Any) -> str:
        """A session token minted by the app's own emulator (its real signing key)."""
        body = {"user_id": user_id, "azp": self.app.url, **options}
        response = self.admin.post("/emulator/tokens", json=body)
        response.raise_for_status()
        return response.json()["jwt"]

    def jwks(self) -> dict[str, Any]:
        return self.admin.get("/.well-known/jwks.json").json()

    # -- clients -------------------------------------------------------------------------------

    async def client(self, pathname: str = "/", **kwargs: Any) -> ReflexClient:
        kwargs.setdefault("origin", self.app.url)
        return await ReflexClient(self.app.backend_url, **kwargs).connect(pathname)

    async def signed_in(self, token: str, *, pathname: str = "/members") -> ReflexClient:
        """A tab whose bridge reported ``token``, after /welcome's sync."""
        client = await self.client(pathname)
        await client.call(f"{AUTH}.set_session", {"token": token}, pathname=pathname)
        await client.call(f"{WELCOME}.on_load", pathname="/welcome", timeout_s=20)
        return client

    async def member(self, name: str) -> Member:
        """A user who signed in, synced, and saved a profile with recognisable data."""
        user = self.new_user(name)
        email = user["email_addresses"][0]["email_address"]
        token = self.token(user["id"], lifetime_s=3600)
        bio = f"{name}-private-bio-{secrets.token_hex(6)}"
        client = await self.signed_in(token)
        try:
            answer = await client.call(
                f"{MEMBERS}.save_profile",
                {"form_data": {"bio": bio, "company": f"{name} corp"}},
                pathname="/members",
            )
            assert answer, "save_profile did not answer"
        finally:
            await client.close()
        member = Member(user, token, email, bio)
        assert self.row(member.id)["bio"] == bio
        return member

    # -- the referee: database and payload checks -----------------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        """Every row minus ``synced_at``, which any page load of one's own moves."""
        return [{k: v for k, v in row.items() if k != "synced_at"} for row in self.rows()]

    def rows(self) -> list[dict[str, Any]]:
        engine = sa.create_engine(db.normalise_url(self.db_url))
        try:
            with engine.connect() as conn:
                result = conn.execute(sa.text('SELECT * FROM "user" ORDER BY id'))
                return [dict(row._mapping) for row in result]
        finally:
            engine.dispose()

    def row(self, clerk_id: str) -> dict[str, Any]:
        [row] = [r for r in self.rows() if r["clerk_id"] == clerk_id]
        return row

    def assert_clean(self, client: ReflexClient, *others: Member) -> None:
        """Nothing secret, and nothing of ``others``, reached this client."""
        dump = client.dump()
        assert self.secret_key not in dump and "sk_test_" not in dump
        assert self.webhook_secret not in dump and "whsec_" not in dump
        dump = _without_own_request(client)
        assert not _JWT_RE.search(dump), "a token reached the browser"
        for other in others:
            for secret in (other.token, other.id, other.email, other.bio):
                assert secret not in dump, f"another user's data reached the browser: {secret}"
            assert self.row(other.id)["id"] not in dump


def _without_own_request(client: ReflexClient) -> str:
    """The dump minus the router vars: Reflex echoes each client's own request (headers,
    URL, query string) back to it, so what the attacker sent comes back by design."""
    received = json.loads(client.dump())
    for message in received[0]:
        for values in (message.get("delta") or {}).values():
            for key in [k for k in values if k.startswith("rx_router_")]:
                del values[key]
    return json.dumps(received, ensure_ascii=False)


@pytest.fixture(scope="module")
def arena(app: AppServer) -> Iterator[Arena]:
    arena = Arena(app)
    yield arena
    arena.admin.close()


@pytest.fixture(scope="module")
def victim(arena: Arena) -> Member:
    return asyncio.run(arena.member("victim"))


# -- the browser ------------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Installed before any page script: every way an injected payload could announce itself.
XSS_TRAP = """
(() => {
  const hits = [];
  Object.defineProperty(window, "__xssHits", { value: hits });
  Object.defineProperty(window, "__xss", {
    configurable: false,
    get() { return undefined; },
    set(value) { hits.push("__xss=" + String(value)); },
  });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (message) => { hits.push(name + ":" + String(message)); };
  }
})();
"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator[Any]:
    """A French desktop tab with the XSS trap; ``page.dialogs`` lists any dialog opened."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    context.add_init_script(XSS_TRAP)
    tab = context.new_page()
    tab.dialogs = []

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()
