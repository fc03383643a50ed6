"""Strings in both languages, the browser-language pick, and safe redirect targets."""

from __future__ import annotations

import pytest

from clerk_app import i18n, routes


def test_both_languages_have_every_key_and_no_empty_string():
    assert set(i18n.FR) == set(i18n.EN)
    assert all(i18n.FR.values()) and all(i18n.EN.values())


def test_placeholders_match_between_languages():
    import string

    fields = lambda text: {name for _, name, _, _ in string.Formatter().parse(text) if name}  # noqa: E731
    for key in i18n.FR:
        assert fields(i18n.FR[key]) == fields(i18n.EN[key]), key


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,en;q=0.5,fr;q=0.7", "fr"),
        ("de-DE,en;q=0.5", "en"),
        ("de-DE", "fr"),
        ("", "fr"),
        (None, "fr"),
        ("en;q=0", "fr"),
        ("en;q=abc,fr;q=0.1", "fr"),
    ],
)
def test_signed_out_visitors_get_their_browser_language(header, lang):
    assert i18n.from_accept_language(header) == lang


def test_text_formats_and_falls_back_to_french():
    assert i18n.text("en", "err_too_long", limit=100) == "Too long (at most 100 characters)."
    assert i18n.text("xx", "save") == "Enregistrer"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/members", "/members"),
        ("/members?x=1", "/members"),
        ("https://evil.example/members", None),
        ("//evil.example/members", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("/not-a-page", None),
        (7, None),
    ],
)
def test_redirect_targets_are_only_our_own_pages(value, expected):
    assert routes.safe_next(value) == expected


def test_sign_in_url_remembers_where_to_come_back():
    assert routes.sign_in_url(routes.MEMBERS) == "/sign-in?redirect_url=/members"
    assert routes.sign_in_url("https://evil.example") == routes.SIGN_IN
