"""The three-way merge a form's save does (the profile, an organization's page).

A page remembers two things about the form it mounted: the values it *showed* (strings,
as the form holds them) and the *stored* values they came from. On submit:

* :func:`edited_values`: only the fields whose submitted value differs from what was
  shown are written (validated values); the rest of the form is left to whoever else
  may be changing it.
* :func:`unchanged` / :func:`expected_params`: each written field is guarded by ``column
  IS NOT DISTINCT FROM :o_<field>``, its stored value when the form was mounted, so a
  change made meanwhile (another tab, another admin) is never silently overwritten.

How a refused field is reported is the caller's: the profile refuses the whole save
and asks (:class:`clerk_app.members.ProfileChanged`), an organization keeps the other
fields' changes and refuses that field only (:mod:`clerk_app.organizations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa


def edited_values(
    values: Mapping[str, Any], form: Mapping[str, str], shown: Mapping[str, str]
) -> dict[str, Any]:
    """Of the validated ``values`` (field -> value), those of the fields the user edited
    (submitted ≠ shown)."""
    return {k: v for k, v in values.items() if form.get(k, "") != shown.get(k, "")}


def unchanged(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column`` still holds the value the form started from (``:o_<name>``)."""
    return column.is_not_distinct_from(sa.bindparam(f"o_{name}"))


def expected_params(expected: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The ``:o_<name>`` parameters of :func:`unchanged` for ``names``."""
    return {f"o_{name}": expected.get(name) for name in names}
