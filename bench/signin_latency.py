"""Benchmark: submitting the local sign-in form → /members rendered with the user's data.

The whole path a user waits for, in a real browser against the app started the way
the README starts it (``reflex run``, local mode, throwaway SQLite database): the
handler creates the emulator user and session, the bridge fetches the token from the
emulator, ``AuthState.set_session`` verifies it, /welcome makes its Backend API call
(to the emulator, over HTTP) and upserts, then /members makes its call and renders.

Baseline, measured in the same run and browser: a client-side navigation to / and its
render (what any page change costs in this app), so the ratio says how much of the
sign-in time is the sign-in itself.

Usage::

    python bench/signin_latency.py            # 10 sign-ins (median reported)
    python bench/signin_latency.py --quick    # 3 sign-ins
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support.app_server import start_app, stop_app  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in_once(browser, url: str) -> tuple[float, float]:
    """(sign-in seconds, baseline navigation seconds) for one fresh user."""
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url + "/sign-up")
    page.wait_for_selector("#local-sign-up-form")
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    page.fill("input[name=email]", email)
    page.fill("input[name=first_name]", "Bench")
    started = time.perf_counter()
    page.click("#local-sign-up-form button[type=submit]")
    page.wait_for_function(
        "email => document.querySelector('#member-email')?.textContent === email", arg=email
    )
    sign_in_s = time.perf_counter() - started

    started = time.perf_counter()
    page.click("header a[href='/']")
    page.wait_for_selector("#cta-members")
    baseline_s = time.perf_counter() - started
    context.close()
    return sign_in_s, baseline_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 10")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)

    with tempfile.TemporaryDirectory(prefix="signin-bench-") as workdir:
        app = start_app(Path(workdir))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                sign_in_once(browser, app.url)  # warm-up: Vite compiles the pages once
                results = [sign_in_once(browser, app.url) for _ in range(runs)]
                browser.close()
        finally:
            stop_app()

    sign_ins = [s for s, _ in results]
    baselines = [b for _, b in results]
    median, base = statistics.median(sign_ins), statistics.median(baselines)
    print(f"local sign-in → /members with data, {runs} runs (this machine)")
    print(
        f"  median {median * 1000:7.0f} ms   min {min(sign_ins) * 1000:.0f}   "
        f"max {max(sign_ins) * 1000:.0f}"
    )
    print(f"  baseline (navigate to / and render): median {base * 1000:.0f} ms")
    print(f"  ratio sign-in / baseline: {median / base:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
