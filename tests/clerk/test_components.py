"""What the frontend compiler receives: Clerk's components, from ``@clerk/react``, with our props.

Rendering a component gives the JSX name and props the compiler writes; its imports
say which package each name comes from. Core 3 names only: ``SignedIn``/``SignedOut``
do not exist in ``@clerk/react`` 6 (importing them fails the build).
"""

from __future__ import annotations

import reflex as rx
from reflex.compiler.utils import compile_imports

from clerk_app import routes
from clerk_app.clerk import components as clerk
from clerk_app.components.session_bridge import LOCAL_SID_KEY, auth_root
from clerk_app.state.auth import AuthState


def _imports(component: rx.Component) -> dict[str, set[str]]:
    return {lib: {str(v.tag) for v in names} for lib, names in component._get_all_imports().items()}


def _props(component: rx.Component) -> dict[str, str]:
    return dict(prop.split(":", 1) for prop in component.render()["props"])


def test_every_wrapper_imports_its_tag_from_the_pinned_package():
    for factory, tag in [
        (clerk.sign_in, "SignIn"),
        (clerk.sign_up, "SignUp"),
        (clerk.user_button, "UserButton"),
        (clerk.user_profile, "UserProfile"),
        (clerk.sign_out_button, "SignOutButton"),
        (clerk.redirect_to_sign_in, "RedirectToSignIn"),
        (clerk.clerk_loading, "ClerkLoading"),
        (clerk.clerk_loaded, "ClerkLoaded"),
        (clerk.clerk_failed, "ClerkFailed"),
        (clerk.clerk_degraded, "ClerkDegraded"),
    ]:
        component = factory()
        assert component.render()["name"] == tag
        assert _imports(component) == {"@clerk/react@6.17.2": {tag}}


def test_signed_in_and_signed_out_are_core3_show():
    shown = clerk.signed_in(rx.text("hello"))
    assert shown.render()["name"] == "Show"
    assert _props(shown) == {"when": '"signed-in"'}
    assert _props(clerk.signed_out(rx.text("bye"))) == {"when": '"signed-out"'}
    assert "SignedIn" not in str(_imports(shown))


def test_sign_in_and_sign_up_props():
    sign_in = clerk.sign_in(routing="hash", sign_up_url=routes.SIGN_UP)
    assert _props(sign_in) == {"routing": '"hash"', "signUpUrl": '"/sign-up"'}
    sign_up = clerk.sign_up(routing="hash", sign_in_url=routes.SIGN_IN)
    assert _props(sign_up)["signInUrl"] == '"/sign-in"'


def test_the_app_root_renders_clerk_provider_with_our_props():
    root = auth_root()
    props = _props(root)
    assert props["signInUrl"] == '"/sign-in"'
    assert props["signUpUrl"] == '"/sign-up"'
    assert props["signInFallbackRedirectUrl"] == '"/welcome"'
    assert props["signUpFallbackRedirectUrl"] == '"/welcome"'
    assert props["afterSignOutUrl"] == '"/"'
    # key and mode come from the backend's state at runtime, not from the build
    assert "publishable_key" in props["publishableKey"] and "mode" in props["mode"]
    # localization follows the language; appearance follows the resolved color mode
    assert "enUS" in props["localization"] and "frFR" in props["localization"]
    assert "lang" in props["localization"]
    assert "resolvedColorMode" in props["appearance"] and "colorBackground" in props["appearance"]

    imports = _imports(root)
    assert {"ClerkProvider", "useAuth"} <= imports["@clerk/react@6.17.2"]
    assert imports["@clerk/localizations@4.18.0"] == {"enUS", "frFR"}


def test_clerk_strings_come_from_each_locale_module_not_the_package_index():
    # the index re-exports every locale (4.5 MB the dev server serves on a first view)
    statements = {
        d["lib"]: d["rest"]
        for d in compile_imports(auth_root()._get_all_imports())
        if d["lib"].startswith("@clerk/localizations")
    }
    assert statements == {
        "@clerk/localizations/en-US": ["enUS"],
        "@clerk/localizations/fr-FR": ["frFR"],
    }
    var_data = clerk.localization(rx.Var("lang", _var_type=str))._get_all_var_data()
    assert {(v.tag, v.package_path) for v in var_data.imports[0][1]} == {
        ("enUS", "/en-US"),
        ("frFR", "/fr-FR"),
    }


def test_the_bridge_reports_to_auth_state():
    [code] = auth_root()._get_all_custom_code()
    auth = AuthState.get_full_name()
    assert f'"{auth}.set_session"' in code and f'"{auth}.clear_session"' in code
    assert "<ClerkProvider publishableKey={publishableKey} {...props}" in code
    assert "getToken()" in code  # clerk mode: the token clerk-js keeps fresh
    assert "/emulator/sessions/" in code and LOCAL_SID_KEY in code  # local mode
    assert 'addEventListener("storage"' in code  # sign-out in another tab
