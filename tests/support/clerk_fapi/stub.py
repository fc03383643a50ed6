"""A Clerk Frontend API stub for Playwright: the real clerk-js and @clerk/ui, no Clerk.

``@clerk/react`` loads clerk-js and @clerk/ui from the Frontend API host that
the publishable key encodes, and clerk-js then talks to that host's Frontend
API. :meth:`FrontendApiStub.install` routes ``https://<host>/**`` of a
Playwright ``BrowserContext`` to this object, which

* serves the scripts (and their lazy chunks) from the npm packages' ``dist/``
  folders (:mod:`tests.support.clerk_fapi.packages`), whatever version range the page
  asks for, so a test picks the clerk-js / @clerk/ui pair;
* answers the calls a development instance receives: dev browser,
  environment, client, email + password sign-in, session touch (with the active
  organization), token refresh, sign-out (:mod:`~tests.support.clerk_fapi.flows`),
  the user's organization lists (:mod:`~tests.support.clerk_fapi.organizations`),
  with the JSON shapes of :mod:`tests.support.clerk_fapi.resources`;
* takes users, passwords and every session token from a :class:`Directory`
  (the emulator), so the app's backend verifies real RS256 signatures;
* logs every request, and answers anything it does not know with a 404 in
  Clerk's error format (so clerk-js fails fast instead of hanging) while
  recording it in :attr:`FrontendApiStub.unknown`; tests assert that list is
  empty at teardown, so a protocol change in a new Clerk release is a test
  failure naming the URL.

Clerk-js conventions handled here: ``PATCH``/``DELETE`` arrive as ``POST``
with ``?_method=``; bodies are form-encoded; answers are either the bare
resource or ``{"response": X, "client": C}``, the ``client`` replacing
clerk-js's client state. A development instance (``pk_test_`` key, host under
``.accounts.dev``) gets a dev-browser id, which clerk-js then sends back as
``?__clerk_db_jwt=`` on every call; that id keys the client state here (without
one, as with a live key, the stub keeps a single client). The token's ``azp`` is
the calling page's ``Origin``, as Clerk sets it.

Playwright's sync API calls route handlers on the test's thread while the
test waits inside a Playwright call: tests must wait with Playwright
(``page.wait_for_timeout``, expectations), never ``time.sleep``.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clerk_app.settings import frontend_api_host

from . import flows
from . import resources as res
from .clients import Clients, Reply, TokenFactory
from .directory import Directory
from .environment import environment
from .organizations import me_list
from .packages import ClerkBundle, clerk_bundle

__all__ = ["DEV_FAPI_HOST", "FapiCall", "FrontendApiStub", "TokenFactory"]

_NPM_PATH = re.compile(r"^/npm/@clerk/(?P<pkg>clerk-js|ui)@(?P<range>[^/]+)/dist/(?P<file>[^/]+)$")
_SESSION_PATH = re.compile(
    r"^/v1/client/sessions/(?P<sid>[^/]+)/(?P<action>touch|tokens|remove|end)(?:/(?P<tpl>[^/]+))?$"
)
#: A development instance's Frontend API host. clerk-js only runs its dev-browser handshake
#: for hosts it recognises as development ones (``*.accounts.dev``); the browser never
#: reaches it: the stub answers every request, or aborts it when offline.
DEV_FAPI_HOST = "stub-clerk-app-42.clerk.accounts.dev"

_SIGN_IN_PATH = re.compile(r"^/v1/client/sign_ins/(?P<id>[^/]+)(?:/(?P<action>[a-z_]+))?$")


@dataclass
class FapiCall:
    """One request the stub saw, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class FrontendApiStub:
    """Clerk's Frontend API for one instance, answered inside the browser context.

    Args:
        directory: users, passwords, sessions and token signing (the emulator).
        publishable_key: names the Frontend API host to answer for.
        app_origin: the app's origin, for the instance's redirect URLs.
        bundle: the clerk-js / @clerk/ui pair to serve (default: the pinned pair).
        token_lifetime_s: lifetime of every session token handed to clerk-js.
        organizations: the instance has organizations enabled (its environment says so).
    """

    def __init__(
        self,
        directory: Directory,
        *,
        publishable_key: str,
        app_origin: str,
        bundle: ClerkBundle | None = None,
        token_lifetime_s: int = 60,
        organizations: bool = True,
    ) -> None:
        self.directory = directory
        self.publishable_key = publishable_key
        self.host = frontend_api_host(publishable_key)
        self.issuer = f"https://{self.host}"
        self.app_origin = app_origin.rstrip("/")
        self.bundle = bundle or clerk_bundle()
        self.token_lifetime_s = token_lifetime_s
        self.organizations = organizations
        #: Every request, in arrival order.
        self.calls: list[FapiCall] = []
        #: ``METHOD URL`` of requests the stub could not answer.
        self.unknown: list[str] = []
        #: False: every request to the host fails as if the network were down.
        self.online = True
        #: Replace to hand clerk-js other tokens (foreign key, wrong azp …).
        self.token_factory: TokenFactory = self.mint_token
        self.clients = Clients(directory, lambda: self.token_factory)
        self._lock = threading.RLock()
        self._installed: list[Any] = []

    # -- wiring ---------------------------------------------------------------------

    @property
    def pattern(self) -> str:
        return f"https://{self.host}/**"

    def install(self, context: Any) -> FrontendApiStub:
        """Answer the Frontend API host for every page of ``context``."""
        context.route(self.pattern, self._route)
        self._installed.append(context)
        return self

    def uninstall(self) -> None:
        for context in self._installed:
            with contextlib.suppress(Exception):  # the context may be closed already
                context.unroute(self.pattern, self._route)
        self._installed.clear()

    def assert_clean(self) -> None:
        """Fail with the URLs of requests the stub did not know how to answer."""
        if self.unknown:
            listing = "\n  ".join(self.unknown)
            raise AssertionError(f"the Frontend API stub got unknown requests:\n  {listing}")

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (optionally only ``method``), for assertions."""
        return [c.path for c in self.calls if method is None or c.method == method]

    # -- tokens ---------------------------------------------------------------------

    def mint_token(self, user_id: str, sid: str, azp: str) -> str:
        """A genuine session token: the emulator's key, this instance's issuer."""
        return self.directory.mint_token(
            user_id, sid=sid, azp=azp, issuer=self.issuer, lifetime_s=self.token_lifetime_s
        )

    # -- request handling -------------------------------------------------------------

    def _route(self, route: Any, request: Any) -> None:
        url = urlsplit(request.url)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        method = request.method.upper()
        if method == "POST" and query.get("_method"):
            method = query["_method"].upper()
        if not self.online:
            self.calls.append(FapiCall(method, url.path, query, 0))
            route.abort("internetdisconnected")
            return
        origin = request.headers.get("origin") or self.app_origin
        cors = {
            "access-control-allow-origin": origin,
            "access-control-allow-credentials": "true",
            "vary": "Origin",
        }
        if method == "OPTIONS":
            cors.update(
                {
                    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                    "access-control-allow-headers": request.headers.get(
                        "access-control-request-headers", "*"
                    ),
                    "access-control-max-age": "600",
                }
            )
            self._answer(route, method, url.path, query, 204, cors, b"", "text/plain")
            return
        npm = _NPM_PATH.match(url.path)
        if npm and method == "GET":
            self._serve_script(route, request, npm, url.path, query)
            return
        asset = self.directory.asset(url.path) if method == "GET" else None
        if asset is not None:
            content_type, content = asset
            headers = {
                "access-control-allow-origin": "*",
                "cross-origin-resource-policy": "cross-origin",
            }
            self._answer(route, method, url.path, query, 200, headers, content, content_type)
            return
        try:
            # Blank values count: clerk-js sends ``active_organization_id=`` for "none".
            body = parse_qs(request.post_data or "", keep_blank_values=True)
            form = {k: v[-1] for k, v in body.items()}
        except (TypeError, UnicodeDecodeError):
            form = {}
        with self._lock:
            try:
                status, body = self._dispatch(method, url.path, query, form, origin)
            except Reply as reply:
                status, body = reply.status, reply.body
        if status == 404 and body is None:
            self.unknown.append(f"{method} {request.url}")
            body = res.clerk_error(
                "resource_not_found", "not found", f"The stub does not know {method} {url.path}"
            )
        self._answer(route, method, url.path, query, status, cors, json.dumps(body).encode())

    def _answer(
        self,
        route: Any,
        method: str,
        path: str,
        query: dict[str, str],
        status: int,
        headers: dict[str, str],
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        self.calls.append(FapiCall(method, path, query, status))
        route.fulfill(
            status=status,
            headers={**headers, "content-type": content_type, "cache-control": "no-store"},
            body=body,
        )

    def _serve_script(
        self, route: Any, request: Any, match: re.Match[str], path: str, query: dict[str, str]
    ) -> None:
        package, name = match["pkg"], match["file"]
        file = self.bundle.dist(package) / name
        headers = {
            "access-control-allow-origin": "*",
            "cross-origin-resource-policy": "cross-origin",
        }
        if not file.is_file():
            self.unknown.append(f"GET {request.url}")
            self._answer(route, "GET", path, query, 404, headers, b"not found", "text/plain")
            return
        content_type = mimetypes.guess_type(name)[0] or "application/javascript"
        self.calls.append(FapiCall("GET", path, query, 200))
        route.fulfill(
            status=200,
            headers={**headers, "content-type": content_type, "cache-control": "max-age=3600"},
            body=file.read_bytes(),
        )

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], origin: str
    ) -> tuple[int, Any]:
        clients = self.clients
        if path == "/v1/dev_browser" and method == "POST":
            return 200, {"object": "dev_browser", "id": clients.new_dev_browser()}
        if path == "/v1/environment" and method in ("GET", "PATCH"):
            return 200, environment(app_origin=self.app_origin, organizations=self.organizations)
        client = clients.get(query)
        if path == "/v1/client":
            if method in ("GET", "PUT", "POST"):
                return 200, {"response": clients.client_json(client, origin), "client": None}
            if method == "DELETE":
                clients.end_sessions(client)
                return 200, {"response": clients.client_json(client, origin), "client": None}
        if path == "/v1/client/sessions" and method == "DELETE":
            clients.end_sessions(client)
            client_json = clients.client_json(client, origin)
            return 200, {"response": client_json, "client": client_json}
        if path == "/v1/client/sign_ins" and method == "POST":
            return flows.create_sign_in(clients, client, form, origin)
        match = _SIGN_IN_PATH.match(path)
        if match and client.sign_in and match["id"] == client.sign_in["id"]:
            if match["action"] is None and method == "GET":
                return 200, clients.envelope(client.sign_in, client, origin)
            if match["action"] == "attempt_first_factor" and method == "POST":
                return flows.attempt_password(clients, client, form, origin)
        match = _SESSION_PATH.match(path)
        if match and method == "POST":
            return flows.session_action(
                clients, client, match["sid"], match["action"], match["tpl"], form, origin
            )
        listed = me_list(clients, client, method, path, query)
        return listed if listed is not None else (404, None)
