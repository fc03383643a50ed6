"""The session bridge: the only path from the browser's session to ``AuthState``.

``AuthRoot`` wraps the whole app (an app wrap, so it survives page navigation). In
the browser it renders, depending on the mode the backend reports:

* clerk mode: ``<ClerkProvider …>`` around a ``ClerkSessionBridge`` and the page. The
  bridge reads ``useAuth()``; when the page first hydrates, when the session changes
  and whenever ``getToken()`` returns a new token (it is polled every 5 s; clerk-js
  refreshes the 60 s token before it expires and serves it from its cache otherwise)
  it sends ``AuthState.set_session(token)``; signed out (here, or in another tab:
  Clerk propagates that) it sends ``AuthState.clear_session``.
* local mode: a ``LocalSessionBridge`` doing the same with the emulator. The session id
  lives in ``localStorage`` (the emulator's dev credential); a token is fetched from
  ``POST {emulator}/emulator/sessions/{sid}/tokens`` on the first hydration and every
  30 s; a ``storage`` event (sign-in or sign-out in another tab) re-reports at once.
  The local sign-in/out handlers reach it through ``window.clerkAppLocalSession``.

A client-side navigation sends nothing: the report made on this websocket still holds
(see :mod:`clerk_app.state.auth`). After a reconnect or a reload, the first page that
needs the identity asks for a fresh report through ``window.clerkAppReport()``.

In both modes it also applies the user's theme preference to Reflex's color mode.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from clerk_app.clerk.components import (
    CLERK_LOCALIZATIONS,
    CLERK_REACT,
    ClerkProviderProps,
    localization_import,
)

#: localStorage key holding the local-mode session id.
LOCAL_SID_KEY = "clerk_app.local_session"
#: How often each bridge looks for a fresher token (ms).
CLERK_POLL_MS = 5_000
LOCAL_REFRESH_MS = 30_000

_JS = """
function useReport() {
  const [addEvents] = useContext(EventLoopContext);
  const sent = useRef(null);
  return useCallback((token, force) => {
    if (!addEvents) return;
    if (token) {
      if (force || token !== sent.current) {
        sent.current = token;
        addEvents([ReflexEvent("%(auth)s.set_session", { token })]);
      }
    } else if (force || sent.current !== "") {
      sent.current = "";
      addEvents([ReflexEvent("%(auth)s.clear_session")]);
    }
  }, [addEvents]);
}

function ColorModeSync({ theme }) {
  const { setColorMode } = useContext(ColorModeContext);
  useEffect(() => {
    if (theme === "light" || theme === "dark" || theme === "system") setColorMode(theme);
  }, [theme]);
  return null;
}

function ClerkSessionBridge({ hydrated }) {
  const { isLoaded, isSignedIn, sessionId, getToken } = useAuth();
  const report = useReport();
  const check = useCallback(async (force) => {
    if (!isLoaded) return;
    if (!isSignedIn) return report(null, force);
    try {
      const token = await getToken();
      if (token) report(token, force);
    } catch (e) {
      console.warn("clerk_app: getToken failed", e);
    }
  }, [isLoaded, isSignedIn, sessionId, getToken, report]);
  // Sends only what the backend has not heard on this page yet (first hydration,
  // session change); a navigation re-renders with the same token and sends nothing.
  useEffect(() => { if (hydrated) check(false); }, [hydrated, isLoaded, isSignedIn, sessionId]);
  useEffect(() => {
    window.clerkAppReport = () => check(true);
    if (!isLoaded || !isSignedIn) return;
    const id = setInterval(() => check(false), %(clerk_poll)d);
    return () => clearInterval(id);
  }, [check, isLoaded, isSignedIn]);
  return null;
}

function LocalSessionBridge({ hydrated, emulatorUrl }) {
  const report = useReport();
  const check = useCallback(async (force) => {
    const sid = window.localStorage.getItem("%(sid_key)s");
    if (!sid) return report(null, force);
    try {
      const url = `${emulatorUrl}/emulator/sessions/${encodeURIComponent(sid)}/tokens`;
      const response = await fetch(url, { method: "POST" });
      if (response.status === 401 || response.status === 404) {
        window.localStorage.removeItem("%(sid_key)s");
        return report(null, true);
      }
      if (response.ok) report((await response.json()).jwt, force);
    } catch (e) {
      console.warn("clerk_app: emulator unreachable", e);
    }
  }, [emulatorUrl, report]);
  const reported = useRef(false);
  useEffect(() => {
    if (hydrated && !reported.current) {
      reported.current = true;
      check(true);
    }
  }, [hydrated, check]);
  useEffect(() => {
    window.clerkAppReport = () => check(true);
    const id = setInterval(() => check(false), %(local_refresh)d);
    const onStorage = (e) => { if (e.key === "%(sid_key)s" || e.key === null) check(true); };
    window.addEventListener("storage", onStorage);
    window.clerkAppLocalSession = {
      signIn: (sid) => { window.localStorage.setItem("%(sid_key)s", sid); return check(true); },
      signOut: () => { window.localStorage.removeItem("%(sid_key)s"); return check(true); },
    };
    return () => { clearInterval(id); window.removeEventListener("storage", onStorage); };
  }, [check]);
  return null;
}

function browserLocalization() {
  // What the backend will pick from Accept-Language for a signed-out visitor.
  const langs = (typeof navigator !== "undefined" && navigator.languages) || [];
  for (const tag of langs) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (primary === "en") return enUS;
    if (primary === "fr") return frFR;
  }
  return frFR;
}

function AuthRoot({ mode, publishableKey, emulatorUrl, hydrated, theme, children, ...props }) {
  // Clerk's UI takes its localization as it loads, before the first hydration tells the
  // language: start from the browser's (what the backend picks for visitors), then
  // follow the backend's (a signed-in user's preference) once it has spoken.
  const spoken = useRef(false);
  if (hydrated) spoken.current = true;
  const localization = spoken.current ? props.localization : browserLocalization();
  if (mode === "clerk" && publishableKey) {
    return (
      <ClerkProvider publishableKey={publishableKey} {...props} localization={localization}>
        <ClerkSessionBridge hydrated={hydrated} />
        <ColorModeSync theme={theme} />
        {children}
      </ClerkProvider>
    );
  }
  return (
    <>
      {mode === "local" ? (
        <LocalSessionBridge hydrated={hydrated} emulatorUrl={emulatorUrl} />
      ) : null}
      <ColorModeSync theme={theme} />
      {children}
    </>
  );
}
"""


class AuthRoot(ClerkProviderProps):
    """The app-wide auth wrapper (see module docstring); compiled from custom JS.

    Besides its own props it takes ``<ClerkProvider>``'s, which it hands on in clerk mode.
    """

    tag = "AuthRoot"
    mode: rx.Var[str]
    emulator_url: rx.Var[str]
    hydrated: rx.Var[bool]
    theme: rx.Var[str]

    def add_imports(self) -> dict[str, Any]:
        return {
            CLERK_REACT: [rx.ImportVar(tag="ClerkProvider"), rx.ImportVar(tag="useAuth")],
            CLERK_LOCALIZATIONS: [localization_import("enUS"), localization_import("frFR")],
            "react": [
                rx.ImportVar(tag="useContext"),
                rx.ImportVar(tag="useEffect"),
                rx.ImportVar(tag="useRef"),
                rx.ImportVar(tag="useCallback"),
                rx.ImportVar(tag="useState"),
            ],
            "$/utils/context": [
                rx.ImportVar(tag="EventLoopContext"),
                rx.ImportVar(tag="ColorModeContext"),
            ],
            "$/utils/state": [rx.ImportVar(tag="ReflexEvent")],
        }

    def add_custom_code(self) -> list[str]:
        from clerk_app.state.auth import AuthState

        return [
            _JS
            % {
                "auth": AuthState.get_full_name(),
                "sid_key": LOCAL_SID_KEY,
                "clerk_poll": CLERK_POLL_MS,
                "local_refresh": LOCAL_REFRESH_MS,
            }
        ]


def auth_root(_stateful: bool = True) -> rx.Component:
    """The app wrap: ``rx.App(app_wraps={(45, "AuthRoot"): auth_root})``."""
    from clerk_app.clerk.components import provider_props
    from clerk_app.state.ui import UIState

    return AuthRoot.create(
        mode=UIState.auth_mode,
        publishable_key=UIState.publishable_key,
        emulator_url=UIState.emulator_url,
        hydrated=rx.State.is_hydrated,
        theme=UIState.theme,
        **provider_props(UIState.lang, rx.style.resolved_color_mode),
    )
