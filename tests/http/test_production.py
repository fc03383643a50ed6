"""Production mode through the real start command: ``reflex run --env prod --backend-only``.

* Without Clerk keys (local mode) it refuses to start, with one clear line, and exits
  non-zero: the emulator and the local sign-in never run in production.
* With keys (clerk mode, pointed at the Clerk emulator standing in for Clerk), it
  serves: ``/api/health`` checks the database (200, and 503 when the database is
  unreachable), the emulator's routes are not mounted, and the app's log lines are
  JSON objects carrying the worker's pid, with the Clerk secret key never written.
"""

from __future__ import annotations

import json
import os
import subprocess

import httpx
import pytest

from bench.harness.backend import ReflexBackend
from bench.harness.common import ROOT, VENV_BIN, free_port
from bench.harness.emulator_server import EmulatorProcess
from tests.support.database import migrated

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess() as emu:
        yield emu


def json_lines(text: str) -> list[dict]:
    records = []
    for line in text.splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def test_production_refuses_local_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "REFLEX_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        REFLEX_TELEMETRY_ENABLED="false",
        # A throwaway database: production names its own (REFLEX_DB_URL), and this test
        # must not touch the checkout's .data/.
        REFLEX_DB_URL=f"sqlite:///{tmp_path / 'app.db'}",
    )
    command = [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--backend-only"]
    command += ["--backend-port", str(free_port()), "--backend-host", "127.0.0.1"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Production mode needs Clerk keys" in output
    assert "local mode and the emulator are for development only" in output


def test_production_backend_health_logs_and_no_emulator(emulator, pg_database_url):
    with migrated(pg_database_url):
        env = {**emulator.app_env(), "REFLEX_DB_URL": pg_database_url}
        with ReflexBackend(ROOT, env=env, ready_path="/api/health") as backend:
            health = httpx.get(backend.url + "/api/health", timeout=10)
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}
            # The local emulator is not routed in production.
            for path in ("/_clerk/.well-known/jwks.json", "/_clerk/emulator/health"):
                assert httpx.get(backend.url + path, timeout=10).status_code == 404
            log = backend.log_text()
            worker_pids = set(backend.worker_pids()) | {backend.pid}

    records = [r for r in json_lines(log) if r.get("logger", "").startswith("clerk_app")]
    assert records, log
    for record in records:
        assert {"timestamp", "level", "logger", "message", "pid"} <= set(record)
    assert all(r["pid"] in worker_pids for r in records)
    assert emulator.secret_key not in log


def test_production_health_reports_database_down(emulator):
    # A port nothing listens on: the database is down, the app still serves and says so.
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    env = {**emulator.app_env(), "REFLEX_DB_URL": dead}
    with ReflexBackend(ROOT, env=env, ready_path="/ping") as backend:
        health = httpx.get(backend.url + "/api/health", timeout=30)
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "down"}
        log = backend.log_text()
    warnings = [r for r in json_lines(log) if "health check" in r.get("message", "")]
    assert warnings and warnings[0]["level"] == "warning"
    assert "nowhere" not in warnings[0]["message"]  # the URL (with credentials) stays out
