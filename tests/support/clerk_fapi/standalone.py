"""A one-page app that loads Clerk the way ``@clerk/react`` does, to test the stub alone.

The page adds the two script tags ``@clerk/shared``'s ``loadClerkJsScript``
adds (``https://<fapi>/npm/@clerk/clerk-js@6/dist/clerk.browser.js`` with
``data-clerk-publishable-key``, then ``…/@clerk/ui@1/dist/ui.browser.js``),
calls ``Clerk.load({ui: {ClerkUI}})`` as ``IsomorphicClerk`` does, and mounts
``SignIn`` when signed out or ``UserButton`` and ``OrganizationSwitcher`` when signed
in (``#active-org`` shows the session's active organization id, "" for none). It shows its
state in ``#status`` (``signed-out``, ``signed-in:<user id>``, ``failed:…``)
and exposes ``window.sessionToken()`` so a test can read the token clerk-js
holds, without building the Reflex app.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from clerk_app.settings import frontend_api_host

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clerk stub page</title></head>
<body>
<p id="status">loading</p>
<div id="clerk"></div>
<div id="orgs"></div>
<p id="active-org"></p>
<script>
const PK = __PK__;
const HOST = __HOST__;
function loadScript(src, attribute) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.setAttribute(attribute, "");
    script.setAttribute("data-clerk-publishable-key", PK);
    script.crossOrigin = "anonymous";
    script.async = true;
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error("failed to load " + src));
    document.head.appendChild(script);
  });
}
window.sessionToken = async (options) =>
  window.Clerk && window.Clerk.session ? await window.Clerk.session.getToken(options) : null;
(async () => {
  const status = document.getElementById("status");
  try {
    await loadScript(`https://${HOST}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`,
                     "data-clerk-js-script");
    await loadScript(`https://${HOST}/npm/@clerk/ui@1/dist/ui.browser.js`,
                     "data-clerk-ui-script");
    await window.Clerk.load({
      ui: { ClerkUI: window.__internal_ClerkUICtor },
      signInFallbackRedirectUrl: "/",
      afterSignOutUrl: "/",
    });
    const mount = document.getElementById("clerk");
    const orgs = document.getElementById("orgs");
    const render = () => {
      if (window.Clerk.user) {
        status.textContent = "signed-in:" + window.Clerk.user.id;
        window.Clerk.mountUserButton(mount);
        window.Clerk.mountOrganizationSwitcher(orgs, { hidePersonal: false });
      } else {
        status.textContent = "signed-out";
        window.Clerk.mountSignIn(mount, { routing: "hash" });
      }
    };
    render();
    let signedIn = !!window.Clerk.user;
    window.Clerk.addListener(({ user, organization }) => {
      document.getElementById("active-org").textContent = organization ? organization.id : "";
      if (!!user !== signedIn) {
        signedIn = !!user;
        window.Clerk.unmountSignIn(mount);
        window.Clerk.unmountUserButton(mount);
        window.Clerk.unmountOrganizationSwitcher(orgs);
        render();
      }
    });
  } catch (error) {
    status.textContent = "failed:" + error.message;
  }
})();
</script>
</body></html>
"""


def standalone_app(publishable_key: str) -> Starlette:
    """The page at ``/``; ``/whoami`` echoes the ``__session`` cookie clerk-js set."""
    host = frontend_api_host(publishable_key)
    html = _PAGE.replace("__PK__", json.dumps(publishable_key)).replace(
        "__HOST__", json.dumps(host)
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"session": request.cookies.get("__session")})

    return Starlette(routes=[Route("/", page), Route("/whoami", whoami)])
