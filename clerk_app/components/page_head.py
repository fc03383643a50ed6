"""What every page's ``<head>`` carries: the icons, and the tags link previews read.

The files live in ``assets/`` (Reflex's static folder, served at ``/``); the raster
ones are rendered from ``assets/logo.svg`` by ``scripts/make_brand_assets.py``.

The meta tags are compiled into the pages, so they are in the default language
(French) and cannot follow a visitor's choice: a link preview is made by a crawler
that runs no JavaScript. ``og:image`` must be an absolute URL for those crawlers; it
is built from the frontend's public origin (``REFLEX_DEPLOY_URL`` in production).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app import i18n, routes
from clerk_app.settings import SettingsError, get_settings

OG_IMAGE_WIDTH, OG_IMAGE_HEIGHT = 1200, 630
#: The logo's first gradient stop (Radix violet 9): the browser's UI tint on phones.
THEME_COLOR = "#6E56CF"


def site_url() -> str:
    """The frontend's public origin, or ``""`` when the settings cannot be read (a build)."""
    try:
        return get_settings().frontend_url.rstrip("/")
    except SettingsError:
        return ""


def head_components() -> list[rx.Component]:
    """Icons for every page (``rx.App(head_components=…)``)."""
    return [
        rx.el.link(rel="icon", href=routes.FAVICON, sizes="32x32"),
        rx.el.link(rel="icon", href=routes.LOGO, type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href=routes.APPLE_TOUCH_ICON),
        rx.el.meta(name="theme-color", content=THEME_COLOR),
    ]


def page_meta(title: str) -> dict[str, Any]:
    """``add_page`` keyword arguments: title, description, Open Graph and Twitter tags."""
    description = i18n.text(i18n.DEFAULT_LANG, "meta_description")
    image = site_url() + routes.OG_IMAGE
    tags = {
        "og:type": "website",
        "og:site_name": i18n.text(i18n.DEFAULT_LANG, "brand"),
        "og:title": title,
        "og:description": description,
        "og:locale": "fr_FR",
        "og:locale:alternate": "en_US",
        "og:image:width": str(OG_IMAGE_WIDTH),
        "og:image:height": str(OG_IMAGE_HEIGHT),
        "og:image:alt": i18n.text(i18n.DEFAULT_LANG, "hero_title"),
    }
    meta = [{"property": name, "content": value} for name, value in tags.items()]
    meta += [
        {"name": "twitter:card", "content": "summary_large_image"},
        {"name": "twitter:image", "content": image},
    ]
    # add_page writes og:image itself, from ``image``.
    return {"title": title, "description": description, "image": image, "meta": meta}
