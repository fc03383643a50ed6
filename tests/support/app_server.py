"""Start the real app with the README's command (``reflex run``), for browser tests.

``make run`` applies the migrations and runs ``reflex run``; this does the same, from
this checkout, with three differences from what a user runs, each for a reason:

* the database and the emulator directory are fresh ones in a throwaway directory,
  not ``.data/``: tests must never touch the data of the developer running them, and
  every session starts from an empty database;
* hot reload watches an empty directory: the developer may edit the tree while the
  suite runs, and a restart would drop every tab's state in the middle of a test;
* free ports (several apps start in one session).

The README's own way, a plain copy of the checkout started by ``make run`` itself with
hot reload on and the default data folder, is :mod:`tests.support.make_run`'s, covered by
``tests/e2e/test_make_run.py``.

Waits until the frontend serves and ``/api/health`` answers. Only one app runs at a time
(they share ``.web``): starting one stops the previous. Output goes to
``<workdir>/reflex.log``; it is printed when the app fails to start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
#: First compile with a cold Vite cache takes ~90 s on a 2-core machine.
START_TIMEOUT_S = float(os.environ.get("APP_START_TIMEOUT_S", "360"))
_CLEARED = (
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SIGNING_SECRET",
    "CLERK_AUTHORIZED_PARTIES",
    "CLERK_API_URL",
    "CLERK_JWKS_URL",
    "CLERK_ISSUER",
    "REFLEX_API_URL",
    "REFLEX_DEPLOY_URL",
    "REFLEX_ENV_MODE",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AppServer:
    workdir: Path
    frontend_port: int
    backend_port: int
    env: dict[str, str]
    process: subprocess.Popen | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The frontend origin (``localhost``: the origin Clerk tokens are issued for)."""
        return f"http://localhost:{self.frontend_port}"

    @property
    def backend_url(self) -> str:
        return f"http://localhost:{self.backend_port}"

    @property
    def db_url(self) -> str:
        return self.env["REFLEX_DB_URL"]

    @property
    def log_path(self) -> Path:
        return self.workdir / "reflex.log"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def start(self) -> AppServer:
        subprocess.run(
            [str(VENV_BIN / "alembic"), "upgrade", "head"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "reflex"),
                "run",
                "--frontend-port",
                str(self.frontend_port),
                "--backend-port",
                str(self.backend_port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends reflex, vite, workers
        )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_serving(self) -> None:
        wait_until_serving(self.process, [f"{self.backend_url}/api/health", f"{self.url}/"], self)

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)


def wait_until_serving(process: subprocess.Popen | None, urls: list[str], app: Any) -> None:
    """Until every URL answers 200; fails early (with ``app.log_tail()``) if ``process`` ends."""
    deadline = time.monotonic() + START_TIMEOUT_S
    checks = dict.fromkeys(urls, False)
    while not all(checks.values()):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{app.log_tail()}")
        if time.monotonic() > deadline:
            took = f"{START_TIMEOUT_S:.0f} s"
            raise TimeoutError(f"the app did not start in {took}:\n{app.log_tail()}")
        for url, ok in checks.items():
            if not ok:
                with contextlib.suppress(httpx.HTTPError):
                    checks[url] = httpx.get(url, timeout=5).status_code == 200
        time.sleep(1)


def stop_process_group(process: subprocess.Popen | None) -> None:
    """SIGTERM the group ``process`` leads (started with ``start_new_session``), then KILL."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


_current: AppServer | None = None


def start_app(
    workdir: Path,
    env: dict[str, str] | None = None,
    *,
    frontend_port: int | None = None,
    backend_port: int | None = None,
) -> AppServer:
    """Start the app (stopping any other one first) in local mode unless ``env`` says.

    Ports are free ones unless given (a test that must know the app's origin before
    it starts picks them with :func:`free_port`).
    """
    global _current
    if _current is not None:
        _current.stop()
    workdir.mkdir(parents=True, exist_ok=True)
    frontend_port = frontend_port or free_port()
    backend_port = backend_port or free_port()
    base = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    base.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}",
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            # Not .data/: the developer's own data stays untouched, each session starts empty.
            "REFLEX_DB_URL": f"sqlite:///{workdir / 'app.db'}",
            "CLERK_EMULATOR_DIR": str(workdir / "clerk_emulator"),
            "PYTHONUNBUFFERED": "1",
            # Watch an empty directory only: edits elsewhere in the tree must not restart
            # the backend (and drop every tab's state) in the middle of a test. Reload as
            # users have it is tests/e2e/test_make_run.py's subject.
            "REFLEX_HOT_RELOAD_OVERRIDE_PATHS": str(_empty_dir(workdir / "no-reload")),
        }
    )
    base.update(env or {})
    _current = AppServer(workdir, frontend_port, backend_port, base).start()
    return _current


def _empty_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def current_app() -> AppServer | None:
    """The app this process started last, while it is still running."""
    if _current is not None and _current.process is not None and _current.process.poll() is None:
        return _current
    return None


def stop_app() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None


@contextlib.contextmanager
def app_running(workdir: Path, env: dict[str, str]) -> Iterator[AppServer]:
    """Run the app with ``env`` for a block (e.g. clerk mode for one test module).

    The app running before (the session's local-mode app) is stopped first, since
    both would share ``.web``, and started again afterwards with its own ports,
    database and emulator directory, so fixtures holding it keep working.
    """
    global _current
    previous, _current = _current, None
    if previous is not None:
        previous.stop()
    try:
        yield start_app(workdir, env)
    finally:
        stop_app()
        if previous is not None:
            _current = previous.start()


def remove_workdir(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
