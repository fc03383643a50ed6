"""The Clerk emulator as its own process, standing in for Clerk's servers in benchmarks.

``python -m bench.harness.emulator_server --port 8123 --secret-key sk_test_…`` serves an
in-memory :class:`~clerk_emulator.Emulator` with uvicorn; its issuer is its
own URL. :class:`EmulatorProcess` starts one, waits until it answers, and wraps the
HTTP calls a benchmark needs (create users, open sessions, fetch session tokens the
way the browser does, set the fault knobs). A separate process matters: a load
generator sharing a GIL with the server it loads measures itself.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from typing import Any

import httpx

from .common import ROOT, free_port

FRONTEND_ORIGIN = "http://localhost:3000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--authorized-party", default=FRONTEND_ORIGIN)
    parser.add_argument("--custom-claims", action="store_true")
    args = parser.parse_args()

    import uvicorn

    from clerk_emulator import Emulator, create_emulator_app

    issuer = f"http://127.0.0.1:{args.port}"
    emulator = Emulator(
        issuer=issuer,
        secret_key=args.secret_key,
        authorized_party=args.authorized_party,
        custom_claims=args.custom_claims,
    )
    app = create_emulator_app(emulator)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


class EmulatorProcess:
    """A running emulator process; a context manager.

    Attributes:
        url: base URL, also the issuer (``iss``) of its tokens.
        secret_key: the ``sk_test_…`` key of this instance.
    """

    def __init__(
        self, *, custom_claims: bool = False, authorized_party: str = FRONTEND_ORIGIN
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret_key = "sk_test_" + secrets.token_hex(16)
        self.authorized_party = authorized_party
        self.custom_claims = custom_claims
        self._proc: subprocess.Popen | None = None
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=30,
        )

    @property
    def jwks_url(self) -> str:
        return self.url + "/.well-known/jwks.json"

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "bench.harness.emulator_server",
            *("--port", str(self.port)),
            *("--secret-key", self.secret_key),
            *("--authorized-party", self.authorized_party),
        ]
        if self.custom_claims:
            command.append("--custom-claims")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = subprocess.Popen(command, cwd=ROOT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"emulator exited with {self._proc.returncode}")
            try:
                if httpx.get(self.url + "/emulator/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("emulator did not start")

    def stop(self) -> None:
        self.http.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a benchmark does with it ---------------------------------------------------

    def app_env(self) -> dict[str, str]:
        """Clerk-mode settings pointing the app at this emulator, as a real instance would."""
        from clerk_app.settings import publishable_key_for

        return {
            "CLERK_PUBLISHABLE_KEY": publishable_key_for(f"127.0.0.1:{self.port}"),
            "CLERK_SECRET_KEY": self.secret_key,
            "CLERK_API_URL": self.url,
            "CLERK_JWKS_URL": self.jwks_url,
            "CLERK_ISSUER": self.url,
            "CLERK_AUTHORIZED_PARTIES": self.authorized_party,
        }

    def create_user(self, n: int, prefix: str = "bench") -> dict[str, Any]:
        response = self.http.post(
            "/v1/users",
            json={
                "email_address": [f"{prefix}{n}@example.com"],
                "first_name": "Bench",
                "last_name": f"User{n}",
                "username": f"{prefix}{n}",
            },
        )
        response.raise_for_status()
        return response.json()

    def open_session(self, user_id: str) -> str:
        """A new session for ``user_id`` (what a successful sign-in leaves behind)."""
        response = self.http.post("/emulator/sessions", json={"user_id": user_id})
        response.raise_for_status()
        return response.json()["session_id"]

    def faults(self, **knobs: Any) -> dict[str, Any]:
        response = self.http.post("/emulator/faults", json=knobs)
        response.raise_for_status()
        return response.json()

    def faults_snapshot(self) -> dict[str, Any]:
        response = self.http.get("/emulator/faults")
        response.raise_for_status()
        return response.json()


async def post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """``client.post``, sent again once when the connection broke under it (a keep-alive
    connection closed by the server as the request went out: seen once in a few hundred
    sign-ins). Both uses are harmless twice: a session opened, a token minted."""
    try:
        return await client.post(url, **kwargs)
    except httpx.TransportError:
        return await client.post(url, **kwargs)


async def session_token(client: httpx.AsyncClient, base_url: str, sid: str, origin: str) -> str:
    """A fresh session token, fetched the way the browser's bridge does (no secret)."""
    response = await post(
        client, f"{base_url}/emulator/sessions/{sid}/tokens", headers={"Origin": origin}
    )
    response.raise_for_status()
    return response.json()["jwt"]


if __name__ == "__main__":
    main()
