"""Helpers to drive the app's Reflex states in unit tests, without a server.

A root ``rx.State`` holds every substate the way the backend would for one tab;
event handlers are called through their ``.fn`` (what Reflex calls after decoding an
event), and async-generator handlers are drained into a list of what they yielded.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import reflex as rx

from clerk_app.clerk.tokens import TokenVerifier
from clerk_emulator import Emulator

ISSUER = "http://emulator.test/_clerk"
ORIGIN = "http://localhost:3000"


def new_tab() -> rx.State:
    """The state tree of one fresh browser tab."""
    return rx.State(_reflex_internal_init=True)


def substate(root: rx.State, cls: type[rx.State]) -> Any:
    return root.get_substate(cls.get_full_name().split(".")[1:])


async def call(handler: Any, state: rx.State, *args: Any) -> list[Any]:
    """Run an event handler's function; return what it returned or yielded, as a list."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return []
    return list(result) if isinstance(result, list | tuple) else [result]


def emulator() -> Emulator:
    return Emulator(issuer=ISSUER, authorized_party=ORIGIN, key_size=2048)


def verifier_for(emu: Emulator, **options: Any) -> TokenVerifier:
    """A verifier reading the emulator's JWKS through an in-memory transport."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=emu.jwks()))
    return TokenVerifier(
        jwks_url=ISSUER + "/.well-known/jwks.json",
        issuer=ISSUER,
        authorized_parties=[ORIGIN],
        http_client=httpx.AsyncClient(transport=transport),
        **options,
    )
