"""The Frontend API's stateful calls: email + password sign-in, and a session's actions.

* ``POST /v1/client/sign_ins`` (``identifier=…``, optionally with the password at
  once), ``POST /v1/client/sign_ins/{id}/attempt_first_factor`` (``strategy=password``);
  a finished sign-in opens a session and leaves the client, as in Clerk.
* ``POST /v1/client/sessions/{sid}/touch``: clerk-js's ``setActive`` (and its focus
  touches) send ``active_organization_id`` (empty: the personal account), which becomes
  the session's active organization; a user who is not a member gets Clerk's 404
  ``organization_not_found_or_unauthorized``.
* ``POST /v1/client/sessions/{sid}/tokens``: a fresh token. Recent clerk-js sends the
  tab's ``organization_id`` with it; the stub makes that the session's active
  organization first (the same check as a touch), so the token's ``o`` claim names
  exactly the organization clerk-js asked for. JWT templates are not part of the
  protocol here (404).
* ``…/remove`` and ``…/end``: sign that session out.
"""

from __future__ import annotations

from typing import Any

from . import resources as res
from .clients import Client, Clients, Reply
from .directory import Refused, SignInRefused


def create_sign_in(
    clients: Clients, client: Client, form: dict[str, str], origin: str
) -> tuple[int, Any]:
    identifier = form.get("identifier", "").strip()
    user = clients.directory.find_user(identifier) if identifier else None
    if user is None:
        raise Reply(
            422,
            res.clerk_error(
                "form_identifier_not_found", "Couldn't find your account.", param="identifier"
            ),
        )
    client.sign_in = res.sign_in(
        res.new_id("sia"), identifier=identifier, user=user, status="needs_first_factor"
    )
    if form.get("strategy") == "password" and "password" in form:
        return attempt_password(clients, client, form, origin)
    return 200, clients.envelope(client.sign_in, client, origin)


def attempt_password(
    clients: Clients, client: Client, form: dict[str, str], origin: str
) -> tuple[int, Any]:
    assert client.sign_in is not None
    if form.get("strategy") != "password":
        raise Reply(
            422,
            res.clerk_error(
                "strategy_for_user_invalid",
                "Invalid verification strategy",
                f"The stub only supports password sign-in, not {form.get('strategy')!r}.",
                param="strategy",
            ),
        )
    try:
        user = clients.directory.authenticate(
            client.sign_in["identifier"], form.get("password", "")
        )
    except SignInRefused as refused:
        raise Reply(refused.status, refused.body) from None
    sid = clients.open_session(client, user["id"])
    completed = res.sign_in(
        client.sign_in["id"],
        identifier=client.sign_in["identifier"],
        user=user,
        status="complete",
        first_factor_verification=res.verification("password"),
        created_session_id=sid,
    )
    # A finished sign-in leaves the client, as in Clerk.
    client.sign_in = None
    return 200, clients.envelope(completed, client, origin)


def _apply_active_organization(clients: Clients, sid: str, form: dict[str, str], key: str) -> None:
    """``form[key]`` (when sent) becomes the session's active organization ("": none)."""
    if key not in form:
        return
    wanted = form[key] or None
    if wanted == clients.directory.active_organization_id(sid):
        return
    try:
        clients.directory.set_active_organization(sid, wanted)
    except Refused as refused:
        raise Reply(refused.status, refused.body) from None


def session_action(
    clients: Clients,
    client: Client,
    sid: str,
    action: str,
    template: str | None,
    form: dict[str, str],
    origin: str,
) -> tuple[int, Any]:
    alive = dict(clients.active_sessions(client))
    if sid not in alive:
        if action == "tokens":
            # What Clerk answers once a session is gone: clerk-js signs the user out.
            raise Reply(
                401,
                res.clerk_error(
                    "authentication_invalid", "Unauthorized request", "The session has ended."
                ),
            )
        raise Reply(404, res.clerk_error("resource_not_found", "not found", "Session not found"))
    user = alive[sid]
    if action == "tokens":
        if template:
            return 404, None  # JWT templates are not part of this app's protocol
        _apply_active_organization(clients, sid, form, "organization_id")
        return 200, res.token(clients.token(user["id"], sid, origin))
    if action == "touch":
        _apply_active_organization(clients, sid, form, "active_organization_id")
        return 200, clients.envelope(clients.session_json(sid, user, origin), client, origin)
    # remove / end: sign this session out.
    ended = {**clients.session_json(sid, user, origin), "status": "removed"}
    clients.end_session(client, sid)
    return 200, clients.envelope(ended, client, origin)
