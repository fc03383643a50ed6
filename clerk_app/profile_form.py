"""The profile form: what a user may write into their app-managed fields.

:class:`ProfileUpdate` normalises and validates one submission; only the
fields present in the submission are updated (``model_dump(exclude_unset=True)``).
:func:`validate_profile` turns a raw form dict into ``(update, errors)`` where
``errors`` maps a field name to one of :data:`ERROR_CODES`, so the UI can show
a translated message beside the field.

Rules, applied in order to every text field:

1. Unicode NFC, surrounding whitespace stripped, empty means "clear" (``None``).
2. Control characters (including NUL, which PostgreSQL cannot store), lone
   surrogates and bidirectional embeddings/overrides/isolates (the
   "Trojan Source" characters that reorder what others see) are refused;
   only ``bio`` may contain line breaks and tabs.
3. ``website``/``linkedin``: an http(s) URL with a host, no credentials
   (``https://good.com@evil.com``); a bare ``example.com`` becomes
   ``https://example.com``; ``javascript:``, ``data:`` and the like are refused.
4. ``twitter``/``github``: ``@name``, ``name`` or a profile URL on the service's
   own host all store ``name``, checked against the service's handle charset.
5. Length: ``bio`` ≤ 500 characters, every other field ≤ 100.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

THEMES = ("light", "dark", "system")
LANGUAGES = ("fr", "en")
BIO_MAX_LENGTH = 500
FIELD_MAX_LENGTH = 100

#: Every error code :func:`validate_profile` can return (the UI translates them).
ERROR_CODES = (
    "too_long",
    "invalid_url",
    "invalid_handle",
    "invalid_choice",
    "invalid_characters",
    "invalid_value",
)

_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d+(?:[/?#]|$))")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_URL_FORBIDDEN = frozenset('<>"\\`{}|^')
_TWITTER_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_GITHUB_RE = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9])*$")
_GITHUB_MAX = 39
_TWITTER_HOSTS = frozenset({"twitter.com", "x.com"})
_GITHUB_HOSTS = frozenset({"github.com"})


def _error(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _clean_text(value: Any, *, multiline: bool = False) -> str | None:
    """Steps 1 and 2 of the module rules."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error("invalid_value", "expected text")
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)
    text = text.strip()
    for char in text:
        category = unicodedata.category(char)
        allowed_control = multiline and char in "\n\t"
        if (
            (category == "Cc" and not allowed_control)
            or category in ("Cs", "Zl", "Zp")
            or char in _BIDI_CONTROLS
        ):
            raise _error("invalid_characters", "contains control characters")
    return text or None


def _check_length(text: str, limit: int) -> str:
    if len(text) > limit:
        raise _error("too_long", f"at most {limit} characters")
    return text


def _has_scheme(text: str) -> bool:
    return _SCHEME_RE.match(text) is not None


def normalise_url(text: str) -> str:
    """``text`` as an absolute http(s) URL, or ``invalid_url``."""
    if any(char.isspace() or char in _URL_FORBIDDEN for char in text):
        raise _error("invalid_url", "not a web address")
    url = text if _has_scheme(text) else "https://" + text.lstrip("/")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise _error("invalid_url", "not a web address") from None
    if parts.scheme.lower() not in ("http", "https") or not port_ok:
        raise _error("invalid_url", "only http(s) addresses")
    if parts.username is not None or parts.password is not None or not parts.hostname:
        raise _error("invalid_url", "not a web address")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise _error("invalid_url", "not a web address") from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise _error("invalid_url", "not a web address")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment))


def normalise_handle(text: str, *, hosts: frozenset[str], pattern: re.Pattern[str]) -> str:
    """``@name``, ``name`` or ``https://<host>/name`` → ``name``, or ``invalid_handle``."""
    handle = text
    if handle.startswith("@"):
        handle = handle[1:]
    elif "/" in handle or "." in handle:
        url = handle if _has_scheme(handle) else "https://" + handle.lstrip("/")
        try:
            parts = urlsplit(url)
        except ValueError:
            raise _error("invalid_handle", "not a profile name") from None
        host = (parts.hostname or "").removeprefix("www.").removeprefix("mobile.")
        segments = [segment for segment in parts.path.split("/") if segment]
        if parts.scheme.lower() not in ("http", "https") or host not in hosts:
            raise _error("invalid_handle", "not a profile on this service")
        if len(segments) != 1 or parts.username is not None:
            raise _error("invalid_handle", "not a profile name")
        handle = segments[0].removeprefix("@")
    if not pattern.match(handle):
        raise _error("invalid_handle", "not a profile name")
    return handle


class ProfileUpdate(BaseModel):
    """The app-managed fields a user may change; unset fields are left alone."""

    model_config = ConfigDict(extra="ignore")

    bio: str | None = None
    company: str | None = None
    job_title: str | None = None
    location: str | None = None
    website: str | None = None
    twitter: str | None = None
    linkedin: str | None = None
    github: str | None = None
    email_notifications: bool = True
    theme: Literal["light", "dark", "system"] = "light"
    language: Literal["fr", "en"] = "fr"

    @field_validator("bio", mode="before")
    @classmethod
    def _bio(cls, value: Any) -> str | None:
        text = _clean_text(value, multiline=True)
        return None if text is None else _check_length(text, BIO_MAX_LENGTH)

    @field_validator("company", "job_title", "location", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> str | None:
        text = _clean_text(value)
        return None if text is None else _check_length(text, FIELD_MAX_LENGTH)

    @field_validator("website", "linkedin", mode="before")
    @classmethod
    def _url(cls, value: Any) -> str | None:
        text = _clean_text(value)
        return None if text is None else _check_length(normalise_url(text), FIELD_MAX_LENGTH)

    @field_validator("twitter", mode="before")
    @classmethod
    def _twitter(cls, value: Any) -> str | None:
        text = _clean_text(value)
        if text is None:
            return None
        return normalise_handle(text, hosts=_TWITTER_HOSTS, pattern=_TWITTER_RE)

    @field_validator("github", mode="before")
    @classmethod
    def _github(cls, value: Any) -> str | None:
        text = _clean_text(value)
        if text is None:
            return None
        handle = normalise_handle(text, hosts=_GITHUB_HOSTS, pattern=_GITHUB_RE)
        if len(handle) > _GITHUB_MAX:
            raise _error("invalid_handle", "not a profile name")
        return handle

    @field_validator("theme", "language", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: Any) -> str:
        choices = THEMES if info.field_name == "theme" else LANGUAGES
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in choices:
            raise _error("invalid_choice", f"one of {', '.join(choices)}")
        return text

    @field_validator("email_notifications", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        # A checkbox sends "on" when ticked and nothing (or "") when not.
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        text = str(value).strip().lower()
        if text in ("on", "true", "1", "yes"):
            return True
        if text in ("", "off", "false", "0", "no"):
            return False
        raise _error("invalid_value", "expected true or false")


def validate_profile(form: Mapping[str, Any]) -> tuple[ProfileUpdate | None, dict[str, str]]:
    """Validate a submitted form: ``(update, {})`` or ``(None, {field: error_code})``.

    Keys that are not profile fields (a submit button, a CSRF token…) are ignored;
    fields absent from ``form`` are not part of the update.
    """
    data = {key: value for key, value in form.items() if key in ProfileUpdate.model_fields}
    try:
        return ProfileUpdate(**data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            code = error["type"] if error["type"] in ERROR_CODES else "invalid_value"
            errors.setdefault(field, code)
        return None, errors
