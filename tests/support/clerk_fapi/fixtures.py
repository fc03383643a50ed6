"""Pytest fixtures: a Clerk instance made of the emulator and the Frontend API stub.

A test module imports the fixtures it uses (``from tests.support.clerk_fapi.fixtures
import clerk_instance, fapi_stubs  # noqa: F401``); nothing here is global. The
browser comes from ``tests/e2e/conftest.py`` (``chromium``, ``new_context``).

* :func:`clerk_instance` (session): the emulator, served over a real socket,
  playing Clerk's Backend API and JWKS for a development instance whose
  Frontend API host is :data:`~tests.support.clerk_fapi.stub.DEV_FAPI_HOST`;
  :meth:`ClerkInstance.app_env` is the environment that points the app at it.
* :func:`fapi_stubs` (function): installs a :class:`FrontendApiStub` on a
  browser context and, at teardown, fails the test if any stub saw a request
  it could not answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from clerk_app.settings import publishable_key_for
from clerk_emulator import Emulator, create_emulator_app

from .directory import EmulatorDirectory
from .packages import ClerkBundle, clerk_bundle
from .servers import serve_asgi
from .stub import DEV_FAPI_HOST, FrontendApiStub


@dataclass
class ClerkInstance:
    """A development Clerk instance: emulator (Backend API, JWKS) + stub (Frontend API)."""

    emulator: Emulator
    #: Where the emulator listens: the app's ``CLERK_API_URL``.
    api_url: str
    host: str

    @property
    def publishable_key(self) -> str:
        return publishable_key_for(self.host)

    @property
    def secret_key(self) -> str:
        return self.emulator.secret_key

    @property
    def issuer(self) -> str:
        return f"https://{self.host}"

    @property
    def jwks_url(self) -> str:
        return self.api_url + "/.well-known/jwks.json"

    def app_env(self) -> dict[str, str]:
        """The environment that runs the app in clerk mode against this instance.

        The issuer is derived from the publishable key and the authorized party from
        the app's own origin, as with a real instance: neither is set here.
        """
        return {
            "CLERK_PUBLISHABLE_KEY": self.publishable_key,
            "CLERK_SECRET_KEY": self.secret_key,
            "CLERK_API_URL": self.api_url,
            "CLERK_JWKS_URL": self.jwks_url,
        }

    def directory(self) -> EmulatorDirectory:
        return EmulatorDirectory(self.emulator, served_at=self.api_url)

    def stub(
        self,
        *,
        app_origin: str,
        bundle: ClerkBundle | None = None,
        token_lifetime_s: int = 60,
        organizations: bool = True,
    ) -> FrontendApiStub:
        return FrontendApiStub(
            self.directory(),
            publishable_key=self.publishable_key,
            app_origin=app_origin,
            bundle=bundle or clerk_bundle(),
            token_lifetime_s=token_lifetime_s,
            organizations=organizations,
        )


@contextmanager
def running_clerk_instance(host: str = DEV_FAPI_HOST) -> Iterator[ClerkInstance]:
    """The emulator for the instance at ``host``, served on 127.0.0.1 until exit."""
    emulator = Emulator(issuer=f"https://{host}")
    try:
        with serve_asgi(create_emulator_app(emulator)) as url:
            yield ClerkInstance(emulator=emulator, api_url=url, host=host)
    finally:
        emulator.close()


@pytest.fixture(scope="session")
def clerk_instance() -> Iterator[ClerkInstance]:
    clerk_bundle()  # fetch the pinned scripts once, before any browser waits on them
    with running_clerk_instance() as instance:
        yield instance


class StubInstaller:
    """Installs stubs on browser contexts; remembers them for the teardown check."""

    def __init__(self, instance: ClerkInstance) -> None:
        self.instance = instance
        self.stubs: list[FrontendApiStub] = []

    def __call__(self, context: Any, *, app_origin: str, **options: Any) -> FrontendApiStub:
        stub = self.instance.stub(app_origin=app_origin, **options)
        stub.install(context)
        self.stubs.append(stub)
        return stub

    def assert_clean(self) -> None:
        for stub in self.stubs:
            stub.assert_clean()


@pytest.fixture
def fapi_stubs(clerk_instance: ClerkInstance) -> Iterator[StubInstaller]:
    installer = StubInstaller(clerk_instance)
    yield installer
    installer.assert_clean()
