"""Local sign-up: the emulator refuses in Clerk's English; the form says it in the UI's language.

Each case goes through the real emulator, which answers with Clerk's error codes;
the message shown is the app's translation of that code, in French and in English,
and nothing is created.
"""

from __future__ import annotations

import pytest

from clerk_app import i18n, services
from clerk_app.local_accounts import MAX_FIELD
from clerk_app.state.local_auth import LocalAuthState
from clerk_app.state.ui import UIState
from clerk_emulator.errors import EmulatorError
from tests.support.reflex_states import call, emulator, new_tab, substate


@pytest.fixture
def emu(monkeypatch):
    with emulator() as emu:
        monkeypatch.setattr(services, "get_local_emulator", lambda: emu)
        emu.create_user("grace@example.com", username="grace")
        yield emu


async def _sign_up(lang: str, form: dict[str, str]) -> str:
    root = new_tab()
    substate(root, UIState).lang = lang
    state = substate(root, LocalAuthState)
    events = await call(LocalAuthState.sign_up, state, form)
    assert events == []  # no session opened, no redirect
    return state.error


CASES = [
    ({"email": "lin@example.com", "username": "abc"}, "err_username_length"),
    ({"email": "lin@example.com", "username": "lin wei"}, "err_username_characters"),
    ({"email": "lin@example.com", "username": "Grace"}, "err_username_taken"),
    # Passes the form's own check; the emulator (like Clerk) refuses the trailing dot.
    ({"email": "lin@example.c."}, "err_email"),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("form", "key"), CASES)
async def test_emulator_refusals_are_shown_in_the_users_language(emu, lang, form, key):
    before = emu.count_users()
    error = await _sign_up(lang, form)
    assert error == i18n.text(lang, key)
    assert emu.count_users() == before


async def test_the_french_message_is_not_the_emulators_english(emu):
    error = await _sign_up("fr", {"email": "lin@example.com", "username": "abc"})
    assert error == "Le nom d'utilisateur doit compter entre 4 et 64 caractères."
    assert "Username must be" not in error


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_too_long_field_says_so(emu, lang):
    error = await _sign_up(lang, {"email": "lin@example.com", "first_name": "x" * (MAX_FIELD + 1)})
    assert error == i18n.text(lang, "err_local_too_long", limit=MAX_FIELD)
    assert str(MAX_FIELD) in error


async def test_an_unmapped_refusal_shows_its_code_not_clerks_english(emu, monkeypatch):
    def refuse(*args, **kwargs):
        raise EmulatorError(422, "form_some_new_rule", "Some English sentence.")

    monkeypatch.setattr(emu, "create_user", refuse)
    error = await _sign_up("fr", {"email": "lin@example.com"})
    assert error == i18n.text("fr", "err_local_failed", detail="form_some_new_rule")
    assert "Some English" not in error
