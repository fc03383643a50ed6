"""The organization form: what an admin may write into an organization's app-managed fields.

The same rules as the profile form's (:mod:`clerk_app.text_rules`): ``description`` is
free text (line breaks allowed) of at most :data:`DESCRIPTION_MAX_LENGTH` characters,
``website`` a web address under exactly the rules of a user's website (http(s), a
host, no credentials, ``example.com`` → ``https://example.com``, at most
:data:`~clerk_app.profile.FIELD_MAX_LENGTH` characters). Empty clears a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError, field_validator

from clerk_app.org_models import (
    DESCRIPTION_MAX_LENGTH,
    ORGANIZATION_PROFILE_FIELDS,
    OrganizationProfileFields,
)
from clerk_app.profile import FIELD_MAX_LENGTH, MAX_FORM_VALUE
from clerk_app.text_rules import clean_text, clean_url, validation_errors


class OrganizationUpdate(OrganizationProfileFields):
    """The app-managed organization fields an admin may change; unset fields are left alone."""

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str | None:
        return clean_text(value, DESCRIPTION_MAX_LENGTH, multiline=True)

    @field_validator("website", mode="before")
    @classmethod
    def _website(cls, value: Any) -> str | None:
        return clean_url(value, FIELD_MAX_LENGTH)


def check_form(form: object) -> dict[str, str]:
    """The submitted form as ``{field: str}``; ``ValueError`` for anything else.

    Reflex coerces event arguments loosely: a dict of the known field names (at least
    one) to strings of human size, nothing more.
    """
    if not isinstance(form, dict) or not form or len(form) > len(ORGANIZATION_PROFILE_FIELDS):
        raise ValueError("form must be a small object")
    for key, value in form.items():
        if key not in ORGANIZATION_PROFILE_FIELDS:
            raise ValueError(f"unknown field {key!r}")
        if not isinstance(value, str) or len(value) > MAX_FORM_VALUE:
            raise ValueError(f"bad value for {key!r}")
    return dict(form)


def validate_organization(
    form: Mapping[str, Any],
) -> tuple[OrganizationUpdate | None, dict[str, str]]:
    """``(update, {})`` or ``(None, {field: error_code})`` (codes of ``ERROR_CODES``)."""
    data = {key: value for key, value in form.items() if key in ORGANIZATION_PROFILE_FIELDS}
    try:
        return OrganizationUpdate(**data), {}
    except ValidationError as exc:
        return None, validation_errors(exc)


def length_limit(field: str) -> int:
    """The most characters ``field`` may hold (for the error message)."""
    return DESCRIPTION_MAX_LENGTH if field == "description" else FIELD_MAX_LENGTH
