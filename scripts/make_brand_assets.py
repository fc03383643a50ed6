"""Render the app's raster images from ``assets/logo.svg``, with Chromium (Playwright).

Writes into ``assets/`` (Reflex's static folder, served at ``/``):

* ``favicon.ico``: 16, 32 and 48 px PNG images in one ICO file (browsers that ignore
  the SVG icon, and the ``/favicon.ico`` every browser asks for);
* ``apple-touch-icon.png``: 180 px, full-bleed and opaque (iOS rounds the corners);
* ``og-image.png``: the 1200×630 Open Graph card that link previews show.

The PNGs are committed; run this again after changing the logo or the card's text
(``.venv/bin/python scripts/make_brand_assets.py``). It needs the same Chromium as
the browser tests (``CHROMIUM_PATH``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import base64
import html
import os
import struct
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clerk_app import i18n  # noqa: E402 (the card's text comes from the UI strings)

ASSETS = ROOT / "assets"
LOGO = ASSETS / "logo.svg"
ICO_SIZES = (16, 32, 48)
TOUCH_ICON_SIZE = 180
OG_SIZE = (1200, 630)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _render(page: Page, markup: str, width: int, height: int, *, transparent: bool) -> bytes:
    page.set_viewport_size({"width": width, "height": height})
    page.set_content(f"<!doctype html><html><body style='margin:0'>{markup}</body></html>")
    page.wait_for_load_state("load")
    return page.screenshot(omit_background=transparent, type="png")


def _icon(page: Page, svg: str, size: int, *, transparent: bool = True) -> bytes:
    image = f"<img src='{_data_url(svg)}' width='{size}' height='{size}' style='display:block'>"
    return _render(page, image, size, size, transparent=transparent)


def ico_file(pngs: dict[int, bytes]) -> bytes:
    """An ICO holding PNG images (the format every browser and Windows Vista+ read)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    entries, blobs = b"", b""
    offset = len(header) + 16 * len(pngs)
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def og_card(svg: str) -> str:
    """The Open Graph card: logo, name, the landing page's headline in both languages."""
    width, height = OG_SIZE
    fr, en = i18n.FR, i18n.EN
    headline = html.escape(fr["hero_title"])
    lines = "".join(
        f"<p style='margin:0;font-size:30px;line-height:1.35;color:#E4DEFC'>{html.escape(s)}</p>"
        for s in (fr["hero_line1"], en["hero_line1"])
    )
    return f"""
<div style="width:{width}px;height:{height}px;box-sizing:border-box;padding:84px 96px;
  display:flex;flex-direction:column;justify-content:space-between;
  font-family:'DejaVu Sans',sans-serif;color:#fff;
  background:radial-gradient(900px 420px at 85% -10%, #8E4EC6 0%, transparent 70%),
             linear-gradient(135deg, #1C1541 0%, #2B1F66 55%, #1F2D5C 100%);">
  <div style="display:flex;align-items:center;gap:36px">
    <img src="{_data_url(svg)}" width="148" height="148">
    <div>
      <div style="font-size:84px;font-weight:bold;letter-spacing:-2px">{fr["brand"]}</div>
      <div style="font-size:44px;font-weight:bold;color:#C2B5F5">{headline}</div>
    </div>
  </div>
  <div style="display:flex;flex-direction:column;gap:14px">{lines}</div>
  <div style="font-size:24px;color:#B1A9FF">Clerk · SQLModel · Reflex</div>
</div>"""


def main() -> None:
    svg = LOGO.read_text()
    full_bleed = svg.replace('rx="16"', 'rx="0"', 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(device_scale_factor=1)
        icons = {size: _icon(page, svg, size) for size in ICO_SIZES}
        (ASSETS / "favicon.ico").write_bytes(ico_file(icons))
        touch = _icon(page, full_bleed, TOUCH_ICON_SIZE, transparent=False)
        (ASSETS / "apple-touch-icon.png").write_bytes(touch)
        card = _render(page, og_card(svg), *OG_SIZE, transparent=False)
        (ASSETS / "og-image.png").write_bytes(card)
        browser.close()
    for name in ("favicon.ico", "apple-touch-icon.png", "og-image.png"):
        print(f"wrote assets/{name} ({(ASSETS / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
