"""Mapping Clerk's user JSON to our fields, and deriving usernames (no database)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_app.sync import UserWithoutEmail, clerk_user_data, derive_username
from tests.support.factories import clerk_user


def test_extracts_the_clerk_managed_fields():
    clerk = clerk_user(
        emails=["first@example.com", " Primary@Example.COM "],
        primary=1,
        username=" Ada_L ",
        first_name=" Ada ",
        last_name="",
        image_url="https://img.clerk.com/x",
    )
    data = clerk_user_data(clerk)
    assert data.clerk_id == clerk["id"]
    assert data.email == "primary@example.com"
    assert data.username == "ada_l"
    assert (data.first_name, data.last_name) == ("Ada", None)
    assert data.image_url == "https://img.clerk.com/x"
    assert data.updated_at == clerk["updated_at"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"emails": [], "primary": None},
        {"primary": None},
        {"primary_email_address_id": "idn_gone"},
        {"emails": [""]},
        {"emails": ["x" * 320 + "@example.com"]},
    ],
)
def test_no_usable_primary_address(overrides):
    with pytest.raises(UserWithoutEmail):
        clerk_user_data(clerk_user(**overrides))


def test_a_payload_without_id_is_refused():
    with pytest.raises(ValueError):
        clerk_user_data({"email_addresses": []})


@pytest.mark.parametrize(
    ("email", "username"),
    [
        ("john@a.com", "john"),
        ("John.Doe@a.com", "john_doe"),
        ("john+news@a.com", "john"),
        ("élodie@a.com", "elodie"),
        ("a--b..c@a.com", "a_b_c"),
        ("__x__@a.com", "x"),
        ("李@a.com", "user"),
        ("+tag@a.com", "user"),
        ("x" * 40 + "@a.com", "x" * 24),
    ],
)
def test_derive_username(email, username):
    assert derive_username(email) == username


@given(st.emails())
def test_derived_usernames_are_always_valid(email):
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9_]{0,22}[a-z0-9])?", derive_username(email))
