"""What importing the app module loads: nothing that only a later path needs.

``reflex run`` imports the app module twice per start (the compile process, then the
backend worker), so every module loaded there is paid twice by every ``make run``. These
load on first use instead: Alembic when migrations are pending, the local Clerk emulator
with its first request, the token verifier (and PyJWT, cryptography's RSA code) with
the first session token, httpx with the first download or Backend API call, the async
ORM with the first async engine, SQLite's dialect with the first statement.
"""

from __future__ import annotations

from clerk_app import schema
from tests.support.app_import import import_app

#: Modules ``import clerk_app.clerk_app`` must not load (local mode, schema at head).
LOADED_ON_FIRST_USE = (
    "alembic",
    "clerk_emulator.core",
    "clerk_emulator.keys",
    "clerk_app.clerk.tokens",
    "clerk_app.clerk.jwks",
    "jwt",
    "httpx",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.sqlite",
)


def test_importing_the_app_leaves_the_cold_paths_unloaded(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    schema.upgrade(url)
    probe = (
        "import sys\n"
        "import clerk_app.clerk_app\n"
        f"print('loaded:', sorted(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules))\n"
    )
    result = import_app(url, tmp_path, probe)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded: []" in result.stdout, result.stdout
