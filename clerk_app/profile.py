"""The profile form: what a user may write into their app-managed fields, and how it lands.

:func:`check_form` checks a submission's shape (known field names to strings);
:func:`validate_profile` turns it into ``(ProfileUpdate, {})`` or ``(None, {field:
code})`` with a code of :data:`ERROR_CODES` the UI translates. Text fields are NFC,
stripped, empty = cleared; control, lone-surrogate and bidi ("Trojan Source")
characters are refused (``bio`` may hold line breaks); ``website``/``linkedin`` are
http(s) URLs with a host and no credentials (``example.com`` → ``https://…``;
``javascript:`` refused); ``twitter``/``github`` store the handle of ``@name``, ``name``
or a profile URL on the service's host; ``bio`` ≤ 500 characters, others ≤ 100.

Saving is one ``UPDATE … WHERE clerk_id = :b_clerk_id AND deleted_at IS NULL AND NOT
banned AND NOT locked RETURNING *`` (:func:`update_parameters`): atomic, never racing
the sync (which never writes these columns), and never writing a deleted or suspended
user's row. From the form it is a
three-way merge: only the fields the user changed, and only while each still holds
the value the form was showing (``… AND bio IS NOT DISTINCT FROM :o_bio``;
:mod:`clerk_app.form_merge`). Another
tab's change to another field is kept; a change to the same field makes the save
write nothing, and the caller asks the user. Statements are built once per set of
fields and run as Core statements.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import ValidationError, field_validator

from clerk_app.form_merge import expected_params, unchanged
from clerk_app.models import (
    LANGUAGES,
    PROFILE_FIELDS,
    THEMES,
    ProfileFields,
    User,
    UserPublic,
    utcnow,
)
from clerk_app.text_rules import (
    ERROR_CODES,  # noqa: F401 (the codes validate_profile gives)
    clean,
    clean_text,
    clean_url,
    error,
    has_scheme,
    validation_errors,
)

BIO_MAX_LENGTH = 500
FIELD_MAX_LENGTH = 100

_TWITTER_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_GITHUB_RE = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9])*$")
_TWITTER_MAX = 15
_GITHUB_MAX = 39
_TWITTER_HOSTS = frozenset({"twitter.com", "x.com"})
_GITHUB_HOSTS = frozenset({"github.com"})
#: Per handle field: the service's hosts, the handle's pattern, its longest length.
_HANDLES = {
    "twitter": (_TWITTER_HOSTS, _TWITTER_RE, _TWITTER_MAX),
    "github": (_GITHUB_HOSTS, _GITHUB_RE, _GITHUB_MAX),
}


def normalise_handle(text: str, *, hosts: frozenset[str], pattern: re.Pattern[str]) -> str:
    """``@name``, ``name`` or ``https://<host>/name`` → ``name``, or ``invalid_handle``."""
    handle = text
    if handle.startswith("@"):
        handle = handle[1:]
    elif "/" in handle or "." in handle:
        url = handle if has_scheme(handle) else "https://" + handle.lstrip("/")
        try:
            parts = urlsplit(url)
        except ValueError:
            raise error("invalid_handle", "not a profile name") from None
        host = (parts.hostname or "").removeprefix("www.").removeprefix("mobile.")
        segments = [segment for segment in parts.path.split("/") if segment]
        if parts.scheme.lower() not in ("http", "https") or host not in hosts:
            raise error("invalid_handle", "not a profile on this service")
        if len(segments) != 1 or parts.username is not None:
            raise error("invalid_handle", "not a profile name")
        handle = segments[0].removeprefix("@")
    if not pattern.match(handle):
        raise error("invalid_handle", "not a profile name")
    return handle


class ProfileUpdate(ProfileFields):
    """The app-managed fields a user may change, validated; unset fields are left alone."""

    @field_validator("bio", mode="before")
    @classmethod
    def _bio(cls, value: Any) -> str | None:
        return clean_text(value, BIO_MAX_LENGTH, multiline=True)

    @field_validator("company", "job_title", "location", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> str | None:
        return clean_text(value, FIELD_MAX_LENGTH)

    @field_validator("website", "linkedin", mode="before")
    @classmethod
    def _url(cls, value: Any) -> str | None:
        return clean_url(value, FIELD_MAX_LENGTH)

    @field_validator("twitter", "github", mode="before")
    @classmethod
    def _handle(cls, value: Any, info: Any) -> str | None:
        text = clean(value)
        if text is None:
            return None
        hosts, pattern, max_length = _HANDLES[info.field_name]
        handle = normalise_handle(text, hosts=hosts, pattern=pattern)
        if len(handle) > max_length:
            raise error("invalid_handle", "not a profile name")
        return handle

    @field_validator("theme", "language", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: Any) -> str:
        choices = THEMES if info.field_name == "theme" else LANGUAGES
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in choices:
            raise error("invalid_choice", f"one of {', '.join(choices)}")
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
        raise error("invalid_value", "expected true or false")


def validate_profile(form: Mapping[str, Any]) -> tuple[ProfileUpdate | None, dict[str, str]]:
    """Validate a submitted form: ``(update, {})`` or ``(None, {field: error_code})``.

    Keys that are not profile fields (a submit button, a CSRF token…) are ignored;
    fields absent from ``form`` are not part of the update.
    """
    data = {key: value for key, value in form.items() if key in ProfileUpdate.model_fields}
    try:
        return ProfileUpdate(**data), {}
    except ValidationError as exc:
        return None, validation_errors(exc)


#: How the form's checkbox reads: ticked, and not (the browser omits an unticked box).
CHECKED, UNCHECKED = "on", ""
#: Far above every limit: anything longer is not a human's input.
MAX_FORM_VALUE = 2000


def check_form(form: object) -> dict[str, str]:
    """The submitted form as ``{field: str}``; ``ValueError`` for anything else.

    Reflex coerces event arguments loosely, so the shape is checked here: a dict of
    known field names to strings of human size, nothing more.
    """
    if not isinstance(form, dict) or len(form) > len(PROFILE_FIELDS) + 2:
        raise ValueError("form must be a small object")
    cleaned: dict[str, str] = {}
    for key, value in form.items():
        if key not in PROFILE_FIELDS:
            raise ValueError(f"unknown field {key!r}")
        if isinstance(value, bool):
            value = CHECKED if value else UNCHECKED
        if not isinstance(value, str) or len(value) > MAX_FORM_VALUE:
            raise ValueError(f"bad value for {key!r}")
        cleaned[key] = value
    # An unticked checkbox is absent from the browser's form data: it means "off".
    cleaned.setdefault("email_notifications", UNCHECKED)
    return cleaned


def form_values(profile: ProfileFields) -> dict[str, str]:
    """``profile``'s app-managed fields as the form shows them (strings; the checkbox
    as :data:`CHECKED` / :data:`UNCHECKED`)."""
    values = stored_values(profile)
    values["email_notifications"] = CHECKED if values["email_notifications"] else UNCHECKED
    return {field: str(value or "") for field, value in values.items()}


def stored_values(profile: ProfileFields) -> dict[str, Any]:
    """``profile``'s app-managed fields as stored: what a guarded save expects."""
    return {field: getattr(profile, field) for field in PROFILE_FIELDS}


def length_limit(field: str) -> int:
    """The most characters ``field`` may hold."""
    return BIO_MAX_LENGTH if field == "bio" else FIELD_MAX_LENGTH


# -- saving (see the module docstring) ----------------------------------------------------
_T = User.__table__


@functools.lru_cache(maxsize=256)
def update_statement(fields: tuple[str, ...], guarded: bool = False) -> sa.Update:
    """``UPDATE`` of ``fields`` (and ``updated_at``) for ``:b_clerk_id``, returning the row.

    ``guarded``: only while each of ``fields`` still equals its ``:o_<field>``.
    """
    where = [_T.c.clerk_id == sa.bindparam("b_clerk_id"), _T.c.deleted_at.is_(None)]
    where += [sa.not_(_T.c.banned), sa.not_(_T.c.locked)]  # a suspended account writes nothing
    if guarded:
        where += [unchanged(_T.c[name], name) for name in fields]
    return (
        sa.update(_T)
        .where(*where)
        .values({name: sa.bindparam(f"v_{name}") for name in (*fields, "updated_at")})
        .returning(*(_T.c[name] for name in UserPublic.model_fields))
    )


def update_parameters(
    clerk_id: str, values: Mapping[str, Any], expected: Mapping[str, Any] | None = None
) -> tuple[sa.Update, dict[str, Any]]:
    """The statement and parameters that write ``values`` (validated: a
    :class:`ProfileUpdate`'s ``model_dump(exclude_unset=True)``) to the live user
    ``clerk_id``.

    With ``expected`` (field -> the stored value the user started from), only while
    the stored values of the updated fields are still those.
    """
    params = {f"v_{name}": value for name, value in values.items()}
    params |= {"b_clerk_id": clerk_id, "v_updated_at": utcnow()}
    if expected is not None:
        params |= expected_params(expected, values)
    return update_statement(tuple(sorted(values)), expected is not None), params
