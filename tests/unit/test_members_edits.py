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

from clerk_app import account, services
from clerk_app.models import UserPublic, utcnow
from clerk_app.state.auth import AuthState
from clerk_app.state.members import MembersState
from tests.unit.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for


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
            raise account.ProfileChanged(stored.profile)
        stored.change(bio=form["bio"] or None)
        return stored.profile, {}

    monkeypatch.setattr(account, "load_member", load_member)
    monkeypatch.setattr(account, "save_profile", save_profile)
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
    members = _members(tab)

    async def refuse(user_id, form, **base):
        return None, {"website": "invalid_url", "twitter": "invalid_handle"}

    monkeypatch.setattr(account, "save_profile", refuse)
    key = members.form_key
    await call(MembersState.save_profile, members, {"bio": "typed", "website": "javascript:x"})
    assert members.form_key == key  # not re-mounted: every typed value stays
    assert set(members.errors) == {"website", "twitter"}
    assert members.status and not members.status_ok

    await call(MembersState.field_edited, members, "website")
    assert set(members.errors) == {"twitter"}  # only the edited field's message goes
    assert members.status == ""
    await call(MembersState.field_edited, members, ["not", "a", "name"])  # forged: ignored
    assert set(members.errors) == {"twitter"}


async def test_a_save_reports_beside_the_button_and_remounts_with_the_stored_values(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key = members.form_key
    form = {**members.profile, "bio": "Wrote a compiler."}
    events = await call(MembersState.save_profile, members, form)
    assert not any("toast" in str(e) for e in events)  # nothing floats over the form
    assert members.status_ok and members.status
    assert members.form_key == key + 1 and members.profile["bio"] == "Wrote a compiler."
    assert stored.saves[-1]["shown"]["bio"] == ""  # a guarded save: what the form showed
    assert stored.saves[-1]["expected"]["bio"] is None


async def test_a_load_with_other_values_asks_the_browser_before_replacing_the_form(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key, shown = members.form_key, dict(members.profile)
    stored.change(company="Saved in another tab")

    events = await call(MembersState.on_load, members)
    assert "pending_seen" in str(events)  # asked, not replaced
    assert members.form_key == key and members.profile == shown

    await call(MembersState.pending_seen, members, False)  # no unsaved edits: replace
    assert members.form_key == key + 1
    assert members.profile["company"] == "Saved in another tab"
    assert members.stale == ""


async def test_unsaved_edits_and_other_values_let_the_user_choose(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key = members.form_key
    stored.change(company="Saved in another tab")
    await call(MembersState.on_load, members)

    await call(MembersState.pending_seen, members, True)  # the user is typing
    assert members.stale == "load" and members.form_key == key  # told, nothing replaced

    await call(MembersState.use_stored, members)
    assert members.stale == "" and members.form_key == key + 1
    assert members.profile["company"] == "Saved in another tab"


async def test_keeping_my_edits_rebases_the_next_save_without_replacing_the_form(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key = members.form_key
    stored.change(company="Saved in another tab")
    await call(MembersState.on_load, members)
    await call(MembersState.pending_seen, members, True)

    events = await call(MembersState.keep_mine, members)
    assert members.stale == "" and members.form_key == key
    assert "requestSubmit" not in str(events)  # seen on a load: the user saves when ready
    assert members._expected["company"] == "Saved in another tab"
    assert members.profile["company"] == ""  # what the form shows is unchanged


async def test_a_save_refused_as_changed_elsewhere_keeps_the_form_then_saves_on_request(
    tab, stored
):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key = members.form_key
    stored.change(bio="Saved in another tab")  # the same field this tab is editing

    form = {**members.profile, "bio": "Typed here"}
    await call(MembersState.save_profile, members, form)
    assert members.stale == "save" and not members.status_ok
    assert members.form_key == key  # the typed bio stays in the form
    assert stored.profile.bio == "Saved in another tab"

    events = await call(MembersState.keep_mine, members)
    assert "requestSubmit" in str(events)  # the same save again, over the stored values
    await call(MembersState.save_profile, members, form)
    assert stored.profile.bio == "Typed here" and members.status_ok


async def test_only_clerks_side_moving_never_remounts_the_form(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    key = members.form_key
    stored.change(first_name="Grace", last_name="Hopper")
    events = await call(MembersState.on_load, members)
    assert "pending_seen" not in str(events)
    assert members.form_key == key and members.clerk["full_name"] == "Grace Hopper"


async def test_a_session_recheck_hides_the_form_without_unmounting_it(tab, stored):
    members = _members(tab)
    await call(MembersState.on_load, members)
    auth = substate(tab, AuthState)
    auth._reported_on = "an-earlier-socket"  # a reconnect: this socket has not reported

    key = members.form_key
    await call(MembersState.on_load, members)
    assert members.checking and members.loaded  # hidden, still mounted

    auth._reported_on = auth._socket()  # the bridge reported the same session again
    await call(MembersState.on_load, members)
    assert not members.checking and members.loaded
    assert members.form_key == key  # the same form, with what was typed in it


async def test_the_stored_copy_is_named_when_clerk_cannot_be_reached(tab, stored):
    members = _members(tab)
    stored.clerk_current = False
    await call(MembersState.on_load, members)
    assert members.loaded and members.clerk_current is False
    stored.clerk_current = True
    await call(MembersState.on_load, members)  # the notice's retry button
    assert members.clerk_current is True
