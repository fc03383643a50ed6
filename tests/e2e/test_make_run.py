"""``make run`` as a newcomer lives in it: a plain copy of the checkout, hot reload on.

The other browser tests start the app with reload off and data elsewhere (see
:mod:`tests.support.app_server` for why); this one runs the README's command itself (see
:mod:`tests.support.make_run`) and spends time on /members the way a person does: signs
up, makes a refused save, fixes it, then leaves the tab open. While the app writes its
SQLite database (WAL files included), its emulator files and its logs, the dev server
must not restart: a restart drops the tab's websocket, the page re-hydrates, and what
the user typed is at risk. A code edit, at the end, must still restart it.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import WebSocket, expect

from tests.e2e.conftest import db_rows, sign_up, unique_email
from tests.security.browser import field, save
from tests.support.app_server import free_port, stop_app
from tests.support.make_run import MakeRun, copy_checkout

pytestmark = pytest.mark.browser

BIO = "Ingénieure, j'écris des compilateurs."
COMPANY = "Analytical Engines SA"
REFUSED_WEBSITE = "javascript:alert(1)"
WEBSITE = "https://example.com/ada"
SAVED = ("bio", "company", "website")
#: How long the tab stays open on /members, idle, at the end.
IDLE_S = 30
#: A restart caused by a code edit: noticed by the watcher, then a compile.
RELOAD_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    stop_app()  # the session's app: its .web is copied below, and the CPU is shared
    workdir = tmp_path_factory.mktemp("make-run")
    checkout = copy_checkout(workdir / "clerk_app")
    app = MakeRun(checkout, free_port(), free_port(), log_path=workdir / "make-run.log")
    yield app.start()
    app.stop()


def _reflex_sockets(sockets: list[WebSocket]) -> list[WebSocket]:
    # Vite's hot-module socket is the dev frontend's own; Reflex's state socket is /_event.
    return [socket for socket in sockets if "/_event" in socket.url]


def _saved(app: MakeRun, email: str) -> tuple:
    (row,) = db_rows(app, email=email)
    return tuple(row[name] for name in SAVED)


def _wait_until(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_make_run_keeps_its_backend_its_socket_and_the_typed_input(make_run, new_context):
    assert make_run.compiles() == 1, make_run.log_tail()
    assert (make_run.checkout / ".data" / "reflex.db").is_file()  # the default location
    page = new_context().new_page()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    email = unique_email("newcomer")
    sign_up(page, make_run, email, "Ada", "Lovelace")
    on_members = _reflex_sockets(sockets)
    live = [socket for socket in on_members if not socket.is_closed()]
    assert len(live) == 1, [socket.url for socket in on_members]

    # A refused save keeps what was typed and says why under the field.
    field(page, "bio").fill(BIO)
    field(page, "company").fill(COMPANY)
    field(page, "website").fill(REFUSED_WEBSITE)
    save(page)
    expect(page.locator("#error-website")).to_be_visible()
    expect(field(page, "bio")).to_have_value(BIO)
    expect(field(page, "company")).to_have_value(COMPANY)
    expect(field(page, "website")).to_have_value(REFUSED_WEBSITE)
    (row,) = db_rows(make_run, email=email)
    assert not any(row[name] for name in SAVED), row  # nothing of a refused save is stored

    # The corrected save stores all three.
    field(page, "website").fill(WEBSITE)
    save(page)
    assert _wait_until(lambda: _saved(make_run, email) == (BIO, COMPANY, WEBSITE), 30), _saved(
        make_run, email
    )
    expect(page.locator("#error-website")).to_have_count(0)

    # The tab stays open, idle: the app keeps writing (token refreshes, WAL checkpoints).
    page.wait_for_timeout(IDLE_S * 1000)  # the time passing is what is tested
    assert make_run.compiles() == 1, f"the backend restarted:\n{make_run.log_tail()}"
    assert _reflex_sockets(sockets) == on_members, "the tab opened another websocket"
    assert not live[0].is_closed(), "the tab's websocket closed"
    for name, value in (("bio", BIO), ("company", COMPANY), ("website", WEBSITE)):
        expect(field(page, name)).to_have_value(value)
    assert not list(make_run.checkout.glob("*.db*")), "run-time data in the watched app root"

    # Control: the watcher is on. A code edit restarts the backend (and the count sees it).
    routes = make_run.checkout / "clerk_app" / "routes.py"
    routes.write_text(routes.read_text() + "\n# edited while the app runs\n")
    assert _wait_until(lambda: make_run.compiles() > 1, RELOAD_TIMEOUT_S), make_run.log_tail()
