"""/members never throws away what the user typed.

The form is uncontrolled: what it holds is only in the browser, and ``form_key``
re-mounting it with stored values would wipe it. These tests drive ``MembersState``
with the use cases replaced by a stand-in database of one profile, and check when the
form is re-mounted (``form_key``), when the user is asked instead (``stale``), what a
refused save leaves on screen, and what a re-checked session does to a shown form.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from clerk_app import members, services
from clerk_app.models import UserPublic, utcnow
from clerk_app.pages.members.state import MembersState
from clerk_app.state.auth import AuthState
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


class Stored:
    """The stored profile the stand-in use cases read and write."""

    def __init__(self) -> None:
        now = utcnow()
        self.profile = UserPublic(
            id="id1", email="grace@example.com", created_at=now, updated_at=now, synced_at=now
        )
        self.clerk_current = True
        self.saves: list[dict] = []

    def change(self, **fields) -> None:
        """Another tab (or device) saved, or Clerk's side moved."""
        later = self.profile.updated_at + timedelta(seconds=1)
        self.profile = self.profile.model_copy(update={**fields, "updated_at": later})


@pytest.fixture
def stored(monkeypatch) -> Stored:
    stored = Stored()

    async def load_member(user_id, claims):
        return stored.profile, stored.clerk_current

    async def save_profile(user_id, form, *, shown=None, expected=None):
        stored.saves.append({"form": form, "shown": shown, "expected": expected})
        if stored.profile.bio != (expected or {}).get("bio", stored.profile.bio):
            raise members.ProfileChanged(stored.profile)
        stored.change(bio=form["bio"] or None)
        return stored.profile, {}

    monkeypatch.setattr(members, "load_member", load_member)
    monkeypatch.setattr(members, "save_profile", save_profile)
    return stored


@pytest.fixture
async def tab(monkeypatch):
    """A tab signed in as one user, /members not yet loaded."""
    with emulator() as emu:
        user = emu.create_user("grace@example.com")
        verifier = verifier_for(emu)
        monkeypatch.setattr(services, "get_verifier", lambda: verifier)
        root = new_tab()
        await call(
            AuthState.set_session, substate(root, AuthState), emu.mint_token(user["id"], azp=ORIGIN)
        )
        yield root


def _members(root) -> MembersState:
    return substate(root, MembersState)


async def test_a_refused_save_keeps_the_form_and_each_message_until_its_field_is_edited(
    tab, monkeypatch
):
    state = _members(tab)

    async def refuse(user_id, form, **base):
        return None, {"website": "invalid_url", "twitter": "invalid_handle"}

    monkeypatch.setattr(members, "save_profile", refuse)
    key = state.form_key
    await call(MembersState.save_profile, state, {"bio": "typed", "website": "javascript:x"})
    assert state.form_key == key  # not re-mounted: every typed value stays
    assert set(state.errors) == {"website", "twitter"}
    assert state.status and not state.status_ok

    # A late report of the refused value itself (typing paused before the save): no change.
    await call(MembersState.field_edited, state, "website", "javascript:x")
    assert set(state.errors) == {"website", "twitter"} and state.status
    await call(MembersState.field_edited, state, "website", "https://example.com")
    assert set(state.errors) == {"twitter"}  # only the edited field's message goes
    assert state.status == ""
    await call(MembersState.field_edited, state, ["not", "a", "name"], "x")  # forged: ignored
    await call(MembersState.field_edited, state, "twitter", {"not": "text"})
    assert set(state.errors) == {"twitter"}


async def test_a_save_reports_beside_the_button_and_keeps_the_form_it_stored(tab, stored):
    """Stored as typed: the form already shows it; its defaults move, no re-mount."""
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key
    form = {**state.profile, "bio": "Wrote a compiler."}
    events = await call(MembersState.save_profile, state, form)
    assert events == []  # nothing but the delta: no toast, no second message
    assert state.status_ok and state.status
    assert state.form_key == key and state.profile["bio"] == "Wrote a compiler."
    # The debounced report of what was just saved arrives late: "saved" stays.
    await call(MembersState.field_edited, state, "bio", "Wrote a compiler.")
    await call(MembersState.field_edited, state, "email_notifications", True)  # as saved
    assert state.status_ok and state.status
    await call(MembersState.field_edited, state, "email_notifications", False)  # unticked now
    assert state.status == ""
    assert stored.saves[-1]["shown"]["bio"] == ""  # a guarded save: what the form showed
    assert stored.saves[-1]["expected"]["bio"] is None


async def test_a_load_with_other_values_asks_the_browser_before_replacing_the_form(tab, stored):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key, shown = state.form_key, dict(state.profile)
    stored.change(company="Saved in another tab")

    events = await call(MembersState.on_load, state)
    assert "pending_seen" in str(events)  # asked, not replaced
    assert state.form_key == key and state.profile == shown

    await call(MembersState.pending_seen, state, False)  # no unsaved edits: replace
    assert state.form_key == key + 1
    assert state.profile["company"] == "Saved in another tab"
    assert state.stale == ""


async def test_unsaved_edits_and_other_values_let_the_user_choose(tab, stored):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key
    stored.change(company="Saved in another tab")
    await call(MembersState.on_load, state)

    await call(MembersState.pending_seen, state, True)  # the user is typing
    assert state.stale == "load" and state.form_key == key  # told, nothing replaced

    await call(MembersState.use_stored, state)
    assert state.stale == "" and state.form_key == key + 1
    assert state.profile["company"] == "Saved in another tab"


async def test_keeping_my_edits_rebases_the_next_save_without_replacing_the_form(tab, stored):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key
    stored.change(company="Saved in another tab")
    await call(MembersState.on_load, state)
    await call(MembersState.pending_seen, state, True)

    events = await call(MembersState.keep_mine, state)
    assert state.stale == "" and state.form_key == key
    assert "requestSubmit" not in str(events)  # seen on a load: the user saves when ready
    assert state._expected["company"] == "Saved in another tab"
    assert state.profile["company"] == ""  # what the form shows is unchanged


async def test_a_save_refused_as_changed_elsewhere_keeps_the_form_then_saves_on_request(
    tab, stored
):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key
    stored.change(bio="Saved in another tab")  # the same field this tab is editing

    form = {**state.profile, "bio": "Typed here"}
    await call(MembersState.save_profile, state, form)
    assert state.stale == "save" and not state.status_ok
    assert state.form_key == key  # the typed bio stays in the form
    assert stored.profile.bio == "Saved in another tab"

    events = await call(MembersState.keep_mine, state)
    assert "requestSubmit" in str(events)  # the same save again, over the stored values
    await call(MembersState.save_profile, state, form)
    assert stored.profile.bio == "Typed here" and state.status_ok


async def test_only_clerks_side_moving_never_remounts_the_form(tab, stored):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key
    stored.change(first_name="Grace", last_name="Hopper")
    events = await call(MembersState.on_load, state)
    assert "pending_seen" not in str(events)
    assert state.form_key == key and state.clerk["full_name"] == "Grace Hopper"


async def test_a_session_recheck_hides_the_form_without_unmounting_it(tab, stored):
    state = _members(tab)
    await call(MembersState.on_load, state)
    auth = substate(tab, AuthState)
    auth._reported_on = "an-earlier-socket"  # a reconnect: this socket has not reported

    key = state.form_key
    await call(MembersState.on_load, state)
    assert state.checking and state.loaded  # hidden, still mounted

    auth._reported_on = auth._socket()  # the bridge reported the same session again
    await call(MembersState.on_load, state)
    assert not state.checking and state.loaded
    assert state.form_key == key  # the same form, with what was typed in it


async def test_the_stored_copy_is_named_when_clerk_cannot_be_reached(tab, stored):
    state = _members(tab)
    stored.clerk_current = False
    await call(MembersState.on_load, state)
    assert state.loaded and state.clerk_current is False
    stored.clerk_current = True
    await call(MembersState.on_load, state)  # the notice's retry button
    assert state.clerk_current is True


async def test_a_save_the_rules_rewrote_remounts_the_form_with_the_stored_values(
    tab, stored, monkeypatch
):
    state = _members(tab)
    await call(MembersState.on_load, state)
    key = state.form_key

    async def save_profile(user_id, form, *, shown=None, expected=None):
        stored.change(bio=form["bio"].strip())  # as the rules store it
        return stored.profile, {}

    monkeypatch.setattr(members, "save_profile", save_profile)
    await call(MembersState.save_profile, state, {**state.profile, "bio": "  Compilers.  "})
    assert state.form_key == key + 1 and state.profile["bio"] == "Compilers."
    assert state.status_ok and state.status
