"""Emulator-only routes (``/emulator/…``): tokens, sessions (and their active
organization), sign-in, keys, knobs.

Two kinds of caller:

* tests and tools, with the secret key: mint tokens, open sessions, rotate
  keys, set fault knobs, read the webhook log;
* the browser in local mode, with no secret: the session id it holds is its
  credential (as clerk-js's session is with Clerk's Frontend API). Those routes
  answer CORS for the authorized parties only and refuse other origins.
"""

from __future__ import annotations

import hashlib
import html
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import errors
from .core import Emulator
from .http import endpoint, json_body
from .shapes import primary_email

_BROWSER_METHODS = ["POST", "OPTIONS"]


def _avatar_svg(user: dict[str, Any] | None) -> str:
    """Initials on a colour derived from the id: a local stand-in for Clerk's image CDN.

    ``user`` may also be an organization (its name's initials).
    """
    if user is None:
        initials, seed = "?", "unknown"
    elif user.get("object") == "organization":
        initials = "".join(word[0] for word in user["name"].split()[:2]) or "?"
        seed = user["id"]
    else:
        names = [user.get("first_name"), user.get("last_name")]
        initials = "".join(n[0] for n in names if n) or (primary_email(user) or "?")[0]
        seed = user["id"]
    hue = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">'
        f'<rect width="128" height="128" fill="hsl({hue},55%,45%)"/>'
        '<text x="64" y="64" dy=".35em" text-anchor="middle" font-family="sans-serif" '
        f'font-size="52" fill="#fff">{html.escape(initials.upper())}</text></svg>'
    )


def emulator_routes(emulator: Emulator) -> list[Route]:
    tool = endpoint(emulator)
    browser = endpoint(emulator, auth=False, cors=True)
    public = endpoint(emulator, auth=False)

    @tool
    async def mint(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        options = {
            k: body[k] for k in ("sid", "azp", "claims", "lifetime_s", "issuer") if k in body
        }
        if not isinstance(options.get("lifetime_s", 60), int) or not isinstance(
            options.get("claims", {}), dict
        ):
            raise errors.invalid_param("lifetime_s", "lifetime_s: integer; claims: JSON object.")
        jwt = emulator.mint_token(str(body.get("user_id", "")), **options)
        return {"object": "token", "jwt": jwt}

    @tool
    async def open_session(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        sid = emulator.create_session(str(body.get("user_id", "")))
        return {"session_id": sid, "jwt": emulator.session_token(sid)}

    @browser
    async def session_token(request: Request) -> dict[str, Any]:
        origin = request.headers.get("origin")
        jwt = emulator.session_token(request.path_params["sid"], azp=origin)
        return {"object": "token", "jwt": jwt}

    @browser
    async def end_session(request: Request) -> dict[str, Any]:
        try:
            return emulator.end_session(request.path_params["sid"])
        except errors.EmulatorError:
            raise errors.unauthenticated("The session is no longer active.") from None

    @browser
    async def touch(request: Request) -> dict[str, Any]:
        """Clerk's ``setActive({organization})`` (its Frontend API's session touch).

        ``active_organization_id``: an organization the session's user belongs to, or
        null for the personal account. Answers the session and a fresh token.
        """
        body = await json_body(request)
        org_id = body.get("active_organization_id")
        if org_id is not None and not isinstance(org_id, str):
            raise errors.invalid_param(
                "active_organization_id", "active_organization_id must be a string or null."
            )
        sid = request.path_params["sid"]
        session = await run_in_threadpool(emulator.set_active_organization, sid, org_id)
        jwt = emulator.session_token(sid, azp=request.headers.get("origin"))
        return {**session, "last_active_token": {"object": "token", "jwt": jwt}}

    @browser
    async def sign_in(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        identifier, password = body.get("identifier"), body.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            raise errors.invalid_param("identifier", "identifier and password are required.")
        origin = request.headers.get("origin")
        return await run_in_threadpool(emulator.sign_in, identifier, password, azp=origin)

    @browser
    async def sign_up(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        if not isinstance(body.get("email_address"), str):
            raise errors.invalid_param("email_address", "email_address is required.")
        user = await run_in_threadpool(
            emulator.create_user,
            body["email_address"],
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            password=body.get("password") or "",
        )
        sid = emulator.create_session(user["id"])
        jwt = emulator.session_token(sid, azp=request.headers.get("origin"))
        return {"session_id": sid, "user_id": user["id"], "jwt": jwt}

    @tool
    async def rotate_key(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        kid = emulator.rotate_key(drop_old=bool(body.get("drop_old", False)))
        return {"kid": kid, "jwks": emulator.jwks()}

    @tool
    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return emulator.faults.snapshot()
        body = await json_body(request)
        if body.pop("reset", False):
            emulator.faults.reset()
        try:
            return emulator.faults.configure(**body)
        except ValueError as exc:
            raise errors.invalid_param("faults", str(exc)) from None

    @tool
    async def config(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        if "custom_claims" in body:
            emulator.custom_claims = bool(body["custom_claims"])
        if "webhook_url" in body:
            emulator.webhook_url = body["webhook_url"] or None
        return {"custom_claims": emulator.custom_claims, "webhook_url": emulator.webhook_url}

    @tool
    async def webhooks(request: Request) -> list[dict[str, Any]]:
        if request.query_params.get("drain"):
            await emulator.webhooks.drain()
        return [
            {
                "msg_id": d.msg_id,
                "type": d.event_type,
                "status": d.status,
                "attempts": [a.status_code for a in d.attempts],
            }
            for d in emulator.webhooks.deliveries
        ]

    @public
    async def avatar(request: Request) -> Response:
        owner = request.path_params["user_id"]
        try:
            if owner.startswith("org_"):
                user = emulator.get_organization(owner)
            else:
                user = emulator.get_user(owner)
        except errors.EmulatorError:
            user = None
        return Response(_avatar_svg(user), media_type="image/svg+xml")

    @public
    async def jwks(request: Request) -> dict[str, Any]:
        return emulator.jwks()

    @public
    async def health(request: Request) -> dict[str, Any]:
        return {"ok": True, "issuer": emulator.issuer}

    return [
        Route("/.well-known/jwks.json", jwks),
        Route("/emulator/health", health),
        Route("/emulator/tokens", mint, methods=["POST"]),
        Route("/emulator/sessions", open_session, methods=["POST"]),
        Route("/emulator/sessions/{sid}/tokens", session_token, methods=_BROWSER_METHODS),
        Route("/emulator/sessions/{sid}/end", end_session, methods=_BROWSER_METHODS),
        Route("/emulator/sessions/{sid}/touch", touch, methods=_BROWSER_METHODS),
        Route("/emulator/sign-in", sign_in, methods=_BROWSER_METHODS),
        Route("/emulator/sign-up", sign_up, methods=_BROWSER_METHODS),
        Route("/emulator/rotate-key", rotate_key, methods=["POST"]),
        Route("/emulator/faults", faults, methods=["GET", "POST"]),
        Route("/emulator/config", config, methods=["POST"]),
        Route("/emulator/webhooks", webhooks),
        Route("/emulator/avatars/{user_id}.svg", avatar),
    ]
