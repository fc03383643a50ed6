"""The app's own static files (``assets/``): served, referenced, and shown.

Against the app as ``reflex run`` serves it (the ``app`` fixture): every file under
``assets/`` answers at ``/`` byte for byte; each page's ``<head>`` names the icons and
carries the Open Graph and Twitter tags pointing at the 1200×630 card; the header
shows the logo.
"""

from __future__ import annotations

import struct
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from clerk_app import routes

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SERVED = {
    routes.FAVICON: "image/",  # image/x-icon or image/vnd.microsoft.icon
    routes.LOGO: "image/svg+xml",
    routes.APPLE_TOUCH_ICON: "image/png",
    routes.OG_IMAGE: "image/png",
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("path", sorted(SERVED))
def test_each_asset_is_served_as_committed(app, path):
    response = httpx.get(app.url + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SERVED[path])
    assert response.content == (ASSETS / path.lstrip("/")).read_bytes()


def test_the_icons_are_what_they_claim():
    ico = (ASSETS / "favicon.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 2
    sizes = {ico[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes
    assert png_size((ASSETS / "apple-touch-icon.png").read_bytes()) == (180, 180)
    assert png_size((ASSETS / "og-image.png").read_bytes()) == (1200, 630)


@pytest.mark.parametrize("route", [routes.INDEX, routes.SIGN_IN, routes.MEMBERS])
def test_pages_carry_icons_and_link_preview_tags(app, page, route):
    page.goto(app.url + route)
    page.wait_for_selector("footer")
    head = page.locator("head")

    def meta(attribute: str, name: str) -> str | None:
        return head.locator(f'meta[{attribute}="{name}"]').first.get_attribute("content")

    image = meta("property", "og:image")
    assert image == app.url + routes.OG_IMAGE  # absolute, as crawlers need it
    assert httpx.get(image, timeout=10).status_code == 200
    assert meta("property", "og:title") == page.title()
    assert "Clerk" in (meta("property", "og:description") or "")
    assert meta("name", "description") == meta("property", "og:description")
    assert (meta("property", "og:image:width"), meta("property", "og:image:height")) == (
        "1200",
        "630",
    )
    assert meta("name", "twitter:card") == "summary_large_image"
    assert meta("name", "twitter:image") == image

    icons = {
        link.get_attribute("href")
        for link in head.locator('link[rel="icon"], link[rel="apple-touch-icon"]').all()
    }
    assert icons >= {routes.FAVICON, routes.LOGO, routes.APPLE_TOUCH_ICON}


def test_the_header_shows_the_logo(app, page):
    page.goto(app.url + routes.INDEX)
    logo = page.locator("header #brand-logo")
    expect(logo).to_be_visible()
    assert logo.get_attribute("src") == routes.LOGO
    # Loaded, not a broken-image box.
    page.wait_for_function("document.querySelector('#brand-logo').naturalWidth > 0")
