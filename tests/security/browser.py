"""Browser helpers for the security suites: signing up, and checking a page stayed inert.

:func:`injection_report` is the referee of the XSS tests: after hostile data has been
rendered, the page must show no trace of it having become markup or code. It reads the
live DOM: trap hits (``window.__xss`` writes, ``alert``/``confirm``/``prompt`` calls),
dialogs, any element carrying an inline event-handler attribute (React never writes
``on*`` attributes), ``javascript:`` links, and elements the app never renders
(``iframe``, ``object``, ``embed``, ``math``, ``details``, ``video``, ``marquee``, SVG
``script``, ``img`` outside the avatar). Scripts are compared with the count before.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from clerk_app.pages.members.state import MembersState
from tests.support.app_server import AppServer

MEMBERS_STATE = MembersState.get_full_name()

_REPORT_JS = """
() => {
  const all = [...document.querySelectorAll("*")];
  return {
    hits: [...window.__xssHits],
    handlers: all
      .filter((el) => [...el.attributes].some((a) => a.name.toLowerCase().startsWith("on")))
      .map((el) => el.outerHTML.slice(0, 200)),
    jsLinks: [...document.querySelectorAll("[href], [src], [action], [formaction]")]
                 .filter((el) => /^\\s*(javascript|data|vbscript):/i.test(
                     el.getAttribute("href") || el.getAttribute("src") ||
                     el.getAttribute("action") || el.getAttribute("formaction") || ""))
                 .map((el) => el.outerHTML.slice(0, 200)),
    foreign: [...document.querySelectorAll(
        "iframe, object, embed, math, details, video, audio, marquee, svg script, body body")]
      .map((el) => el.outerHTML.slice(0, 200)),
    scripts: document.scripts.length,
  };
}
"""


def unique_email(name: str) -> str:
    return f"{name}-{secrets.token_hex(5)}@example.com"


def sign_up(page: Page, app: AppServer, email: str, first: str = "", last: str = "") -> None:
    """The local sign-up form, up to /members showing the new user's data."""
    page.goto(app.url + "/sign-up")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=first_name]").fill(first)
    page.locator("input[name=last_name]").fill(last)
    page.locator("#local-sign-up-form button[type=submit]").click()
    page.wait_for_url("**/members")
    expect(page.locator("#member-email")).to_have_text(email)


def field(page: Page, name: str) -> Any:
    return page.locator(f"#profile-form [name={name}]")


def save(page: Page) -> None:
    """Submit the profile form from the keyboard (the save button, then Enter).

    Not a click: a click waits until nothing covers the button, and what floats over
    it (a stack of notifications, say) is not what these tests are about.
    """
    page.locator("#profile-form button[type=submit]").press("Enter")


class MembersAnswers:
    """Counts the websocket messages a page received that update the /members state.

    Installed before the page opens its socket (a reconnect is followed too). The
    answer to a save is such a message, whatever the form then does with it.
    """

    def __init__(self, page: Page) -> None:
        self.count = 0
        page.on("websocket", self._follow)

    def _follow(self, socket: Any) -> None:
        socket.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, str) and MEMBERS_STATE in payload:
            self.count += 1


def save_and_wait_until_stored(
    page: Page,
    answers: MembersAnswers,
    stored: Callable[[], dict[str, Any]],
    expected: dict[str, str],
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Submit, then wait for the save itself: the row holds ``expected`` and the page
    has received the backend's answer (and rendered it), so the next ``fill`` cannot
    race an update still on its way. Returns the stored row."""
    before = answers.count
    save(page)
    deadline = time.monotonic() + timeout_s
    while True:
        row = stored()
        if answers.count > before and all(row[k] == v for k, v in expected.items()):
            break
        if time.monotonic() > deadline:
            got = {k: row[k] for k in expected}
            raise AssertionError(
                f"save not done in {timeout_s:.0f} s (answers: {answers.count - before}, "
                f"stored: {got!r})"
            )
        page.wait_for_timeout(50)  # lets Playwright deliver the page's events meanwhile
    # The answer is applied to the page's state; let the renderer commit what it queued.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    return row


def injection_report(page: Page) -> dict[str, Any]:
    report = page.evaluate(_REPORT_JS)
    report["dialogs"] = list(getattr(page, "dialogs", []))
    return report


def assert_inert(page: Page, *, scripts_before: int | None = None) -> None:
    """Nothing the user typed ran or became markup (see the module docstring)."""
    report = injection_report(page)
    assert report["hits"] == [], report["hits"]
    assert report["dialogs"] == [], report["dialogs"]
    assert report["handlers"] == [], report["handlers"]
    assert report["jsLinks"] == [], report["jsLinks"]
    assert report["foreign"] == [], report["foreign"]
    if scripts_before is not None:
        assert report["scripts"] == scripts_before
