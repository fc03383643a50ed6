"""Every UI string, in French (the default, as in the seed) and English.

Pages never spell a sentence: they call :func:`clerk_app.state.ui.t` with a key, which
compiles to a small ``lang === "en" ? … : …`` expression on the current language var, so
switching language re-renders at once without a round trip for strings. This module
holds the strings only and imports nothing of the app. Backend handlers that
produce text (toasts, validation messages) use :func:`text` with the language they
already know. A test checks both tables have the same keys.
"""

from __future__ import annotations

from typing import Literal

from clerk_app.i18n.en import EN
from clerk_app.i18n.fr import FR

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"

TABLES: dict[str, dict[str, str]] = {"fr": FR, "en": EN}


def normalise_lang(value: object) -> Lang:
    """``"fr"`` or ``"en"``; anything else is the default."""
    return "en" if value == "en" else "fr"


def text(lang: object, key: str, **params: object) -> str:
    """The string ``key`` in ``lang`` (backend use), with ``{placeholders}`` filled."""
    template = TABLES[normalise_lang(lang)][key]
    return template.format(**params) if params else template


def from_accept_language(header: object) -> Lang:
    """The best of our languages for an ``Accept-Language`` header (signed-out visitors).

    Honours q-values; a header naming neither language gives the default (French).
    """
    if not isinstance(header, str) or not header:
        return DEFAULT_LANG
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(header[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in TABLES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidate = (quality, -position, normalise_lang(primary))
        if quality > 0 and (best is None or candidate > best):
            best = candidate
    return best[2] if best else DEFAULT_LANG
