"""``reflex run --env prod --backend-only`` as a managed child process.

The production backend command, exactly as the README gives it, started in an app
directory (the real app at the repository root, or the tiny ceiling app under
``bench/ceiling_app``) on a free port, with granian and ``GRANIAN_WORKERS`` workers.
:class:`ReflexBackend` waits until it answers, finds its worker processes (forked
children of the reflex process), reads their memory, and stops the whole process
group it started, and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from .common import ROOT, VENV_BIN, free_port

CEILING_APP = ROOT / "bench" / "ceiling_app"


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found: list[int] = []
        for task in tasks:
            text = (task / "children").read_text().split()
            found.extend(int(c) for c in text)
        return found
    except OSError:
        return []


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def rss_kb(pid: int) -> int:
    """Resident memory of one process in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class ReflexBackend:
    """One production backend; a context manager.

    Args:
        app_dir: the directory holding ``rxconfig.py``.
        env: extra environment (database URL, Clerk settings …).
        workers: granian workers (``GRANIAN_WORKERS``).
        redis_url: ``REFLEX_REDIS_URL``; None runs without Redis (in-memory state).
        log_json: start with ``REFLEX_LOG_JSON=true`` (Reflex's structured output).
    """

    def __init__(
        self,
        app_dir: Path = ROOT,
        *,
        env: dict[str, str] | None = None,
        workers: int = 1,
        redis_url: str | None = None,
        port: int | None = None,
        log_json: bool = False,
        extra_args: tuple[str, ...] = (),
        ready_path: str = "/ping",
    ) -> None:
        self.app_dir = Path(app_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = dict(env or {})
        self.redis_url = redis_url
        self.log_json = log_json
        self.extra_args = extra_args
        self.ready_path = ready_path
        self.log_path = Path(tempfile.mkstemp(prefix="reflex-backend-", suffix=".log")[1])
        self._proc: subprocess.Popen | None = None
        self.started_in_s: float | None = None

    @property
    def command(self) -> list[str]:
        return [
            str(VENV_BIN / "reflex"),
            "run",
            *("--env", "prod"),
            "--backend-only",
            *("--backend-port", str(self.port)),
            *("--backend-host", "127.0.0.1"),
            *self.extra_args,
        ]

    def _environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CLERK_", "REFLEX_", "GRANIAN_"))
        }
        env.update(
            PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
            REFLEX_USE_NPM="1",
            REFLEX_TELEMETRY_ENABLED="false",
            PYTHONDONTWRITEBYTECODE="1",
            GRANIAN_WORKERS=str(self.workers),
        )
        if self.redis_url:
            env["REFLEX_REDIS_URL"] = self.redis_url
        if self.log_json:
            env["REFLEX_LOG_JSON"] = "true"
        env.update(self.env)
        return env

    def start(self, timeout: float = 120.0) -> ReflexBackend:
        ready_path = self.ready_path
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                self.command,
                cwd=self.app_dir,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # our own process group: stop() ends exactly it
            )
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"backend exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"backend did not answer {ready_path}:\n{self.log_tail()}")
        self.started_in_s = time.monotonic() - started
        # Workers come up one by one; wait until all of them exist.
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def worker_pids(self) -> list[int]:
        """The granian workers: the processes forked by the serving reflex process."""
        if self._proc is None:
            return []
        # reflex (our child) -> granian workers; skip helper processes that hold little.
        return [pid for pid in descendants(self._proc.pid) if rss_kb(pid) > 20_000]

    def worker_rss_kb(self) -> int:
        return sum(rss_kb(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> ReflexBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if not os.environ.get("KEEP_BACKEND_LOGS"):
            self.log_path.unlink(missing_ok=True)
