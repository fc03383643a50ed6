"""Benchmark: from the README's run command to the first page served, first and second run.

Full run: the repository's files (tracked and not ignored, or a commit with ``--ref``)
are copied to a temporary directory, without ``.web`` (a fresh clone), with the
project's virtualenv linked in; ``make run`` is started there twice on free ports.
Three clocks: the frontend serves ``/`` (HTML), the backend's ``/api/health`` answers
200 (the database is reachable), and the page is **rendered** in Chromium (the layout's
footer visible, i.e. the dev server compiled the page's modules and the page hydrated):
the last is the figure that matters, since the dev server answers with an HTML shell
long before the page can show. The first run includes ``reflex``'s frontend set-up
(npm install from the local cache, the first compile); the second reuses ``.web``
(and Vite's cache). Baseline in the same run:
the tiny app under ``bench/ceiling_app`` (one page, one state), copied fresh and started
with plain ``reflex run`` the same way, twice: what Reflex itself costs to start.

``--quick`` (CI): the production backend command only, ``reflex run --env prod
--backend-only`` until it answers (``/api/health`` for ours, ``/ping`` for the baseline),
in clerk mode on the Clerk emulator and a throwaway PostgreSQL database: a few seconds,
and it still fails if the app cannot start in production.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.harness.backend import CEILING_APP, ReflexBackend
from bench.harness.common import (
    ROOT,
    VENV_BIN,
    copy_project,
    free_port,
    git_revision,
    load_average,
    machine,
    postgres_version,
    snapshot_project,
    table,
    throwaway_postgres,
)
from bench.harness.emulator_server import EmulatorProcess

FIRST_RUN_TIMEOUT_S = 600.0


def _env(frontend_port: int, backend_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "REFLEX_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        REFLEX_FRONTEND_PORT=str(frontend_port),
        REFLEX_BACKEND_PORT=str(backend_port),
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_USE_NPM="1",
    )
    return env


def timed_start(
    command: list[str], cwd: Path, health_path: str, selector: str, browser
) -> tuple[float, float, float]:
    """Start ``command`` in its own process group; seconds until the frontend, the backend
    and the rendered page (``selector`` visible in ``browser``) answer."""
    frontend_port, backend_port = free_port(), free_port()
    log = (cwd / "start-bench.log").open("wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=_env(frontend_port, backend_port),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    frontend_s = backend_s = None
    try:
        with httpx.Client(timeout=2) as http:
            while frontend_s is None or backend_s is None:
                elapsed = time.monotonic() - started
                if proc.poll() is not None or elapsed > FIRST_RUN_TIMEOUT_S:
                    tail = (cwd / "start-bench.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{' '.join(command)} did not come up:\n{tail}")
                if frontend_s is None:
                    with suppress(httpx.HTTPError):
                        page = http.get(f"http://localhost:{frontend_port}/")
                        if page.status_code == 200 and "<html" in page.text.lower():
                            frontend_s = elapsed
                if backend_s is None:
                    with suppress(httpx.HTTPError):
                        if http.get(f"http://localhost:{backend_port}{health_path}").is_success:
                            backend_s = elapsed
                time.sleep(0.1)
        page = browser.new_page()
        try:
            page.goto(f"http://localhost:{frontend_port}/", timeout=FIRST_RUN_TIMEOUT_S * 1000)
            page.wait_for_selector(selector, timeout=FIRST_RUN_TIMEOUT_S * 1000)
            rendered_s = time.monotonic() - started
        finally:
            page.close()
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return frontend_s, backend_s, rendered_s


def full(rows: list[list[object]], ref: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="start-bench-") as tmp:
        ours, baseline = Path(tmp) / "clerk_app", Path(tmp) / "ceiling_app"
        if ref:
            snapshot_project(ours, ref)
        else:
            copy_project(ROOT, ours)
        shutil.copytree(CEILING_APP, baseline, ignore=shutil.ignore_patterns(".web", ".states"))
        results = {}
        from playwright.sync_api import sync_playwright

        chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            for label, cwd, command, health, selector in (
                (
                    "ceiling app (reflex run)",
                    baseline,
                    [str(VENV_BIN / "reflex"), "run"],
                    "/ping",
                    "#count",
                ),
                ("clerk_app (make run)", ours, ["make", "run"], "/api/health", "footer"),
            ):
                for run in ("first run, fresh .web", "second run"):
                    front, back, rendered = timed_start(command, cwd, health, selector, browser)
                    results[label, run] = rendered
                    rows.append([label, run, f"{front:.1f}", f"{back:.1f}", f"{rendered:.1f}"])
            browser.close()
        for row in rows:
            label, run = row[0], row[1]
            base = results["ceiling app (reflex run)", run]
            row.append(f"{results[label, run] / base:.2f}")
    print("x ceiling app: page rendered, against the trivial app's same run")


def quick(rows: list[list[object]]) -> None:
    with EmulatorProcess() as emulator, throwaway_postgres("clerk_app_start") as db_url:
        print(f"database: {postgres_version(db_url)} (throwaway); Clerk: the emulator, clerk mode")
        env = {**emulator.app_env(), "REFLEX_DB_URL": db_url}
        with ReflexBackend(CEILING_APP) as baseline:
            base = baseline.started_in_s
        with ReflexBackend(ROOT, env=env, ready_path="/api/health") as backend:
            ours = backend.started_in_s
    command = "reflex run --env prod --backend-only"
    rows.append(["ceiling app", command, "-", f"{base:.1f}", "-", "1.00"])
    rows.append(["clerk_app", command, "-", f"{ours:.1f}", "-", f"{ours / base:.2f}"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="production backend start only")
    parser.add_argument(
        "--ref", help="measure this commit (git archive) instead of the work tree's files"
    )
    args = parser.parse_args()
    print("Start-up time: the README's run command until the first page is served")
    print(f"machine: {machine()}; load average {load_average()}")
    print(f"commit {git_revision()}")
    rows: list[list[object]] = []
    if args.quick:
        quick(rows)
    else:
        print("database: SQLite (the default of `make run`, a new file in the fresh copy)")
        print(f"project: {'commit ' + args.ref if args.ref else 'the work tree'}")
        full(rows, args.ref)
    print()
    headers = ["app", "run", "HTML / s", "backend / s", "page rendered / s", "x ceiling app"]
    print(table(headers, rows))
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
