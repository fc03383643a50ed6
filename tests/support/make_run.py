"""``make run`` in a plain copy of this checkout: the app exactly as a newcomer starts it.

:func:`copy_checkout` copies the files git tracks (what a fresh clone holds) into a
new directory: no ``.data/``, no ``.env``. Two things are reused rather than rebuilt,
for time only, neither changes what runs:

* ``.venv`` is a symlink to this checkout's virtualenv, and the copy's
  ``requirements.txt`` is dated in the past, so ``make install`` sees the packages
  installed (they are: the same virtualenv) instead of running pip again;
* ``.web`` (Reflex's frontend build directory, ``node_modules`` included) is copied
  when this checkout has one: a cold ``npm install`` takes minutes on a 2-core machine,
  and Reflex rebuilds the pages it compiles anyway.

:class:`MakeRun` then starts ``make run`` itself there, with Clerk keys, database and
emulator settings cleared from the environment (local mode, the default
``.data/reflex.db``), hot reload as users have it; only the ports are chosen, through
the Makefile's ``FRONTEND_PORT`` / ``BACKEND_PORT``. Its log tells how many times the
backend compiled the app: once at start, once more per restart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.app_server import ROOT, stop_process_group, wait_until_serving

#: Settings a user's fresh clone does not have (the copy must run on the defaults).
_NOT_IN_A_FRESH_SHELL = ("CLERK_", "REFLEX_DB_URL", "REFLEX_API_URL", "REFLEX_DEPLOY_URL")
_NOT_IN_A_FRESH_SHELL += ("REFLEX_ENV_MODE", "REFLEX_HOT_RELOAD_", "REFLEX_REDIS_URL")
#: Printed by ``reflex run`` each time the backend (re)compiles the app.
COMPILE_MARKER = "Compiling:"


def copy_checkout(destination: Path, source: Path = ROOT) -> Path:
    """The files git tracks in ``source``, copied to ``destination`` (see module docstring)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_file():
            shutil.copy2(source / name, target)
    (destination / ".venv").symlink_to((source / ".venv").resolve())
    os.utime(destination / "requirements.txt", (0, 0))
    if (source / ".web" / "node_modules").is_dir():
        subprocess.run(["cp", "-a", str(source / ".web"), str(destination / ".web")], check=True)
    return destination


@dataclass
class MakeRun:
    checkout: Path
    frontend_port: int
    backend_port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.frontend_port}"

    @property
    def backend_url(self) -> str:
        return f"http://localhost:{self.backend_port}"

    @property
    def db_url(self) -> str:
        """The default database, where ``make run`` put it."""
        return f"sqlite:///{self.checkout / '.data' / 'reflex.db'}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def compiles(self) -> int:
        """How many times the backend compiled the app so far (1 + restarts)."""
        return self.log_path.read_text(errors="replace").count(COMPILE_MARKER)

    def start(self) -> MakeRun:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_IN_A_FRESH_SHELL)}
        env["PYTHONUNBUFFERED"] = "1"  # the log is read while the app runs
        ports = [f"FRONTEND_PORT={self.frontend_port}", f"BACKEND_PORT={self.backend_port}"]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                ["make", "run", *ports],
                cwd=self.checkout,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends make and all below
            )
        try:
            wait_until_serving(self.process, [f"{self.backend_url}/api/health", self.url], self)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)
