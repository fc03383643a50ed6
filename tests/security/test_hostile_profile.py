"""Hostile profile input below the UI: validation, storage, and what a refusal writes.

The corpus (:mod:`tests.security.hostile_profile`) says, for every field and payload,
whether it is stored (and as what) or refused (and with which code). Here:

* ``validate_profile`` gives exactly that answer, case by case;
* every stored value survives a round trip through ``update_profile`` unchanged, on
  SQLite and PostgreSQL (no truncation, no re-encoding of emoji, RTL or combining text);
* a refused submission writes nothing, even when its other fields are valid;
* ``check_form``, the shape check in front of validation (Reflex coerces event
  arguments loosely), refuses wrong types, unknown keys and oversized values.
"""

from __future__ import annotations

from typing import Any

import pytest

from clerk_app import db, members
from clerk_app.profile import MAX_FORM_VALUE, check_form, validate_profile
from clerk_app.sync import sync_user
from tests.security.hostile_profile import CASES, Refused, Stored
from tests.support.database import migrated, row, session_scope, update_profile
from tests.support.factories import clerk_user


@pytest.mark.parametrize(
    ("field", "value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_validation_stores_or_refuses_as_the_rules_say(field: str, value: Any, expected) -> None:
    update, errors = validate_profile({field: value})
    if isinstance(expected, Stored):
        assert errors == {}
        assert getattr(update, field) == expected.value
    else:
        assert update is None
        assert errors == {field: expected.code}


def test_every_stored_value_round_trips_through_the_database(database_url: str) -> None:
    stored_cases = [c for c in CASES if isinstance(c[3], Stored)]
    with migrated(database_url) as url:
        clerk = clerk_user()
        with session_scope(url) as session:
            sync_user(session, clerk)
        mismatches = []
        for case_id, field, value, expected in stored_cases:
            update, _ = validate_profile({field: value})
            with session_scope(url) as session:
                update_profile(session, clerk["id"], update)
            got = getattr(row(url, clerk["id"]), field)
            if got != expected.value:
                mismatches.append((case_id, expected.value, got))
        assert mismatches == []
    assert len(stored_cases) > 150


def test_a_refused_submission_writes_nothing(monkeypatch) -> None:
    """Each refused value, sent with otherwise valid fields: no database call at all."""
    calls: list[Any] = []
    monkeypatch.setattr(db, "execute_one", lambda *args: calls.append(args))
    refused = [c for c in CASES if isinstance(c[3], Refused) and isinstance(c[2], str)]
    import asyncio

    async def submit_all() -> list[dict[str, str]]:
        results = []
        for _, field, value, _expected in refused:
            form = {"bio": "valid", "company": "Valid", field: value}
            saved, errors = await members.save_profile("user_2victim", form)
            assert saved is None
            results.append(errors)
        return results

    results = asyncio.run(submit_all())
    assert all(results) and calls == []
    assert len(refused) > 150


def test_a_refused_field_leaves_the_stored_profile_intact(database_url: str, use_database) -> None:
    import asyncio

    with migrated(database_url) as url:
        clerk = clerk_user()
        with session_scope(url) as session:
            sync_user(session, clerk)
        use_database(url)
        good = {"bio": "Original bio", "company": "Acme", "website": "acme.example"}
        assert asyncio.run(members.save_profile(clerk["id"], good))[0] is not None
        hostile = {"bio": "<script>x</script>", "company": "Evil", "website": "javascript:x"}
        saved, errors = asyncio.run(members.save_profile(clerk["id"], hostile))
        assert saved is None and errors == {"website": "invalid_url"}
        stored = row(url, clerk["id"])
        assert (stored.bio, stored.company, stored.website) == (
            "Original bio",
            "Acme",
            "https://acme.example",
        )


# -- the shape check in front of validation -------------------------------------------------


BAD_SHAPES = [
    ("not an object", "bio=x"),
    ("a list", [["bio", "x"]]),
    ("null", None),
    ("a number", 7),
    ("unknown key", {"bio": "x", "clerk_id": "user_2other"}),
    ("unknown key: id", {"id": "someone-else"}),
    ("unknown key: email", {"email": "victim@example.com"}),
    ("backend var name", {"_user_id": "user_2other"}),
    ("number value", {"company": 7}),
    ("float value", {"company": 1.5}),
    ("list value", {"bio": ["a", "b"]}),
    ("dict value", {"bio": {"$ne": None}}),
    ("null value", {"bio": None}),
    ("huge value", {"bio": "x" * (MAX_FORM_VALUE + 1)}),
    ("1 MB value", {"company": "x" * 1_000_000}),
    ("too many keys", {f"k{i}": "x" for i in range(200)}),
]


@pytest.mark.parametrize(("name", "form"), BAD_SHAPES, ids=[b[0] for b in BAD_SHAPES])
def test_check_form_refuses_bad_shapes(name: str, form: Any) -> None:
    with pytest.raises(ValueError):
        check_form(form)


def test_check_form_accepts_the_browser_shape() -> None:
    form = {"bio": "x", "email_notifications": True, "theme": "dark"}
    assert check_form(form) == {"bio": "x", "email_notifications": "on", "theme": "dark"}
    assert check_form({"bio": "x"})["email_notifications"] == ""  # unticked box
