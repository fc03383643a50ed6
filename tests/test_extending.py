"""docs/extending.md's worked example, run as written: a table linked to the user, and
a page only signed-in users may open.

The code blocks are taken from the document itself and executed in a fresh Python
process (a new table must not leak into this process's metadata, which the migration
tests compare with the migrations), as modules ``clerk_app.notes`` and
``clerk_app.pages.notes``, on a migrated SQLite database. The page's state is driven
the way Reflex calls it; the referee is what each user sees and what is stored.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "extending.md"


def _blocks() -> dict[str, str]:
    """The document's Python blocks, by the file their first line names."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    named = {}
    for block in blocks:
        first = block.splitlines()[0]
        if first.startswith("# clerk_app/"):
            named[first[2:].strip()] = block
    return named


SCRIPT = r"""
import asyncio, sys, types

import clerk_app, clerk_app.pages, clerk_app.routes as routes
from clerk_app import db, schema, services

blocks = {blocks!r}
exec(blocks["clerk_app/routes.py"], routes.__dict__)
for path, name, parent in (
    ("clerk_app/notes.py", "clerk_app.notes", clerk_app),
    ("clerk_app/pages/notes.py", "clerk_app.pages.notes", clerk_app.pages),
):
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    setattr(parent, name.rsplit(".", 1)[1], module)
    exec(compile(blocks[path], path, "exec"), module.__dict__)

from clerk_app.notes import Note
from clerk_app.pages.notes import NotesState, page
from clerk_app.state.auth import AuthState
from clerk_app.clerk.events import ClerkEvent
from clerk_app.sync import sync_user
from clerk_app.webhooks import apply_event
from tests.support.reflex_states import ORIGIN, call, emulator, new_tab, substate, verifier_for

schema.upgrade()
Note.__table__.create(db.get_engine())  # what the "notes" migration does


async def tab(token=None):
    root = new_tab()
    auth = substate(root, AuthState)
    if token is None:
        await call(AuthState.clear_session, auth)
    else:
        await call(AuthState.set_session, auth, token)
    return substate(root, NotesState)


async def main():
    with emulator() as emu:
        ada, bob = emu.create_user("ada@example.com"), emu.create_user("bob@example.com")
        verifier = verifier_for(emu)
        services.get_verifier = lambda: verifier
        with db.new_session() as session:  # the rows /welcome's sync creates
            sync_user(session, ada)
            sync_user(session, bob)
            session.commit()

        visitor = await tab()
        answer = str(await call(NotesState.on_load, visitor))
        assert "/sign-in?redirect_url=/notes" in answer, answer
        assert "/sign-in" in str(await call(NotesState.add, visitor, {{"text": "x"}}))

        as_ada = await tab(emu.mint_token(ada["id"], azp=ORIGIN))
        await call(NotesState.on_load, as_ada)
        assert as_ada.notes == []
        await call(NotesState.add, as_ada, {{"text": "  first  ", "user_id": bob["id"]}})
        await call(NotesState.add, as_ada, {{"text": "second"}})
        assert as_ada.notes == ["first", "second"], as_ada.notes
        await call(NotesState.add, as_ada, {{"text": ""}})
        assert as_ada.error and as_ada.notes == ["first", "second"]

        as_bob = await tab(emu.mint_token(bob["id"], azp=ORIGIN))
        await call(NotesState.on_load, as_bob)
        assert as_bob.notes == [], as_bob.notes  # nothing of Ada's

        await call(NotesState.add, as_bob, {{"text": "bob's"}})
        # Ada deleted in Clerk: the webhook tombstones her, then the doc's hook runs.
        deleted = ClerkEvent("user.deleted", {{"id": ada["id"], "deleted": True}})
        apply_event(db.new_session, "msg_ada_deleted", deleted)
        await call(NotesState.add, as_ada, {{"text": "after deletion"}})
        with db.get_engine().connect() as conn:
            texts = [row.text for row in conn.execute(Note.__table__.select())]
        assert texts == ["bob's"], texts  # hers are gone, nothing added for a deleted user

    page()  # the page renders
    print("extending example: ok")


asyncio.run(main())
"""


def test_the_extending_guide_runs_as_written(tmp_path):
    blocks = _blocks()
    assert set(blocks) == {"clerk_app/notes.py", "clerk_app/routes.py", "clerk_app/pages/notes.py"}
    env = {**os.environ, "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'notes.db'}"}
    env["CLERK_EMULATOR_DIR"] = str(tmp_path / "emulator")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(blocks=blocks)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "extending example: ok" in result.stdout
