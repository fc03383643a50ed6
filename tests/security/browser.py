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
from typing import Any

from playwright.sync_api import Page, expect

from tests.utils.app_server import AppServer

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
    page.locator("#profile-form button[type=submit]").click()


def save_and_wait_for_rerender(page: Page) -> None:
    """Submit, then wait until the form is rebuilt from the saved profile (a successful
    save re-keys it), so the next ``fill`` cannot land in a form about to be replaced."""
    page.evaluate("document.querySelector('#profile-form').__beforeSave = true")
    save(page)
    page.wait_for_function(
        "() => { const f = document.querySelector('#profile-form'); return f && !f.__beforeSave; }"
    )


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
