"""The text and web-address rules every form of the app applies (profile, organization).

Text is NFC, stripped, empty = ``None``; control, lone-surrogate and bidi ("Trojan
Source") characters are refused (multi-line fields keep line breaks and tabs). A web
address is an http(s) URL with a host and no credentials (``example.com`` →
``https://…``; ``javascript:`` refused). Failures are pydantic errors whose type is one
of :data:`ERROR_CODES`, which the UI translates (``err_<code>``); a form model's
validators call :func:`clean_text` / :func:`clean_url`, and :func:`validation_errors`
turns its ``ValidationError`` into ``{field: code}``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

#: Every error code :func:`validate_profile` can return (the UI translates them).
ERROR_CODES = ("too_long", "invalid_url", "invalid_handle", "invalid_choice")
ERROR_CODES += ("invalid_characters", "invalid_value")

_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d+(?:[/?#]|$))")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_URL_FORBIDDEN = frozenset('<>"\\`{}|^')


def error(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def clean(value: Any, *, multiline: bool = False) -> str | None:
    """NFC, stripped, empty = ``None``; control/surrogate/bidi characters refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise error("invalid_value", "expected text")
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)
    text = text.strip()
    for char in text:
        category = unicodedata.category(char)
        control = category == "Cc" and not (multiline and char in "\n\t")
        if control or category in ("Cs", "Zl", "Zp") or char in _BIDI_CONTROLS:
            raise error("invalid_characters", "contains control characters")
    return text or None


def _check_length(text: str, limit: int) -> str:
    if len(text) > limit:
        raise error("too_long", f"at most {limit} characters")
    return text


def has_scheme(text: str) -> bool:
    return _SCHEME_RE.match(text) is not None


def normalise_url(text: str) -> str:
    """``text`` as an absolute http(s) URL, or ``invalid_url``."""
    if any(char.isspace() or char in _URL_FORBIDDEN for char in text):
        raise error("invalid_url", "not a web address")
    url = text if has_scheme(text) else "https://" + text.lstrip("/")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise error("invalid_url", "not a web address") from None
    if parts.scheme.lower() not in ("http", "https") or not port_ok:
        raise error("invalid_url", "only http(s) addresses")
    if parts.username is not None or parts.password is not None or not parts.hostname:
        raise error("invalid_url", "not a web address")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise error("invalid_url", "not a web address") from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise error("invalid_url", "not a web address")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment))


def clean_text(value: Any, limit: int, *, multiline: bool = False) -> str | None:
    """A free-text field: cleaned (see :func:`clean`), at most ``limit`` characters."""
    text = clean(value, multiline=multiline)
    return None if text is None else _check_length(text, limit)


def clean_url(value: Any, limit: int) -> str | None:
    """A web-address field: an absolute http(s) URL of at most ``limit`` characters, or
    ``None`` when empty (the one rule for every address the app stores)."""
    text = clean(value)
    return None if text is None else _check_length(normalise_url(text), limit)


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """``{field: code}`` (a code of :data:`ERROR_CODES`) from a form model's errors."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        code = error["type"] if error["type"] in ERROR_CODES else "invalid_value"
        errors.setdefault(field, code)
    return errors
