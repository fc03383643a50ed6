"""Profile form validation, the user id, and the table definitions (no database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_app.models import User, UTCDateTime, new_user_id
from clerk_app.profile import ERROR_CODES, ProfileUpdate, validate_profile


def ok(form):
    update, errors = validate_profile(form)
    assert errors == {}, errors
    return update.model_dump(exclude_unset=True)


def error(form):
    update, errors = validate_profile(form)
    assert update is None
    return errors


# -- text fields -------------------------------------------------------------------------


def test_text_is_stripped_and_empty_means_clear():
    assert ok({"company": "  ACME  ", "location": "   ", "job_title": ""}) == {
        "company": "ACME",
        "location": None,
        "job_title": None,
    }


def test_only_submitted_fields_are_part_of_the_update():
    assert ok({"bio": "Hi", "submit": "Save", "id": "x"}) == {"bio": "Hi"}


def test_lengths_bio_500_others_100():
    assert ok({"bio": "é" * 500})["bio"] == "é" * 500
    assert error({"bio": "x" * 501}) == {"bio": "too_long"}
    assert ok({"company": "x" * 100})["company"] == "x" * 100
    assert error({"company": "x" * 101, "location": "y" * 101}) == {
        "company": "too_long",
        "location": "too_long",
    }
    # Measured after stripping.
    assert ok({"job_title": "  " + "x" * 100 + "  "})["job_title"] == "x" * 100


def test_bio_keeps_line_breaks_normalised():
    assert ok({"bio": "one\r\ntwo\rthree\u2028four\tfive"})["bio"] == "one\ntwo\nthree\nfour\tfive"


@pytest.mark.parametrize(
    "value",
    [
        "nul\x00byte",
        "bell\x07",
        "esc\x1b[31m",
        "del\x7f",
        "c1\x85control",
        "line\nbreak",
        "rtl\u202eoverride",
        "isolate\u2066x\u2069",
        "embed\u202ax",
        "sep\u2028x",
        "surrogate\ud800",
    ],
)
def test_control_and_bidi_override_characters_are_refused(value):
    assert error({"company": value}) == {"company": "invalid_characters"}


def test_bio_refuses_controls_but_not_newlines():
    assert error({"bio": "a\x00b"}) == {"bio": "invalid_characters"}
    assert error({"bio": "a\u202eb"}) == {"bio": "invalid_characters"}


def test_ordinary_unicode_is_accepted():
    text = "Zoë 🇫🇷 Ünïcødé עברית‎ 👩‍💻"  # includes an RLM mark and a ZWJ sequence
    assert ok({"location": text})["location"] == text


def test_non_text_values_are_invalid():
    assert error({"company": 42}) == {"company": "invalid_value"}


# -- URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_url", "stored"),
    [
        ("https://ada.example.com", "https://ada.example.com"),
        ("http://ada.example.com/path?q=1#top", "http://ada.example.com/path?q=1#top"),
        ("HTTPS://Example.com/A", "https://Example.com/A"),
        ("example.com", "https://example.com"),
        ("www.example.com/me", "https://www.example.com/me"),
        ("example.com:8080/x", "https://example.com:8080/x"),
        ("https://bücher.example", "https://bücher.example"),
    ],
)
def test_http_urls_are_accepted_and_normalised(given_url, stored):
    assert ok({"website": given_url})["website"] == stored
    assert ok({"linkedin": given_url})["linkedin"] == stored


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.com",
        "mailto:ada@example.com",
        "https://good.com@evil.com",
        "https://user:pass@example.com",
        "https://",
        "https://localhost",
        "https://exa mple.com",
        "https://example.com/<script>",
        "https://example.com\\@evil.com",
        "https://-bad-.com",
        "https://example.com:99999",
        "not a url",
    ],
)
def test_non_http_and_malformed_urls_are_refused(bad):
    assert error({"website": bad}) == {"website": "invalid_url"}
    assert error({"linkedin": bad}) == {"linkedin": "invalid_url"}


def test_a_control_character_hidden_in_a_scheme_is_refused():
    assert error({"website": "java\tscript:alert(1)"}) == {"website": "invalid_characters"}
    assert error({"website": "java\x00script:alert(1)"}) == {"website": "invalid_characters"}


def test_url_length_is_checked_after_normalisation():
    long_host = "a" * 60 + ".com/" + "p" * 28  # 93 characters, 101 with https://
    assert error({"website": long_host}) == {"website": "too_long"}


# -- handles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "ada_lovelace",
        "@ada_lovelace",
        "https://twitter.com/ada_lovelace",
        "https://x.com/ada_lovelace",
        "http://www.twitter.com/ada_lovelace/",
        "https://mobile.twitter.com/ada_lovelace?lang=fr",
        "x.com/ada_lovelace",
        "twitter.com/@ada_lovelace",
    ],
)
def test_twitter_handles_are_normalised_to_the_name(value):
    assert ok({"twitter": value})["twitter"] == "ada_lovelace"


@pytest.mark.parametrize(
    "value",
    [
        "torvalds",
        "@torvalds",
        "https://github.com/torvalds",
        "github.com/torvalds/",
        "https://www.github.com/torvalds#readme",
    ],
)
def test_github_handles_are_normalised_to_the_name(value):
    assert ok({"github": value})["github"] == "torvalds"


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("twitter", "has space"),
        ("twitter", "a" * 16),
        ("twitter", "dash-not-allowed"),
        ("twitter", "@"),
        ("twitter", "https://evil.com/ada"),
        ("twitter", "https://github.com/ada"),
        ("twitter", "https://x.com/ada/status/1"),
        ("twitter", "https://x.com/"),
        ("twitter", "javascript:alert(1)"),
        ("github", "-leading"),
        ("github", "trailing-"),
        ("github", "double--dash"),
        ("github", "under_score"),
        ("github", "a" * 40),
        ("github", "https://twitter.com/ada"),
        ("github", "https://github.com/ada/repo"),
        ("github", "ftp://github.com/ada"),
    ],
)
def test_invalid_handles_are_refused(field, bad):
    assert error({field: bad}) == {field: "invalid_handle"}


def test_github_allows_single_dashes_up_to_39():
    assert ok({"github": "a-b-c"})["github"] == "a-b-c"
    assert ok({"github": "a" * 39})["github"] == "a" * 39


# -- choices -----------------------------------------------------------------------------


def test_theme_and_language_choices():
    assert ok({"theme": " Dark ", "language": "EN"}) == {"theme": "dark", "language": "en"}
    assert ok({"theme": "system"})["theme"] == "system"
    assert error({"theme": "blue", "language": "de"}) == {
        "theme": "invalid_choice",
        "language": "invalid_choice",
    }
    assert error({"theme": ""}) == {"theme": "invalid_choice"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("on", True), ("true", True), ("", False), ("off", False)],
)
def test_email_notifications_accepts_checkbox_values(value, expected):
    assert ok({"email_notifications": value})["email_notifications"] is expected


def test_email_notifications_refuses_garbage():
    assert error({"email_notifications": "maybe"}) == {"email_notifications": "invalid_value"}


def test_every_error_is_reported_per_field_with_a_known_code():
    errors = error(
        {
            "bio": "x" * 600,
            "website": "javascript:alert(1)",
            "twitter": "no spaces allowed",
            "theme": "neon",
            "company": "\x00",
            "email_notifications": "perhaps",
        }
    )
    assert errors == {
        "bio": "too_long",
        "website": "invalid_url",
        "twitter": "invalid_handle",
        "theme": "invalid_choice",
        "company": "invalid_characters",
        "email_notifications": "invalid_value",
    }
    assert set(errors.values()) <= set(ERROR_CODES)


def test_profile_update_validates_direct_construction_too():
    with pytest.raises(ValueError):
        ProfileUpdate(website="javascript:alert(1)")


@given(st.dictionaries(st.sampled_from(list(ProfileUpdate.model_fields)), st.text(max_size=600)))
def test_any_text_input_gives_an_update_or_known_errors(form):
    update, errors = validate_profile(form)
    assert (update is None) == bool(errors)
    assert set(errors) <= set(form) and set(errors.values()) <= set(ERROR_CODES)
    if update is not None:
        for field, value in update.model_dump(exclude_unset=True).items():
            if isinstance(value, str):
                assert value == value.strip() and value
                assert len(value) <= (500 if field == "bio" else 100)
                assert "\x00" not in value and "\u202e" not in value
            if field in ("website", "linkedin") and value is not None:
                assert re.match(r"https?://", value)


# -- table shapes ------------------------------------------------------------------------


def test_user_ids_are_short_url_safe_and_unique():
    ids = {new_user_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{21}", value) for value in ids)


def test_user_defaults_and_unique_constraints():
    user = User(clerk_id="user_1", email="a@example.com")
    assert (user.theme, user.language, user.email_notifications) == ("light", "fr", True)
    assert user.created_at.tzinfo is UTC and not user.deleted_at is not None
    table = User.__table__
    unique = {tuple(c.name for c in con.columns) for con in table.constraints if con.name}
    assert {("clerk_id",), ("email",), ("username",)} <= unique
    assert table.c.email.nullable and table.c.username.nullable and not table.c.clerk_id.nullable
    for column in ("id", "theme", "language", "email_notifications", "created_at", "updated_at"):
        assert table.c[column].server_default is not None, column


def test_utc_datetime_normalises_and_refuses_naive_values():
    kind = UTCDateTime()
    paris = timezone(timedelta(hours=1))
    stored = kind.process_bind_param(datetime(2026, 1, 1, 13, tzinfo=paris), None)
    assert stored == datetime(2026, 1, 1, 12, tzinfo=UTC) and stored.tzinfo is UTC
    with pytest.raises(ValueError):
        kind.process_bind_param(datetime(2026, 1, 1), None)
    assert kind.process_result_value(datetime(2026, 1, 1), None).tzinfo is UTC
