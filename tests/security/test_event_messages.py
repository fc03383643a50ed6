"""What the browser receives for a page's events, counted over a real socket.

* a save is one websocket message: the changed vars and the status line beside the
  button in the same delta (no toast, no second message);
* the page's language is a plain var set when the socket hydrates (from its
  ``Accept-Language``), not a computed var reading the router: a navigation sends
  nothing for it.
"""

from __future__ import annotations

import pytest

from clerk_app.state.ui import UIState
from tests.security.conftest import MEMBERS, UI, Arena
from tests.support.reflex_client import ROOT_STATE

ON_LOAD_INTERNAL = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"


def test_the_language_is_a_plain_var_that_depends_on_no_router_var():
    assert "lang" not in UIState.computed_vars
    assert "lang" in UIState.base_vars


async def test_a_save_is_one_message(arena: Arena) -> None:
    user = arena.new_user("onemessage")
    client = await arena.signed_in(arena.token(user["id"], lifetime_s=3600))
    try:
        form = {"bio": "One message.", "theme": "dark", "language": "en"}
        answer = await client.call(
            f"{MEMBERS}.save_profile", {"form_data": form}, pathname="/members", settle_s=0.5
        )
        assert len(answer) == 1, answer
        delta = answer[0]["delta"]
        members = delta[MEMBERS]
        assert members["status_rx_state_"] and members["status_ok_rx_state_"] is True
        assert members["profile_rx_state_"]["bio"] == "One message."
        assert delta[UI]["lang_rx_state_"] == "en"  # the saved language, same message
        assert not answer[0].get("events")  # no toast
    finally:
        await client.close()


@pytest.mark.parametrize(("header", "lang"), [("en-GB,en;q=0.8", "en"), ("fr-FR", "fr")])
async def test_the_browser_language_arrives_with_the_hydration_and_not_again(
    arena: Arena, header: str, lang: str
) -> None:
    client = await arena.client("/", headers={"Accept-Language": header})
    try:
        assert client.get(UI, "lang") == lang
        for path in ("/sign-in", "/"):
            answer = await client.call(ON_LOAD_INTERNAL, pathname=path)
            assert all(UI not in (m.get("delta") or {}) for m in answer), answer
    finally:
        await client.close()
